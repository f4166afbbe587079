"""The flow reads top to bottom (README, "Layout"): no module imports one that imports it back,
the readers know nothing of rules, the windowed source knows nothing of the checker, and the
command line uses the library API, the configuration and the formatters only."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "civitai_schema"


def imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports, anywhere in it (inside
    functions too: a deferred import is still a way back up; not those for type checkers)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    found: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text("utf-8"))
        for block in ast.walk(tree):  # (imports for type checkers alone run nothing)
            if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test):
                block.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                anchor = here.split(".")[: len(here.split(".")) - node.level + 1] if node.level else []
                base = ".".join([*anchor, *([node.module] if node.module else [])])
                # (``from .. import x`` imports x; its package's __init__ runs for any import)
                named = [f"{base}.{alias.name}" for alias in node.names]
                targets = [base, *named] if node.module else named
            else:
                continue
            for spelled in targets:
                target = spelled
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                # (a package and its own modules are one place: its __init__ hands their names on)
                if target and target != name and not target.startswith(name + "."):
                    found[name].add(target)
    return found


def loops(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected parts of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    work.append((target, iter(sorted(graph[target]))))
                elif target in stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = set()
                while True:
                    member = stack.pop()
                    part.add(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(part)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    assert loops(imports()) == []


def test_the_loop_finder_finds_a_loop() -> None:
    assert loops({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_readers_know_nothing_of_rules_nor_of_what_comes_after_them() -> None:
    graph = imports()
    for name in (n for n in graph if n.startswith("civitai_schema.readers")):
        later = {"rules", "checker", "pipeline", "sources", "streaming", "api", "cli"}
        assert not {t for t in graph[name] if t.split(".")[1] in later}, name


def test_the_windowed_source_knows_nothing_of_the_checker() -> None:
    graph = imports()
    assert not graph["civitai_schema.streaming"] & {"civitai_schema.checker", "civitai_schema.pipeline"}
    assert not graph["civitai_schema.checker"] & {"civitai_schema.pipeline", "civitai_schema.sources"}


def test_the_command_line_uses_the_api_the_configuration_and_the_formatters() -> None:
    graph = imports()
    allowed = {"civitai_schema", "civitai_schema.api", "civitai_schema.config", "civitai_schema.formatters"}
    allowed.add("civitai_schema.version")  # (a constant, for --version)
    for name in (n for n in graph if n.startswith("civitai_schema.cli")):
        used = {t for t in graph[name] if not t.startswith(("civitai_schema.cli", "civitai_schema.formatters."))}
        used -= allowed
        # The server command starts the language server, an edge of its own built on the API.
        server = {"civitai_schema.lsp", "civitai_schema.lsp.server"}
        expected = server if name == "civitai_schema.cli.commands" else set()
        assert used == expected, name


def test_nothing_inside_imports_the_package_front_door() -> None:
    # The package's __init__ re-exports the API, so a module importing it imports everything
    # above itself: the one arrow that ran back up (the cache reading __version__ there).
    graph = imports()
    assert [name for name, targets in graph.items() if "civitai_schema" in targets] == []
