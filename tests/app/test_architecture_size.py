"""No function in src/ runs over 60 lines unless it says why.

A function longer than `MAX_LINES` (from `def` to its last line, decorators excluded) must carry a
comment containing `long:` within its first `MARKER_WITHIN` lines, saying why it stays whole (for
example one SQL query assembled from filters, which a reader must see in one piece). Anything else
is split into named helpers, one per step.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
MAX_LINES = 60
MARKER = "long:"
MARKER_WITHIN = 12  # lines from the `def` line (a signature and docstring come first)

# A function another branch is splitting, allowed meanwhile; the test below says when an entry is stale.
PENDING: set[str] = set()


def long_functions(src: Path = SRC) -> dict[str, int]:
    """`path:function` → length, for every function over MAX_LINES with no `long:` comment."""
    found = {}
    for path in sorted(src.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        text = path.read_text()
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length <= MAX_LINES:
                continue
            head = lines[node.lineno - 1 : node.lineno - 1 + MARKER_WITHIN]
            if any(line.strip().startswith("#") and MARKER in line for line in head):
                continue
            found[f"{path.relative_to(src).as_posix()}:{node.name}"] = length
    return found


def test_no_function_over_60_lines_without_a_reason() -> None:
    over = {name: n for name, n in long_functions().items() if name not in PENDING}
    assert not over, (
        f"functions over {MAX_LINES} lines: {over}. Split them into named helpers, or add a comment "
        f"'# {MARKER} <why>' in the first {MARKER_WITHIN} lines saying why the function stays whole."
    )


def test_pending_entries_are_still_long() -> None:
    stale = PENDING - set(long_functions())
    assert not stale, f"{stale} no longer over {MAX_LINES} lines: remove from PENDING"


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_LINES))
    (tmp_path / "m.py").write_text(f"def big():\n{body}\n\ndef fine():\n    # {MARKER} one query\n{body}\n")
    assert long_functions(tmp_path) == {"m.py:big": MAX_LINES + 1}
