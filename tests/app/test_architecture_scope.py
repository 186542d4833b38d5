"""Scope lives in authz: "which records may this user see or touch" is answered in one module.

This parses every Python file under src/ and fails when one outside the allowed modules decides by a
role or by the user's offices itself, instead of asking authz:
- a role name as a string literal ("owner", "partner", ...), or quoted inside SQL ('partner');
- a comparison on a role (`user.role == ...`, `role in (...)`), or on one in SQL (`u.role != ...`);
- `sees_office` (the office check authz wraps), or a user's `office_ids` / `all_offices` read to
  build a filter (the stored profile may be shown, at the sites in SHOWN_PROFILE);
- a comparison with a user's id: an own-record rule (their claim, photo, note) is authz's.

Allowed modules, by file name wherever the package move puts them:
- authz.py owns every rule.
- users.py stores and validates a role: the list of roles and their labels, an owner always sees
  every office and a partner never does, the last owner stays an owner.
- demo.py seeds one demo user per role: a role name there is the value stored, not a decision
  (ROLE_LITERALS_ONLY: it may not compare roles or read offices).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

from accounts import authz

SRC = Path(__file__).resolve().parents[2] / "src"

ALLOWED = {"authz.py", "users.py"}
ROLE_LITERALS_ONLY = {"demo.py"}
# (file name, function) where a user's stored offices are shown as they are, deciding nothing.
SHOWN_PROFILE = {("cli.py", "_users"), ("api.py", "_user_out")}

ROLES = frozenset(authz.ROLES)
_SQL_ROLE = re.compile(r"\brole\s*(=|!=|<>|\bin\b|\bnot\s+in\b)|\ball_offices\s*=", re.IGNORECASE)
_SQL_ROLE_NAME = re.compile(r"'(" + "|".join(sorted(ROLES)) + r")'")
_OFFICE_ATTRS = {"office_ids", "all_offices"}


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}"


def _is_role(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "role") or (
        isinstance(node, ast.Name) and node.id == "role"
    )


def _is_user(node: ast.AST) -> bool:
    """`user`, `u`, `current_user`, `request.state.user`: a user's profile, not a form or a query."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name == "u" or "user" in name


class _Scan(ast.NodeVisitor):
    def __init__(self, path: str, name: str):
        self.path, self.name = path, name
        self.found: list[Site] = []
        self.function = ""

    def _add(self, node: ast.AST, rule: str) -> None:
        self.found.append(Site(self.path, getattr(node, "lineno", 0), rule))

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            if node.value in ROLES:
                if self.name not in ROLE_LITERALS_ONLY:
                    self._add(node, f"role name {node.value!r}")
            elif _SQL_ROLE.search(node.value) or _SQL_ROLE_NAME.search(node.value):
                self._add(node, f"role or office scope in SQL {node.value[:60]!r}")

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = (node.left, *node.comparators)
        if any(_is_role(n) for n in operands):
            self._add(node, "compares a role")
        if any(isinstance(n, ast.Attribute) and n.attr == "id" and _is_user(n.value) for n in operands):
            self._add(node, "compares a user's id (an own-record check)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr == "sees_office":
            self._add(node, "calls sees_office")
        elif node.attr in _OFFICE_ATTRS and _is_user(node.value):
            if (self.name, self.function) not in SHOWN_PROFILE:
                self._add(node, f"reads a user's {node.attr}")
        self.generic_visit(node)


def scope_sites(src: Path = SRC) -> list[Site]:
    """Every place outside authz (and users) that decides scope by a role or the user's offices."""
    found: list[Site] = []
    for path in sorted(src.rglob("*.py")):
        if path.name in ALLOWED:
            continue
        scan = _Scan(str(path.relative_to(src)), path.name)
        scan.visit(ast.parse(path.read_text(), str(path)))
        found += scan.found
    return found


def test_scope_rules_live_in_authz() -> None:
    sites = scope_sites()
    assert not sites, "ask authz instead (see its scope section):\n" + "\n".join(map(str, sites))


def test_the_scan_finds_what_it_forbids(tmp_path: Path) -> None:
    """The scan itself can fail: each forbidden shape is caught, in a module that is not allowed."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "leads.py").write_text(
        "def f(user, offices, db):\n"
        "    if user.role == 'agent':\n"
        "        pass\n"
        "    mine = [o for o in offices if user.sees_office(o.id)]\n"
        "    ids = sorted(user.office_ids) + form.office_ids\n"
        "    db.all(\"SELECT * FROM users u WHERE u.role != 'partner'\")\n"
        "    return role in ROLES or note['author_user_id'] == user.id\n"
    )
    (tmp_path / "authz.py").write_text("def f(user):\n    return user.role == 'owner' or user.sees_office(1)\n")
    rules = [(s.path, s.line, s.rule.split(" ")[0]) for s in scope_sites(tmp_path)]
    assert rules == [
        ("pkg/leads.py", 2, "compares"),
        ("pkg/leads.py", 2, "role"),
        ("pkg/leads.py", 4, "calls"),
        ("pkg/leads.py", 5, "reads"),
        ("pkg/leads.py", 6, "role"),
        ("pkg/leads.py", 7, "compares"),
        ("pkg/leads.py", 7, "compares"),
    ]
