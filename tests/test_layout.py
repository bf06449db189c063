"""The code's shape, checked with `ast` over every module of the project's packages:

(a) the import graph among project modules has no cycle (module-level imports, a `from x import y`
    counting as an import of x.y when y is a submodule; `if TYPE_CHECKING:` blocks left out);
(b) no project module is imported inside a function or method (the usual way to dodge a cycle);
(c) no module is over MAX_MODULE_LINES lines;
(d) no function or method is over MAX_FUNCTION_LINES lines.

Each failure names the offenders. Lazy imports of heavy third-party modules are allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "retrieval", "prompts", "benchmarks")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: int
    is_package: bool
    imports: set[str] = field(default_factory=set)  # project modules imported at module level


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _load() -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            name, is_package = _module_name(path)
            tree = ast.parse(source, filename=str(path))
            modules[name] = Module(name, path, tree, len(source.splitlines()), is_package)
    return modules


MODULES = _load()


def _where(module: Module, line: int | None = None) -> str:
    rel = module.path.relative_to(REPO)
    return f"{rel}:{line}" if line is not None else str(rel)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _base(module: Module, node: ast.ImportFrom) -> str:
    """The absolute module a `from … import` reads from (relative imports resolved)."""
    if not node.level:
        return node.module or ""
    package = module.name.split(".")
    if not module.is_package:
        package = package[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def _targets(module: Module, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The project modules an import statement imports."""
    found: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = _base(module, node)
        names = []
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            names.append(sub if sub in MODULES else base)
    for name in names:
        # `import a.b.c` names a.b.c; a name that is no module of ours is third-party
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] in PACKAGES:
            found.append(name)
    return found


def _module_level_imports(module: Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements run when the module is imported: not in functions, not under TYPE_CHECKING."""
    todo: list[ast.AST] = list(module.tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, (*_FUNCTIONS, ast.Lambda)):
            continue
        if isinstance(node, ast.If) and _is_type_checking(node):
            todo.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
            continue
        todo.extend(ast.iter_child_nodes(node))


for _m in MODULES.values():
    for _node in _module_level_imports(_m):
        _m.imports.update(t for t in _targets(_m, _node) if t != _m.name)


def _cycles() -> list[list[str]]:
    """The import graph's strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(MODULES[v].imports):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in sorted(MODULES):
        if name not in index:
            visit(name)
    return found


def test_the_packages_are_found() -> None:
    assert {"retrieval.engine", "bot.cli.main", "prompts", "benchmarks.common"} <= set(MODULES)


def _shortest_cycle(start: str, members: set[str]) -> list[str]:
    """A shortest import path from `start` back to itself, within `members`."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(MODULES[v].imports & members):
            if w == start:
                return [*paths[v], start]
            if w not in paths:
                paths[w] = [*paths[v], w]
                queue.append(w)
    return [start]


def test_no_import_cycles() -> None:
    offenders = []
    for component in _cycles():
        cycle = " -> ".join(_shortest_cycle(component[0], set(component)))
        offenders.append(f"{cycle} (all tangled: {', '.join(component)})")
    assert not offenders, "import cycles among project modules:\n" + "\n".join(offenders)


def test_no_project_imports_inside_functions() -> None:
    offenders = []
    for module in MODULES.values():
        for func in ast.walk(module.tree):
            if not isinstance(func, _FUNCTIONS):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import | ast.ImportFrom) and _targets(module, node):
                    offenders.append(f"{_where(module, node.lineno)} in {func.name}: {ast.unparse(node)}")
    offenders = sorted(set(offenders))  # a nested function's import is found from each enclosing one
    assert not offenders, "project modules imported inside a function:\n" + "\n".join(offenders)


def test_no_long_modules() -> None:
    offenders = [f"{_where(m)}: {m.lines} lines" for m in MODULES.values() if m.lines > MAX_MODULE_LINES]
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines:\n" + "\n".join(offenders)


def _functions(
    tree: ast.AST, prefix: str = ""
) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """Every function and method, named with its enclosing classes and functions."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, _FUNCTIONS):
            yield prefix + node.name, node
            yield from _functions(node, f"{prefix}{node.name}.")
        elif isinstance(node, ast.ClassDef):
            yield from _functions(node, f"{prefix}{node.name}.")
        else:
            yield from _functions(node, prefix)


def test_no_long_functions() -> None:
    offenders = []
    for module in MODULES.values():
        for name, func in _functions(module.tree):
            n = (func.end_lineno or func.lineno) - func.lineno + 1
            if n > MAX_FUNCTION_LINES:
                offenders.append(f"{_where(module, func.lineno)} {name}: {n} lines")
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(offenders)
