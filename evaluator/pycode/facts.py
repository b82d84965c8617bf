"""Facts about learner code that rubric rules count: definitions, imports, calls, handlers.

Each fact is a name with where it is. Everything comes from syntax trees, so a
name in a comment, a docstring or a string is never a fact, and a class whose
body is ``pass`` defines nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from evaluator.pycode.files import PyFile
from evaluator.pycode.names import Names, dotted, imports_in

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, kw_only=True)
class Fact:
    """One name found in the code."""

    name: str
    """Resolved dotted name (``torch.tril``), or ``?.attr`` when the receiver is unknown."""
    where: str
    """``path:line`` (``path:cell N:line`` in notebooks)."""
    computed: bool = False
    """A dynamic import whose module name is computed at run time: it could be anything."""
    star: bool = False
    """``from module import *``: every name of the module."""


def _is_stub(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True  # docstring or ...
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return dotted(exc) == "NotImplementedError"
    return False


def has_body(node: _Function | ast.ClassDef) -> bool:
    """A function with a statement that does something; a class with such a method or field."""
    for stmt in node.body:
        if isinstance(stmt, _Function | ast.ClassDef):
            if has_body(stmt):
                return True
        elif not _is_stub(stmt):
            return True
    return False


def definitions(unit: PyFile, kind: str) -> Iterator[tuple[ast.AST, Fact]]:
    """Classes or functions with a real body (``kind``: 'class' or 'function'), any depth."""
    wanted = ast.ClassDef if kind == "class" else _Function
    for node in ast.walk(unit.tree):
        if isinstance(node, wanted) and has_body(node):
            yield node, Fact(name=node.name, where=unit.where(node.lineno))


def defines_something(unit: PyFile) -> bool:
    """A module with at least one top-level class or function with a real body."""
    return any(
        isinstance(node, _Function | ast.ClassDef) and has_body(node) for node in unit.tree.body
    )


def imports(unit: PyFile, names: Names, scope: list[ast.stmt] | None = None) -> Iterator[Fact]:
    """Imported modules and names, literal dynamic imports included (``scope``: statements)."""
    for item in imports_in(scope if scope is not None else unit.tree, names):
        yield Fact(
            name=item.qualified,
            where=unit.where(item.line),
            computed=item.computed,
            star=item.star,
        )


def _call_name(call: ast.Call, names: Names) -> str | None:
    resolved = names.resolve(call.func)
    if resolved is not None:
        return resolved
    if isinstance(call.func, ast.Attribute):
        return f"?.{call.func.attr}"  # a method of something computed: df.groupby(x).mean()
    return None


def _nodes(unit: PyFile, scope: list[ast.stmt] | None) -> Iterator[ast.AST]:
    for root in scope if scope is not None else [unit.tree]:
        yield from ast.walk(root)


def calls(unit: PyFile, names: Names, scope: list[ast.stmt] | None = None) -> Iterator[Fact]:
    """Called functions and methods by resolved name."""
    for node in _nodes(unit, scope):
        if isinstance(node, ast.Call):
            name = _call_name(node, names)
            if name is not None:
                yield Fact(name=name, where=unit.where(node.lineno))


def catches(unit: PyFile, scope: list[ast.stmt] | None = None) -> Iterator[Fact]:
    """Exception classes named in ``except`` clauses (a bare ``except:`` names none)."""
    for node in _nodes(unit, scope):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for item in types:
                name = dotted(item)
                if name is not None:
                    yield Fact(name=name, where=unit.where(node.lineno))


def uses(unit: PyFile, names: Names, scope: list[ast.stmt] | None = None) -> Iterator[Fact]:
    """Every name the code refers to: imports, attribute chains, plain names and the
    keyword arguments of calls (``load_in_4bit=True``)."""
    yield from imports(unit, names, scope)
    inner: set[int] = set()
    for node in _nodes(unit, scope):
        if isinstance(node, ast.Attribute):
            inner.add(id(node.value))
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg is not None:
                    yield Fact(name=f"?.{keyword.arg}", where=unit.where(node.lineno))
        if id(node) in inner or not isinstance(node, ast.Name | ast.Attribute):
            continue
        if isinstance(node.ctx, ast.Load):
            name = names.resolve(node)
            if name is None and isinstance(node, ast.Attribute):
                name = f"?.{node.attr}"
            if name is not None:
                yield Fact(name=name, where=unit.where(node.lineno))


def matches(pattern: str, name: str, *, prefix: bool = False) -> bool:
    """Whether a rubric name pattern matches a resolved name.

    Without a dot the pattern matches the last part (``tril`` ~ ``torch.tril``);
    with one, the whole name (``transformers.*LMHeadModel``). ``prefix``: a module
    pattern also matches what is inside it (``logging`` ~ ``logging.getLogger``).
    """
    if fnmatchcase(name, pattern):
        return True
    if prefix and (name.startswith(f"{pattern}.") or fnmatchcase(name, f"{pattern}.*")):
        return True
    return "." not in pattern and fnmatchcase(name.rsplit(".", 1)[-1], pattern)


def star_may_match(pattern: str, module: str) -> bool:
    """Whether ``from module import *`` may bring in what ``pattern`` names."""
    return matches(pattern, module, prefix=True) or pattern.startswith(f"{module}.")
