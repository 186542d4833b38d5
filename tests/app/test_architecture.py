"""The package layout keeps its shape: imports point downward (routes → domains → core), no module
imports itself back in a circle, and no top-level name of src/ shadows the standard library or an
installed distribution (the Worker puts every top-level name of the bundle on one path).

The table below is the map docs/architecture.md draws; changing a dependency means changing both.
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"

# package → the packages its modules may import (besides itself). Top-level modules (app, cli,
# entry) may import anything; only they import each other.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "accounts": {"core"},
    "leads": {"core", "accounts"},
    "customers": {"core", "accounts", "leads"},
    "booking": {"core", "accounts", "leads"},
    # The contractor network (issue 19): below jobs, beside leads; needs no lead or customer.
    "network": {"core", "accounts"},
    # Jobs and dispatch (issue 20): above customers and the network.
    "jobs": {"core", "accounts", "leads", "customers", "network"},
    "quickbooks": {"core", "accounts", "customers"},
    "reports": {"core", "accounts", "leads", "customers", "network", "jobs", "quickbooks"},
    # issue 21: messaging sits above customers (lead and customer replies live there)
    "messaging": {"core", "accounts", "leads", "customers"},
    # issue 22: automations sit above messaging (they send through its guards) and jobs
    "automations": {"core", "accounts", "leads", "customers", "network", "jobs", "messaging"},
    # issue 24: tickets sit above customers (and send their summary through messaging); the assistant
    # sits above every domain its read-only tools ask, below ops, cron and routes
    "tickets": {"core", "accounts", "leads", "customers", "messaging", "jobs"},  # jobs: linked jobs
    "assistant": {"core", "accounts", "leads", "customers", "network", "quickbooks", "reports", "messaging"}
    | {"tickets", "jobs"},
    # issue 23: tasks sit above customers, jobs and messaging (links, emailed reports through the outbox)
    "tasks": {"core", "accounts", "leads", "customers", "network", "jobs", "reports", "messaging"},
    # issue 22: outbound webhooks sit above jobs, leads and the network
    "webhooks": {"core", "accounts", "leads", "customers", "network", "jobs"},
    "ops": {"core", "accounts", "leads", "customers", "booking", "network", "quickbooks", "reports", "messaging"}
    | {"tickets", "assistant", "jobs", "tasks", "automations", "webhooks"},
    "cron": {"core", "accounts", "leads", "customers", "booking", "network", "quickbooks", "reports", "ops"}
    | {"messaging", "tickets", "assistant", "jobs", "tasks", "automations", "webhooks"},
    "routes": {"core", "accounts", "leads", "customers", "booking", "network", "quickbooks", "reports", "ops"}
    | {"messaging", "tickets", "assistant", "jobs", "tasks", "automations", "webhooks"},
}
TOP_LEVEL = {"app", "cli", "entry"}


def modules(src: Path = SRC) -> dict[str, Path]:
    """Dotted module name → file, for every module under src/."""
    found = {}
    for path in src.rglob("*.py"):
        if "__pycache__" in path.parts:
            continue
        name = ".".join(path.relative_to(src).with_suffix("").parts).removesuffix(".__init__")
        found[name] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that `name` imports, at module level or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            subs = {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known}
            out |= subs or ({base} if base in known else set())
    out.discard(name)
    return out


def graph(src: Path = SRC) -> dict[str, set[str]]:
    found = modules(src)
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def package(module: str) -> str:
    return module.split(".")[0]


def wrong_way(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for source, targets in sorted(edges.items()):
        for target in sorted(targets):
            have, want = package(source), package(target)
            if have in TOP_LEVEL or have == want:
                continue
            if want in TOP_LEVEL:
                problems.append(f"{source} imports {target}: only the entry points import the entry points")
            elif have not in ALLOWED:
                problems.append(f"{source} is in {have}/, a package the layout table does not know")
            elif want not in ALLOWED[have]:
                problems.append(f"{source} imports {target}: {have} may import only {sorted(ALLOWED[have])}")
    return problems


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_package_is_in_the_layout_table():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), "add the package to ALLOWED and to docs/architecture.md"


def test_imports_point_downward():
    assert wrong_way(graph()) == []


def test_no_module_imports_itself_back_through_others():
    assert circles(graph()) == []


def test_no_top_level_name_shadows_the_standard_library_or_a_dependency():
    ours = {p.stem for p in SRC.iterdir() if (p.suffix == ".py" or (p / "__init__.py").exists())}
    theirs = set(importlib.metadata.packages_distributions())
    assert ours & set(sys.stdlib_module_names) == set()
    assert ours & theirs == set()


def test_the_checks_catch_what_they_are_for(tmp_path):
    """The rules above on a small tree made to break them, so a check that finds nothing is believed."""
    for rel, text in {
        "core/__init__.py": "",
        "core/base.py": "from leads import intake\n",  # core reaching up into a domain
        "leads/__init__.py": "",
        "leads/intake.py": "def f():\n    from routes import pages\n",  # a domain importing a route
        "routes/__init__.py": "",
        "routes/pages.py": "from . import other\n",
        "routes/other.py": "from routes import pages\n",  # a circle, through a relative import
    }.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    edges = graph(tmp_path)
    problems = wrong_way(edges)
    assert any(p.startswith("core.base imports leads.intake") for p in problems)
    assert any(p.startswith("leads.intake imports routes.pages") for p in problems)
    assert circles(edges) == [["routes.other", "routes.pages"]]
