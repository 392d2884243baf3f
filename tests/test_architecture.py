"""The layers of docs/architecture.md hold: no import reaches up a layer, and no module cycle.

A small walk over the source's ``import`` statements (those under ``if TYPE_CHECKING:``
are for type checkers only and are skipped). Each test also runs on a made-up tree,
so it is shown to fail when the rule is broken.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVER = Path(__file__).resolve().parent.parent / "server"

# Lower layers first. A module may import its own layer and the layers below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ("atesaki.core", "atesaki.files")),
    ("store", ("atesaki.store",)),
    ("knowledge", ("atesaki.knowledge",)),
    ("services", ("atesaki.settings", "atesaki.exits", "atesaki.logs",
                  "atesaki.importers", "atesaki.sync", "atesaki.approvals")),
    ("web", ("atesaki.web", "atesaki.ui")),
    ("faces", ("atesaki.cli", "atesaki.__main__", "atesaki.server", "atesaki.autostart", "atesaki.doctor",
               "atesaki.nativehost", "atesaki.central", "atesaki.link", "atesaki")),
)

# Libraries a layer must not import: the core is pure; only the web layer speaks HTTP.
FORBIDDEN = {
    "core": ("flask", "werkzeug", "waitress", "sqlite3", "requests", "click", "flask_cors"),
    "store": ("flask", "werkzeug", "waitress", "requests", "flask_cors"),
    "knowledge": ("flask", "werkzeug", "waitress", "requests", "click", "flask_cors"),
    "services": ("flask", "werkzeug", "waitress", "flask_cors"),
}


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_nodes(tree: ast.AST):
    """Every node but those under ``if TYPE_CHECKING:``."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports(root: Path) -> dict[str, set[str]]:
    """Module -> the modules (ours and others') it imports, as written."""
    graph: dict[str, set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        name = module_name(root, path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # "from pkg import mod" is an import of mod; "from mod import name", of mod
                found.update(f"{module}.{alias.name}|{module}" for alias in node.names)
        graph[name] = found
    return {name: {_resolve(m, graph) for m in found} for name, found in graph.items()}


def _resolve(written: str, modules: dict) -> str:
    member, _, module = written.partition("|")
    return (member if member in modules else module) if module else written


def internal_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports (the root package, run by every import, aside)."""
    graph = imports(root)
    return {name: {m for m in found if m in graph and m not in (name, "atesaki")}
            for name, found in graph.items()}


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    return rank


def broken_rules(root: Path) -> list[str]:
    """Each import that reaches up a layer or into a library its layer must not use."""
    problems = []
    everything = imports(root)
    ours = internal_graph(root)
    for module, found in sorted(ours.items()):
        rank = layer_of(module)
        assert rank >= 0, f"{module} is in no layer: add it to LAYERS and docs/architecture.md"
        for target in sorted(found):
            if layer_of(target) > rank:
                problems.append(f"{module} ({LAYERS[rank][0]}) imports {target} "
                                f"({LAYERS[layer_of(target)][0]})")
        banned = FORBIDDEN.get(LAYERS[rank][0], ())
        for target in sorted(everything[module]):
            if target.split(".")[0] in banned:
                problems.append(f"{module} ({LAYERS[rank][0]}) imports {target}")
    return problems


def cycles(root: Path) -> list[list[str]]:
    """The import cycles between our modules (strongly connected components, Tarjan)."""
    graph = internal_graph(root)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_reaches_up_a_layer():
    assert broken_rules(SERVER / "atesaki") == []


def test_no_module_imports_a_module_that_imports_it_back():
    assert cycles(SERVER / "atesaki") == []


def test_the_architecture_page_names_every_layer():
    page = (SERVER.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert "```mermaid" in page
    for name, prefixes in LAYERS:
        assert name in page
        for prefix in prefixes:
            assert prefix.replace("atesaki.", "").replace(".", "/") in page or prefix == "atesaki"


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "atesaki"
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("files, expected", [
    pytest.param({"__init__.py": "", "core/__init__.py": "", "web/__init__.py": "",
                  "core/names.py": "from atesaki.web import app\n", "web/app.py": ""},
                 ["atesaki.core.names (core) imports atesaki.web.app (web)"],
                 id="the core importing the web layer is caught"),
    pytest.param({"__init__.py": "", "core/__init__.py": "",
                  "core/clock.py": "import flask\n"},
                 ["atesaki.core.clock (core) imports flask"],
                 id="the core importing Flask is caught"),
    pytest.param({"__init__.py": "", "core/__init__.py": "", "store/__init__.py": "",
                  "core/a.py": "from typing import TYPE_CHECKING\n"
                               "if TYPE_CHECKING:\n    from atesaki.store import x\n",
                  "store/x.py": ""},
                 [], id="an import for type checkers only is allowed"),
])
def test_the_layer_rule_fails_on_a_broken_tree(tmp_path, files, expected):
    assert broken_rules(_tree(tmp_path, files)) == expected


def test_a_cycle_is_caught(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "", "web/__init__.py": "",
                            "web/api.py": "from atesaki.web import approvals\n",
                            "web/approvals.py": "def f():\n    from atesaki.web.api import x\n"})
    assert cycles(root) == [["atesaki.web.api", "atesaki.web.approvals"]]
