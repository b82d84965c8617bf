"""Dotted names in a syntax tree, resolved through the module's imports.

``np.mean`` after ``import numpy as np`` is ``numpy.mean``; ``m.GPT2LMHeadModel``
after ``m = importlib.import_module("transformers")`` is
``transformers.GPT2LMHeadModel``. Resolution is static and deliberately simple:
one name table per module (function-local imports included), literal module
names only.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

#: Calls that import a module named by their first argument.
DYNAMIC_IMPORTS = frozenset({"importlib.import_module", "__import__", "importlib.__import__"})


def dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _relative(level: int, module: str | None) -> str:
    return "." * level + (module or "")


@dataclass(frozen=True, kw_only=True)
class ImportedName:
    """One name a module brings in, with where it does so."""

    qualified: str
    """``module`` or ``module.name``; relative imports keep their dots (``.sibling.f``)."""
    line: int
    dynamic: bool = False
    """Through ``importlib.import_module`` / ``__import__`` rather than an import statement."""
    computed: bool = False
    """A dynamic import whose module name is not a literal: it cannot be resolved."""
    star: bool = False
    """``from module import *``: any name of the module may be in use."""


def statement_imports(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, bool]]:
    """``(bound name, qualified name, star)`` for each name an import statement binds."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            target = alias.name if alias.asname else alias.name.split(".")[0]
            yield bound, target, False
        return
    base = _relative(node.level, node.module)
    for alias in node.names:
        if alias.name == "*":
            yield "*", base, True
            continue
        joiner = "" if base.endswith(".") else "."
        yield alias.asname or alias.name, f"{base}{joiner}{alias.name}", False


class Names:
    """The name table of one module: what each bound name refers to."""

    def __init__(self, tree: ast.AST) -> None:
        self.aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for bound, qualified, star in statement_imports(node):
                    if not star:
                        self.aliases.setdefault(bound, qualified)
        # Second pass: names bound to a literal dynamic import or to something imported
        # (``F = torch.nn.functional``); other assignments are values, not modules.
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                bound_to = node.targets[0]
                value = self.dynamic_module(node.value) or self._imported(node.value)
                if isinstance(bound_to, ast.Name) and value and bound_to.id not in self.aliases:
                    self.aliases[bound_to.id] = value

    def _imported(self, node: ast.AST) -> str | None:
        name = dotted(node)
        if name is None or name.split(".")[0] not in self.aliases:
            return None
        return self.qualify(name)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name of ``node`` with its first part replaced by what it was imported as."""
        if isinstance(node, ast.Call):
            module = self.dynamic_module(node)
            if module is not None:
                return module
        if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name | ast.Attribute):
            inner = self.resolve(node.value)
            return f"{inner}.{node.attr}" if inner else None
        name = dotted(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def dynamic_module(self, node: ast.AST) -> str | None:
        """The literal module name of an ``importlib.import_module("x")``-style call, else None.

        ``getattr(import_module("x"), "Y")`` is ``x.Y``.
        """
        if not isinstance(node, ast.Call) or not node.args:
            return None
        func = dotted(node.func)
        if func == "getattr" and len(node.args) >= 2:
            inner = self.resolve(node.args[0])
            attr = node.args[1]
            if inner and isinstance(attr, ast.Constant) and isinstance(attr.value, str):
                return f"{inner}.{attr.value}"
            return None
        if func is None or self.qualify(func) not in DYNAMIC_IMPORTS:
            return None
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return None

    def qualify(self, name: str) -> str:
        """A dotted name with its first part resolved through the imports."""
        head, _, rest = name.partition(".")
        base = self.aliases.get(head, head)
        return f"{base}.{rest}" if rest else base

    def is_dynamic_import(self, node: ast.Call) -> bool:
        """Whether a call is ``importlib.import_module`` or ``__import__``, literal or not."""
        func = dotted(node.func)
        return func is not None and self.qualify(func) in DYNAMIC_IMPORTS


def imports_in(nodes: list[ast.stmt] | ast.AST, names: Names) -> list[ImportedName]:
    """Every import in ``nodes`` (statements and dynamic imports), in source order.

    ``nodes`` is a syntax tree or a list of statements; nested function bodies are
    included: callers that care about reachability pass only the statements they mean.
    """
    roots = nodes if isinstance(nodes, list) else [nodes]
    found: list[ImportedName] = []
    inner: set[int] = set()  # attributes inside a longer chain: only the whole chain counts
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
                inner.add(id(node.value))
            if id(node) in inner:
                continue
            if isinstance(node, ast.Import | ast.ImportFrom):
                for _bound, target, star in statement_imports(node):
                    found.append(ImportedName(qualified=target, line=node.lineno, star=star))
            elif isinstance(node, ast.Call) and names.is_dynamic_import(node):
                module = names.dynamic_module(node)
                found.append(
                    ImportedName(
                        qualified=module or "?",
                        line=node.lineno,
                        dynamic=True,
                        computed=module is None,
                    )
                )
            elif isinstance(node, ast.Call) and dotted(node.func) == "getattr" and node.args:
                found.extend(_getattr_import(node, names))
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                resolved = _imported_attribute(node, names)
                if resolved is not None:
                    found.append(ImportedName(qualified=resolved, line=node.lineno))
    found.sort(key=lambda item: item.line)
    return found


def _getattr_import(node: ast.Call, names: Names) -> list[ImportedName]:
    """``getattr(module, "Y")`` reads ``module.Y``; with a computed name, any ``module.*``."""
    if not _is_imported(node.args[0], names):
        return []
    attr = names.dynamic_module(node)
    if attr is not None:
        return [ImportedName(qualified=attr, line=node.lineno, dynamic=True)]
    module = names.resolve(node.args[0]) or "?"
    return [ImportedName(qualified=f"{module}.*", line=node.lineno, dynamic=True, computed=True)]


def _is_imported(node: ast.AST, names: Names) -> bool:
    if isinstance(node, ast.Call):
        return names.dynamic_module(node) is not None
    name = dotted(node)
    return name is not None and name.split(".")[0] in names.aliases


def _imported_attribute(node: ast.Attribute, names: Names) -> str | None:
    """``transformers.GPT2LMHeadModel`` for an attribute read off an imported module."""
    if isinstance(node.value, ast.Call):
        module = names.dynamic_module(node.value)
        return f"{module}.{node.attr}" if module else None
    name = dotted(node)
    if name is None or name.split(".")[0] not in names.aliases:
        return None
    return names.qualify(name)
