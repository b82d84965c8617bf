"""Which learner code the manifest's entry points run: a simple static call graph.

From each entry point (``pkg.model:logprobs``) the graph follows what Python
would run: the module-level code of every workspace module imported on the way
(``if __name__ == "__main__"`` blocks excluded), functions called by name, classes
instantiated (their ``__init__``, ``__call__`` and ``forward``, since calling a
torch module runs ``forward``), methods called on ``self``, on ``super()`` and
on a workspace class, and, where the receiver is unknown (``model.generate()``),
every workspace method of that name. Functions only referenced (callbacks) count
as called. It over-approximates on purpose, except for what no entry point
reaches: a ``from_pretrained`` classmethod that only the training script calls
is not part of what the benchmark runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from evaluator.pycode.files import Codebase, PyFile
from evaluator.pycode.names import Names, dotted, statement_imports

_Function = ast.FunctionDef | ast.AsyncFunctionDef
#: Methods that run when an instance is made or used as a callable / torch module.
INSTANCE_METHODS = ("__new__", "__init__", "__post_init__", "__call__", "forward")


@dataclass(kw_only=True)
class _Module:
    unit: PyFile
    names: Names
    functions: dict[str, _Function]
    classes: dict[str, ast.ClassDef]

    @property
    def name(self) -> str:
        return self.unit.module or ""


def _methods(cls: ast.ClassDef) -> dict[str, _Function]:
    return {n.name: n for n in cls.body if isinstance(n, _Function)}


def is_main_guard(node: ast.stmt) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    names = {p.id for p in parts if isinstance(p, ast.Name)}
    consts = {p.value for p in parts if isinstance(p, ast.Constant)}
    return "__name__" in names and "__main__" in consts


def import_time_statements(tree: ast.Module) -> list[ast.stmt]:
    """Module-level statements that run on import, without function and method bodies.

    Class bodies run on import, so their statements other than methods are kept;
    ``if __name__ == "__main__":`` blocks are left out.
    """
    kept: list[ast.stmt] = []
    for node in tree.body:
        if isinstance(node, _Function) or is_main_guard(node):
            continue
        if isinstance(node, ast.ClassDef):
            kept.extend(n for n in node.body if not isinstance(n, _Function | ast.ClassDef))
            continue
        kept.append(node)
    return kept


@dataclass(kw_only=True)
class Reach:
    """What the entry points run."""

    modules: set[str] = field(default_factory=set)
    """Dotted names of workspace modules whose import-time code runs."""
    functions: dict[int, tuple[PyFile, _Function]] = field(default_factory=dict)
    """Reachable functions and methods, by node id."""
    classes: dict[int, tuple[PyFile, ast.ClassDef]] = field(default_factory=dict)
    """Workspace classes instantiated or with a reachable method, by node id."""
    unresolved: list[str] = field(default_factory=list)
    """Entry points that name no function, class or attribute of a workspace module."""

    def statements_of(self, units: Iterable[PyFile]) -> Iterator[tuple[PyFile, list[ast.stmt]]]:
        """The reachable code of ``units``: import-time statements of reached modules and
        the bodies of reached functions."""
        for unit in units:
            if unit.cell is None and unit.module in self.modules:
                yield unit, import_time_statements(unit.tree)
            bodies = [fn.body for u, fn in self.functions.values() if u is unit]
            yield from ((unit, list(body)) for body in bodies)

    def runs(self, node: ast.AST) -> bool:
        """Whether a function runs or a class is used by the entry points."""
        return id(node) in self.functions or id(node) in self.classes


class _Graph:
    def __init__(self, codebase: Codebase) -> None:
        self.modules: dict[str, _Module] = {}
        self.by_method: dict[str, list[tuple[_Module, ast.ClassDef, _Function]]] = {}
        for name, unit in codebase.by_module().items():
            module = _Module(
                unit=unit,
                names=unit.names,
                functions={n.name: n for n in unit.tree.body if isinstance(n, _Function)},
                classes={n.name: n for n in unit.tree.body if isinstance(n, ast.ClassDef)},
            )
            self.modules[name] = module
            for cls in module.classes.values():
                for method_name, method in _methods(cls).items():
                    self.by_method.setdefault(method_name, []).append((module, cls, method))
        self.reach = Reach()
        self.queue: list[tuple[_Module, ast.ClassDef | None, list[ast.stmt]]] = []

    # -- marking -------------------------------------------------------------------

    def visit_module(self, name: str) -> _Module | None:
        module = self.modules.get(name)
        if module is None:
            return None
        if name not in self.reach.modules:
            self.reach.modules.add(name)
            # Importing a.b.c runs a/__init__.py and a/b/__init__.py first.
            parent = name.rpartition(".")[0]
            if parent:
                self.visit_module(parent)
            self.queue.append((module, None, import_time_statements(module.unit.tree)))
        return module

    def visit_function(self, module: _Module, owner: ast.ClassDef | None, fn: _Function) -> None:
        if id(fn) in self.reach.functions:
            return
        self.reach.functions[id(fn)] = (module.unit, fn)
        if owner is not None:
            self.reach.classes.setdefault(id(owner), (module.unit, owner))
        self.queue.append((module, owner, list(fn.body)))

    def visit_class(self, module: _Module, cls: ast.ClassDef, methods: tuple[str, ...]) -> None:
        self.reach.classes.setdefault(id(cls), (module.unit, cls))
        for name in methods:
            for owner_module, owner, method in self.lookup_method(module, cls, name):
                self.visit_function(owner_module, owner, method)

    def lookup_method(
        self, module: _Module, cls: ast.ClassDef, name: str, depth: int = 0
    ) -> list[tuple[_Module, ast.ClassDef, _Function]]:
        """``name`` on ``cls`` or, when not defined there, on its workspace base classes."""
        own = _methods(cls).get(name)
        if own is not None:
            return [(module, cls, own)]
        found: list[tuple[_Module, ast.ClassDef, _Function]] = []
        for base_module, base in self.bases(module, cls) if depth < 20 else []:
            found += self.lookup_method(base_module, base, name, depth + 1)
        return found

    def bases(self, module: _Module, cls: ast.ClassDef) -> list[tuple[_Module, ast.ClassDef]]:
        found = []
        for base in cls.bases:
            target = self.resolve(module, base)
            if isinstance(target, tuple) and isinstance(target[1], ast.ClassDef):
                found.append((target[0], target[1]))
        return found

    # -- resolution ----------------------------------------------------------------

    def absolute(self, module: _Module, qualified: str) -> str:
        """A relative import target made absolute from ``module``'s package."""
        if not qualified.startswith("."):
            return qualified
        level = len(qualified) - len(qualified.lstrip("."))
        package = module.name.split(".")
        if not module.unit.path.endswith("__init__.py"):
            package = package[:-1]
        base = package[: len(package) - (level - 1)] if level > 1 else package
        rest = qualified.lstrip(".")
        return ".".join([*base, rest] if rest else base)

    def target(self, qualified: str) -> tuple[_Module, ast.AST] | _Module | None:
        """A workspace module, or a (module, top-level def) for ``pkg.mod`` / ``pkg.mod.name``."""
        if qualified in self.modules:
            return self.visit_module(qualified)
        head, _, attr = qualified.rpartition(".")
        module = self.visit_module(head) if head in self.modules else None
        if module is None:
            return None
        node = module.functions.get(attr) or module.classes.get(attr)
        if node is not None:
            return module, node
        return (
            self.target(self.absolute(module, module.names.aliases[attr]))
            if (attr in module.names.aliases)
            else None
        )

    def resolve(self, module: _Module, node: ast.AST) -> tuple[_Module, ast.AST] | _Module | None:
        """What a name or attribute chain refers to in the workspace, if anything."""
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        local: tuple[_Module, ast.AST] | _Module | None = None
        if head in module.functions or head in module.classes:
            local = (module, module.functions.get(head) or module.classes[head])
        elif head in module.names.aliases:
            local = self.target(self.absolute(module, module.names.aliases[head]))
        for part in rest.split(".") if rest else []:
            local = self._member(local, part)
        return local

    def _member(
        self, found: tuple[_Module, ast.AST] | _Module | None, part: str
    ) -> tuple[_Module, ast.AST] | _Module | None:
        if isinstance(found, _Module):
            return self.target(f"{found.name}.{part}")
        if isinstance(found, tuple) and isinstance(found[1], ast.ClassDef):
            method = _methods(found[1]).get(part)
            return (found[0], method) if method is not None else None
        return None

    # -- walking -------------------------------------------------------------------

    def walk(self) -> None:
        while self.queue:
            module, owner, body = self.queue.pop()
            for stmt in body:
                for node in ast.walk(stmt):
                    self.visit_node(module, owner, node)

    def visit_node(self, module: _Module, owner: ast.ClassDef | None, node: ast.AST) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            for _bound, qualified, _star in statement_imports(node):
                self.target(self.absolute(module, qualified))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self.visit_method_call(module, owner, node.func)
        elif isinstance(node, ast.Name | ast.Attribute) and isinstance(node.ctx, ast.Load):
            self.visit_reference(module, node)

    def visit_reference(self, module: _Module, node: ast.Name | ast.Attribute) -> None:
        found = self.resolve(module, node)
        if isinstance(found, tuple):
            target_module, target = found
            if isinstance(target, ast.ClassDef):
                self.visit_class(target_module, target, INSTANCE_METHODS)
            elif isinstance(target, _Function):
                owner = self._owner(target_module, target)
                self.visit_function(target_module, owner, target)

    def _owner(self, module: _Module, fn: _Function) -> ast.ClassDef | None:
        for cls in module.classes.values():
            if fn in cls.body:
                return cls
        return None

    def visit_method_call(
        self, module: _Module, owner: ast.ClassDef | None, func: ast.Attribute
    ) -> None:
        receiver = func.value
        name = func.attr
        if isinstance(receiver, ast.Name) and receiver.id in {"self", "cls"} and owner:
            candidates = self.lookup_method(module, owner, name)
        elif _is_super(receiver) and owner is not None:
            candidates = [c for b_mod, b in self.bases(module, owner)
                          for c in self.lookup_method(b_mod, b, name)]  # fmt: skip
        elif self.resolve(module, receiver) is not None or self._external(module, receiver):
            return  # a workspace name (handled as a reference) or another library's
        elif name.startswith("__"):
            return
        else:
            candidates = self.by_method.get(name, [])
        for method_module, cls, method in candidates:
            self.visit_function(method_module, cls, method)

    def _external(self, module: _Module, receiver: ast.AST) -> bool:
        name = dotted(receiver)
        return name is not None and name.split(".")[0] in module.names.aliases


def _is_super(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and dotted(node.func) == "super"


def reachable(codebase: Codebase, entry_points: list[str]) -> Reach:
    """What ``entry_points`` (``package.module:attribute``) run, by a static call graph."""
    graph = _Graph(codebase)
    for entry in entry_points:
        module_name, _, attribute = entry.partition(":")
        module = graph.visit_module(module_name)
        found: tuple[_Module, ast.AST] | _Module | None = module
        for part in attribute.split(".") if module is not None and attribute else []:
            found = graph._member(found, part)
        if module is None:
            graph.reach.unresolved.append(entry)
        elif isinstance(found, tuple) and isinstance(found[1], ast.ClassDef):
            graph.visit_class(found[0], found[1], INSTANCE_METHODS)
        elif isinstance(found, tuple) and isinstance(found[1], _Function):
            graph.visit_function(found[0], graph._owner(found[0], found[1]), found[1])
        graph.walk()
    return graph.reach
