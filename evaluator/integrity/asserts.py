"""Tests that assert nothing, found by reading them (they are never run here).

A test asserts when code that runs in it can fail it on purpose: an ``assert``
that is not trivially true, ``pytest.raises`` / ``warns`` / ``fail``, ``raise``,
a ``self.assert*`` of unittest, a library assertion (``assert_allclose``,
``mock.assert_called_once``), or a call to a helper that asserts. Helpers are
followed through the test module, its class and base classes, the ``conftest.py``
files above it, and workspace modules it imports from, as deep as they go.
An assertion that cannot run (after ``return``, under ``if False:``) or whose
failure is swallowed (``except AssertionError: pass``, ``suppress(Exception)``)
does not count.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from evaluator.pycode.files import Codebase, PyFile, is_test_file
from evaluator.pycode.names import Names, dotted

_Function = ast.FunctionDef | ast.AsyncFunctionDef
#: Calls that check something whatever their arguments.
ASSERTING_CALLS = frozenset(
    {"pytest.fail", "pytest.raises", "pytest.warns", "pytest.deprecated_call"}
)
#: Context managers that fail the test when their block does not raise or warn.
ASSERTING_CONTEXTS = frozenset({"pytest.raises", "pytest.warns", "pytest.deprecated_call"})
#: unittest's explicit failures (``self.fail()`` and the old aliases).
UNITTEST_FAILS = frozenset({"fail", "failIf", "failUnless", "failIfEqual", "failUnlessEqual"})
_SWALLOWED = frozenset({"AssertionError", "Exception", "BaseException"})
_UNITTEST_BASES = frozenset({"unittest.TestCase", "unittest.IsolatedAsyncioTestCase", "TestCase"})
_DEPTH = 12


def is_test_module(path: str) -> bool:
    """pytest's default test file names: ``test_*.py`` and ``*_test.py``."""
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def trivially_true(test: ast.expr) -> bool:
    """``assert True``, ``assert 1``, ``assert (x, "msg")``, ``assert x == x``."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.Tuple | ast.List):
        return bool(test.elts)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return isinstance(test.operand, ast.Constant) and not test.operand.value
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        same = ast.dump(test.left) == ast.dump(test.comparators[0])
        return same and isinstance(test.ops[0], ast.Eq | ast.Is | ast.GtE | ast.LtE)
    return False


def _constant_false(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and not test.value


def _catches_failures(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    caught = {(dotted(t) or "").rsplit(".", 1)[-1] for t in types}
    return bool(caught & _SWALLOWED)


def _reraises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise | ast.Assert) for s in handler.body for n in ast.walk(s))


def live_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of ``body`` that can run and whose failure is not swallowed.

    Nested function and class bodies are not entered (they run only when called);
    the calls to them are followed by the caller.
    """
    for stmt in body:
        if isinstance(stmt, _Function | ast.ClassDef):
            continue
        if isinstance(stmt, ast.If) and _constant_false(stmt.test):
            yield from live_nodes(stmt.orelse)
            continue
        if isinstance(stmt, ast.While) and _constant_false(stmt.test):
            continue
        if isinstance(stmt, ast.Try | ast.TryStar):
            yield from _live_try(stmt)
        elif isinstance(stmt, ast.With | ast.AsyncWith) and _suppresses(stmt):
            yield from (n for item in stmt.items for n in ast.walk(item.context_expr))
        else:
            yield from _live_statement(stmt)
        if isinstance(stmt, ast.Return | ast.Continue | ast.Break):
            return


def _live_try(stmt: ast.Try | ast.TryStar) -> Iterator[ast.AST]:
    swallowed = any(_catches_failures(h) and not _reraises(h) for h in stmt.handlers)
    absorbing = any(not _reraises(h) for h in stmt.handlers)
    if not swallowed:
        # A `raise` caught by a handler that does not re-raise fails nothing.
        body = live_nodes(stmt.body)
        yield from (n for n in body if not (absorbing and isinstance(n, ast.Raise)))
    for handler in stmt.handlers:
        yield from live_nodes(handler.body)
    yield from live_nodes(stmt.orelse)
    yield from live_nodes(stmt.finalbody)


def _suppresses(stmt: ast.With | ast.AsyncWith) -> bool:
    for item in stmt.items:
        expr = item.context_expr
        if isinstance(expr, ast.Call) and (dotted(expr.func) or "").endswith("suppress"):
            names = {(dotted(a) or "").rsplit(".", 1)[-1] for a in expr.args}
            if names & _SWALLOWED:
                return True
    return False


def _live_statement(stmt: ast.stmt) -> Iterator[ast.AST]:
    yield stmt
    bodies: list[list[ast.stmt]] = []
    for name in ("body", "orelse", "finalbody"):
        value = getattr(stmt, name, None)
        if isinstance(value, list) and value and isinstance(value[0], ast.stmt):
            bodies.append(value)
    if isinstance(stmt, ast.Match):
        bodies.extend(case.body for case in stmt.cases)
    for field_name, value in ast.iter_fields(stmt):
        if field_name in ("body", "orelse", "finalbody", "cases", "handlers"):
            continue
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, ast.AST):
                yield from ast.walk(child)
    for body in bodies:
        yield from live_nodes(body)


@dataclass(kw_only=True)
class _Scope:
    """Where a name called in a test is looked up: the function, its class, the module."""

    unit: PyFile
    names: Names
    functions: dict[str, _Function]
    classes: dict[str, ast.ClassDef]
    owner: ast.ClassDef | None = None
    local: dict[str, _Function] = field(default_factory=dict)


class AssertionFinder:
    """Decides whether test functions assert, following helpers across the workspace."""

    def __init__(self, codebase: Codebase) -> None:
        # Helpers are followed into test code only: calling the code under test is not
        # asserting, even when that code raises.
        self.modules = {n: u for n, u in codebase.by_module().items() if is_test_file(u.path)}
        self.scopes: dict[str, _Scope] = {}
        self.memo: dict[int, bool] = {}
        self.conftests = [u for u in codebase.modules() if u.path.endswith("conftest.py")]

    def scope(self, unit: PyFile) -> _Scope:
        """The module scope of ``unit`` (module functions, then conftest functions above it)."""
        if unit.path not in self.scopes:
            functions: dict[str, _Function] = {}
            folder = PurePosixPath(unit.path).parent
            for conftest in sorted(self.conftests, key=lambda c: -len(c.path)):
                if folder.is_relative_to(PurePosixPath(conftest.path).parent):
                    for node in conftest.tree.body:
                        if isinstance(node, _Function):
                            functions.setdefault(node.name, node)
            for node in unit.tree.body:
                if isinstance(node, _Function):
                    functions[node.name] = node
            self.scopes[unit.path] = _Scope(
                unit=unit,
                names=unit.names,
                functions=functions,
                classes={n.name: n for n in unit.tree.body if isinstance(n, ast.ClassDef)},
            )
        return self.scopes[unit.path]

    def asserts(self, fn: _Function, scope: _Scope, depth: int = 0) -> bool:
        """Whether running ``fn`` can fail on purpose."""
        key = id(fn)
        if key in self.memo:
            return self.memo[key]
        self.memo[key] = False  # a recursive helper asserts only through another path
        local = {n.name: n for n in fn.body if isinstance(n, _Function)}
        inner = replace(scope, local={**scope.local, **local})
        result = depth < _DEPTH and any(
            self._checks(node, inner, depth) for node in live_nodes(list(fn.body))
        )
        self.memo[key] = result
        return result

    def _checks(self, node: ast.AST, scope: _Scope, depth: int) -> bool:
        if isinstance(node, ast.Assert):
            return not trivially_true(node.test)
        if isinstance(node, ast.Raise):
            return True
        if isinstance(node, ast.With | ast.AsyncWith):
            return any(
                isinstance(i.context_expr, ast.Call)
                and scope.names.resolve(i.context_expr.func) in ASSERTING_CONTEXTS
                for i in node.items
            )
        if isinstance(node, ast.Call):
            return self._call_checks(node, scope, depth)
        return False

    def _call_checks(self, call: ast.Call, scope: _Scope, depth: int) -> bool:
        helper = self._helper(call.func, scope)
        if helper is not None:
            return self.asserts(helper[0], helper[1], depth + 1)
        qualified = scope.names.resolve(call.func) or ""
        if qualified in ASSERTING_CALLS:
            return True
        last = qualified.rsplit(".", 1)[-1]
        return last.startswith("assert") or last in UNITTEST_FAILS

    def _helper(self, func: ast.AST, scope: _Scope) -> tuple[_Function, _Scope] | None:
        """The test-code function a call runs, with the scope to read it in."""
        if isinstance(func, ast.Name):
            local = scope.local.get(func.id) or scope.functions.get(func.id)
            if local is not None:
                return local, scope
            return self._imported(scope.names.aliases.get(func.id))
        if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
            return None
        receiver = func.value.id
        cls = scope.owner if receiver in {"self", "cls"} else scope.classes.get(receiver)
        if cls is not None:
            method = self.method(cls, func.attr, scope)
            return (method, scope) if method is not None else None
        qualified = scope.names.aliases.get(receiver)
        return self._imported(f"{qualified}.{func.attr}" if qualified else None)

    def _imported(self, qualified: str | None) -> tuple[_Function, _Scope] | None:
        if not qualified or qualified.startswith("."):
            qualified = qualified.lstrip(".") if qualified else None
        if not qualified:
            return None
        module_name, _, attr = qualified.rpartition(".")
        for candidate in (module_name, f"tests.{module_name}", f"test.{module_name}"):
            unit = self.modules.get(candidate)
            if unit is None:
                continue
            for node in unit.tree.body:
                if isinstance(node, _Function) and node.name == attr:
                    return node, self.scope(unit)
        return None

    def method(
        self, cls: ast.ClassDef, name: str, scope: _Scope, depth: int = 0
    ) -> _Function | None:
        """``name`` defined on ``cls`` or a base class of the same module."""
        for node in cls.body:
            if isinstance(node, _Function) and node.name == name:
                return node
        for base in cls.bases if depth < _DEPTH else []:
            base_cls = scope.classes.get(dotted(base) or "")
            found = self.method(base_cls, name, scope, depth + 1) if base_cls else None
            if found is not None:
                return found
        return None


def _is_unittest_class(cls: ast.ClassDef, scope: _Scope, depth: int = 0) -> bool:
    for base in cls.bases:
        name = scope.names.resolve(base) or ""
        if name in _UNITTEST_BASES or name.endswith(".TestCase"):
            return True
        local = scope.classes.get(dotted(base) or "")
        if local is not None and depth < _DEPTH and _is_unittest_class(local, scope, depth + 1):
            return True
    return False


def _test_methods(
    cls: ast.ClassDef, scope: _Scope, finder: AssertionFinder, depth: int = 0
) -> dict[str, _Function]:
    """Test methods of a class, inherited ones from same-module bases included."""
    methods: dict[str, _Function] = {}
    for base in reversed(cls.bases) if depth < _DEPTH else []:
        base_cls = scope.classes.get(dotted(base) or "")
        if base_cls is not None:
            methods.update(_test_methods(base_cls, scope, finder, depth + 1))
    for node in cls.body:
        if isinstance(node, _Function) and node.name.startswith("test"):
            methods[node.name] = node
        elif isinstance(node, _Function):
            methods.pop(node.name, None)  # overridden by a non-test of the same name
    return methods


def _collected_class(cls: ast.ClassDef, scope: _Scope) -> bool:
    if _is_unittest_class(cls, scope):
        return True
    has_init = any(isinstance(n, _Function) and n.name == "__init__" for n in cls.body)
    return cls.name.startswith("Test") and not has_init


def collected_tests(unit: PyFile, finder: AssertionFinder) -> Iterator[tuple[str, int, bool]]:
    """``(node id, line, asserts)`` for each test pytest would collect from a test module."""
    scope = finder.scope(unit)

    def in_class(cls: ast.ClassDef, prefix: str) -> Iterator[tuple[str, int, bool]]:
        inner = replace(scope, owner=cls)
        for name, fn in _test_methods(cls, scope, finder).items():
            yield f"{prefix}::{cls.name}::{name}", fn.lineno, finder.asserts(fn, inner)
        for nested in cls.body:
            if isinstance(nested, ast.ClassDef) and _collected_class(nested, scope):
                yield from in_class(nested, f"{prefix}::{cls.name}")

    for node in unit.tree.body:
        if isinstance(node, _Function) and node.name.startswith("test"):
            yield f"{unit.path}::{node.name}", node.lineno, finder.asserts(node, scope)
        elif isinstance(node, ast.ClassDef) and _collected_class(node, scope):
            yield from in_class(node, unit.path)
