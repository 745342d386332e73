"""The shape of audit/: layers that run one way, no import circle between packages.

    foundation  config, extensions, models, service_errors, metrics, redis_connection
    domain      scorecards (definition, values, scoring, file format, store, builder),
                reporting (SQL, statistics, charts), storage, settings, access,
                photos.images, visits.lock, visits.scores, tasks (the task queue)
    services    each area's own logic: visits, shop, review, assignments, coaching,
                actions, appeals, org, accounts, notifications, photos.uploads
    top         web views and forms, CLI commands, PDF documents, dashboards, jobs,
                the demo, web plumbing, error pages, the app factory

A module may import from its own layer or a lower one, never a higher one; and the
packages (``audit.X``) import each other without a circle. Imports inside functions
count too: a circle hidden in a function is still a circle.
"""

from __future__ import annotations

import ast
import textwrap
from collections import defaultdict
from pathlib import Path

import pytest

from audit.config import PROJECT_ROOT

LAYERS = ("foundation", "domain", "services", "top")
FOUNDATION = {
    "audit.config",
    "audit.extensions",
    "audit.service_errors",
    "audit.metrics",
    "audit.redis_connection",
}
DOMAIN_MODULES = {
    "audit.settings",
    "audit.access",
    "audit.photos.images",
    "audit.visits.lock",
    "audit.visits.scores",
    "audit.tasks",
}
DOMAIN_PACKAGES = {"audit.reporting", "audit.storage", "audit.scorecards"}
TOP_MODULES = {"audit", "audit.cli", "audit.errors", "audit.templating"}
TOP_PACKAGES = {
    "audit.web",
    "audit.documents",
    "audit.dashboards",
    "audit.jobs",
    "audit.demo",
    "audit.main",
    "audit.admin",
    "audit.ops",
    "audit.api",
    "audit.backup",
}
#: Modules that serve requests or the command line, in whichever package they live
#: (also ``*_routes`` and ``*_forms``, where an area's pages are split by task).
TOP_NAMES = {"routes", "forms", "cli", "views", "assets"}
TOP_SUFFIXES = ("_routes", "_forms")

Graph = dict[str, set[str]]


def layer_of(module: str) -> str:
    parts = module.split(".")
    package = ".".join(parts[:2])
    name = parts[-1]
    if module in TOP_MODULES or package in TOP_PACKAGES:
        return "top"
    if name in TOP_NAMES or name.endswith(TOP_SUFFIXES):
        return "top"
    if module in FOUNDATION or package == "audit.models":
        return "foundation"
    if module in DOMAIN_MODULES or package in DOMAIN_PACKAGES:
        return "domain"
    return "services"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``root`` by its dotted name."""
    names = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph(root: Path, package: str) -> Graph:
    """Which modules of ``package`` each module imports (at any depth of the code)."""
    modules = module_names(root, package)

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: Graph = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # "from a.b import c": the module a.b.c when there is one, else a.b itself.
                submodules = [f"{node.module}.{alias.name}" for alias in node.names]
                found = [m for m in submodules if m in modules]
                targets = found if len(found) == len(submodules) else [node.module, *found]
            for target in targets:
                resolved = resolve(target) if target.split(".")[0] == package else None
                if resolved and resolved != name:
                    graph[name].add(resolved)
    return graph


def unit_of(module: str) -> str:
    """The package a module belongs to (``audit.X``); a root module is a unit of its own."""
    return ".".join(module.split(".")[:2])


def circles(graph: Graph) -> list[list[str]]:
    """Circles between packages (strongly connected groups of more than one unit)."""
    edges: Graph = defaultdict(set)
    for source, targets in graph.items():
        for target in targets:
            if unit_of(source) != unit_of(target):
                edges[unit_of(source)].add(unit_of(target))
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
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


def upward_imports(graph: Graph) -> list[str]:
    """Every import of a module from a higher layer, as "a (layer) -> b (layer)"."""
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    return sorted(
        f"{source} ({layer_of(source)}) -> {target} ({layer_of(target)})"
        for source, targets in graph.items()
        for target in targets
        if rank[layer_of(target)] > rank[layer_of(source)]
    )


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(PROJECT_ROOT, "audit")


def test_no_import_circle_between_packages(graph: Graph) -> None:
    assert circles(graph) == []


def test_layers_run_one_way(graph: Graph) -> None:
    assert upward_imports(graph) == []


def test_reporting_knows_nothing_of_requests_or_areas(graph: Graph) -> None:
    modules = module_names(PROJECT_ROOT, "audit")
    reporting = sorted(m for m in modules if m.startswith("audit.reporting"))
    assert len(reporting) > 10
    for module in reporting:
        assert {layer_of(t) for t in graph.get(module, ())} <= {"foundation", "domain"}, module
        assert "import request" not in modules[module].read_text(), module


# --- the checks themselves catch what they are for ----------------------------------------


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return tmp_path


def test_the_check_finds_a_circle_even_inside_a_function(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "audit/__init__.py": "",
            "audit/reporting/__init__.py": "",
            "audit/reporting/league.py": "from audit.actions.service import propose\n",
            "audit/actions/__init__.py": "",
            "audit/actions/service.py": """
                def propose():
                    from audit.reporting import league
                    return league
            """,
        },
    )
    graph = import_graph(root, "audit")
    assert circles(graph) == [["audit.actions", "audit.reporting"]]
    assert upward_imports(graph) == [
        "audit.reporting.league (domain) -> audit.actions.service (services)"
    ]


def test_the_check_finds_a_lower_layer_importing_a_higher_one(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "audit/__init__.py": "",
            "audit/models/__init__.py": "from audit.shop.routes import bp\n",
            "audit/shop/__init__.py": "",
            "audit/shop/routes.py": "bp = None\n",
            "audit/shop/service.py": "from audit import models\n",
        },
    )
    graph = import_graph(root, "audit")
    assert upward_imports(graph) == ["audit.models (foundation) -> audit.shop.routes (top)"]
    assert circles(graph) == [["audit.models", "audit.shop"]]


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    root = _package(
        tmp_path,
        {
            "audit/__init__.py": "from audit.shop import routes\n",
            "audit/models/__init__.py": "",
            "audit/shop/__init__.py": "",
            "audit/shop/routes.py": "from audit.shop.service import start\n",
            "audit/shop/service.py": "from audit.models import Visit\nstart = Visit = None\n",
        },
    )
    graph = import_graph(root, "audit")
    assert circles(graph) == [] and upward_imports(graph) == []
