"""Tests marked xfail or skipped without a reason.

An ``xfail`` mark turns a failing test into an expected failure and a ``skip``
removes it from the run: the suite then reports green while the code is broken.
A reason makes the choice visible to a mentor; without one it is reported.
Marks are found on decorators, ``pytestmark`` (module or class), ``pytest.param(
..., marks=...)``, ``request.node.add_marker(...)``, and calls to ``pytest.skip()``
/ ``pytest.xfail()`` / ``self.skipTest()``; ``unittest.expectedFailure`` has no
reason to give.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from evaluator.integrity.kinds import finding
from evaluator.model.report import Finding
from evaluator.pycode.files import Codebase, PyFile, is_test_file
from evaluator.pycode.names import Names, dotted

XFAIL_MARKS = frozenset({"pytest.mark.xfail", "unittest.expectedFailure"})
SKIP_MARKS = frozenset(
    {"pytest.mark.skip", "pytest.mark.skipif", "unittest.skip", "unittest.skipIf",
     "unittest.skipUnless"}
)  # fmt: skip
#: Run-time calls: qualified name -> kind.
CALLS = {"pytest.skip": "skip-no-reason", "pytest.xfail": "xfail-no-reason"}
#: Where the reason goes when given positionally (index of the argument), per mark.
_POSITIONAL_REASON = {
    "pytest.mark.skip": 0,
    "unittest.skip": 0,
    "unittest.skipIf": 1,
    "unittest.skipUnless": 1,
    "pytest.skip": 0,
    "pytest.xfail": 0,
}
_REASON_KEYWORDS = frozenset({"reason", "msg"})


def _given(value: ast.AST) -> bool:
    """A reason is given unless it is a literal empty (or blank) string or None."""
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and bool(value.value.strip())
    return True  # computed: a reason is there, whatever it says


def has_reason(name: str, call: ast.Call | None) -> bool:
    """Whether a mark or call with qualified ``name`` gives a non-empty reason."""
    if call is None:
        return False
    for keyword in call.keywords:
        if keyword.arg in _REASON_KEYWORDS:
            return _given(keyword.value)
    index = _POSITIONAL_REASON.get(name)
    return index is not None and len(call.args) > index and _given(call.args[index])


def _mark(node: ast.AST, names: Names) -> tuple[str, ast.Call | None] | None:
    """``(qualified mark, its call)`` for an xfail/skip mark expression, else None."""
    call = node if isinstance(node, ast.Call) else None
    qualified = names.resolve(call.func if call else node)
    if qualified in XFAIL_MARKS or qualified in SKIP_MARKS:
        return qualified, call
    return None


def _kind(mark: str) -> str:
    return "xfail-no-reason" if mark in XFAIL_MARKS else "skip-no-reason"


def _marks_in(value: ast.AST) -> list[ast.AST]:
    return list(value.elts) if isinstance(value, ast.List | ast.Tuple) else [value]


def _decorated(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        for decorator in node.decorator_list:
            yield decorator, node.name


def _pytestmark(node: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    if not isinstance(node, ast.ClassDef | ast.Module):
        return
    owner = node.name if isinstance(node, ast.ClassDef) else "every test here"
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(dotted(t) == "pytestmark" for t in stmt.targets):
            for mark in _marks_in(stmt.value):
                yield mark, owner


def _applied(node: ast.AST, names: Names) -> Iterator[tuple[ast.AST, str]]:
    if not isinstance(node, ast.Call):
        return
    if names.resolve(node.func) == "pytest.param":
        for keyword in node.keywords:
            if keyword.arg == "marks":
                yield from ((mark, "a parameter set") for mark in _marks_in(keyword.value))
    elif isinstance(node.func, ast.Attribute) and node.func.attr in {"add_marker", "applymarker"}:
        yield from ((arg, "the running test") for arg in node.args[:1])


def _mark_sites(tree: ast.Module, names: Names) -> Iterator[tuple[ast.AST, str]]:
    """Every mark expression in a test module with what it applies to."""
    for node in ast.walk(tree):
        yield from _decorated(node)
        yield from _pytestmark(node)
        yield from _applied(node, names)


def _unreasoned_marks(unit: PyFile, names: Names) -> Iterator[Finding]:
    for expression, owner in _mark_sites(unit.tree, names):
        found = _mark(expression, names)
        if found is None or has_reason(found[0], found[1]):
            continue
        mark, _call = found
        short = mark.rsplit(".", 1)[-1]
        consequence = (
            "a failing test would count as an expected failure"
            if mark in XFAIL_MARKS
            else "the test does not run"
        )
        yield finding(
            _kind(mark),
            unit.path,
            getattr(expression, "lineno", None),
            f"{owner} is marked {short} without a reason: {consequence}",
        )


def _unreasoned_calls(unit: PyFile, names: Names) -> Iterator[Finding]:
    for node in ast.walk(unit.tree):
        if not isinstance(node, ast.Call):
            continue
        qualified = names.resolve(node.func)
        kind = CALLS.get(qualified or "")
        if kind is None and isinstance(node.func, ast.Attribute) and node.func.attr == "skipTest":
            qualified, kind = "unittest.skipTest", "skip-no-reason"
            if node.args and _given(node.args[0]):
                continue
        elif kind is None or has_reason(qualified or "", node):
            continue
        short = (qualified or "").rsplit(".", 1)[-1]
        yield finding(
            kind,
            unit.path,
            node.lineno,
            f"{short}() without a reason: the test stops here and does not count as failed",
        )


def mark_findings(codebase: Codebase) -> list[Finding]:
    """xfail and skip without a reason, in test files and conftest files."""
    found: list[Finding] = []
    for unit in codebase.modules():
        if not is_test_file(unit.path):
            continue
        names = unit.names
        found.extend(_unreasoned_marks(unit, names))
        found.extend(_unreasoned_calls(unit, names))
    return found
