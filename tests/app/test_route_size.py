"""Route modules stay small: one module per page or API group, each at most 400 lines (issue 15)."""

from __future__ import annotations

from pathlib import Path

ROUTES = Path(__file__).resolve().parents[2] / "src" / "routes"
LIMIT = 400


def oversized(folder: Path, limit: int = LIMIT) -> dict[str, int]:
    """Modules under `folder` longer than `limit` lines, with their line counts."""
    counts = {p.relative_to(folder).as_posix(): len(p.read_text().splitlines()) for p in folder.rglob("*.py")}
    return {name: n for name, n in sorted(counts.items()) if n > limit}


def test_no_route_module_is_over_400_lines():
    assert ROUTES.is_dir() and any(ROUTES.glob("*.py"))  # the walk really sees the route modules
    too_long = oversized(ROUTES)
    assert not too_long, f"split these route modules by page or API group: {too_long}"


def test_the_check_catches_a_long_module(tmp_path):
    (tmp_path / "short.py").write_text("x = 1\n" * LIMIT)
    (tmp_path / "long.py").write_text("x = 1\n" * (LIMIT + 1))
    assert oversized(tmp_path) == {"long.py": LIMIT + 1}
