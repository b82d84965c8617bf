"""pytest hooks, plugins and patches of pytest itself in learner code.

A conftest hook runs inside the test process with the power to rewrite outcomes
(``pytest_runtest_makereport``), drop failing tests (``pytest_collection_modifyitems``)
or rewrite the result files after the run (``pytest_unconfigure``). Such code is
reported wherever pytest would load it: every ``conftest.py``, modules named in
``pytest_plugins``, modules with ``@pytest.hookimpl``, and plugins registered at
run time. Hooks that only add options, markers or report headers are left alone.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from evaluator.integrity.kinds import finding
from evaluator.model.report import Finding
from evaluator.pycode.files import Codebase, PyFile
from evaluator.pycode.names import Names, dotted

#: Hooks that cannot change which tests run or what their outcome is.
HARMLESS_HOOKS = frozenset(
    {
        "pytest_addoption",
        "pytest_addhooks",
        "pytest_report_header",
        "pytest_make_parametrize_id",
        "pytest_generate_tests",
        "pytest_assertrepr_compare",
        "pytest_runtest_logstart",
        "pytest_runtest_logfinish",
        "pytest_fixture_setup",
        "pytest_fixture_post_finalizer",
    }
)
OUTCOME_HOOKS = frozenset(
    {
        "pytest_runtest_makereport",
        "pytest_runtest_logreport",
        "pytest_report_teststatus",
        "pytest_runtest_protocol",
        "pytest_runtest_call",
        "pytest_runtest_setup",
        "pytest_runtest_teardown",
        "pytest_pyfunc_call",
        "pytest_runtestloop",
        "pytest_report_to_serializable",
        "pytest_report_from_serializable",
        "pytest_terminal_summary",
        "pytest_sessionfinish",
        "pytest_unconfigure",
        "pytest_exception_interact",
    }
)
SELECTION_HOOKS = frozenset(
    {
        "pytest_collection_modifyitems",
        "pytest_deselected",
        "pytest_ignore_collect",
        "pytest_collect_file",
        "pytest_collect_directory",
        "pytest_pycollect_makeitem",
        "pytest_pycollect_makemodule",
        "pytest_collection",
        "pytest_collection_finish",
        "pytest_itemcollected",
        "pytest_collectreport",
        "pytest_make_collect_report",
    }
)
#: Roots of pytest's own code; assigning into them patches the test runner.
PYTEST_ROOTS = ("_pytest", "pytest", "pluggy")
_PATCHERS = frozenset({"setattr", "delattr", "patch", "object", "setitem", "delitem"})
_ENTRY_POINT_GROUP = re.compile(r"\bpytest11\b")


def _hook_name(fn: ast.FunctionDef | ast.AsyncFunctionDef, names: Names) -> str | None:
    for decorator in fn.decorator_list:
        if isinstance(decorator, ast.Call) and names.resolve(decorator.func) in {
            "pytest.hookimpl",
            "pluggy.HookimplMarker",
        }:
            for keyword in decorator.keywords:
                value = keyword.value
                if keyword.arg == "specname" and isinstance(value, ast.Constant):
                    return str(value.value)
    return fn.name if fn.name.startswith("pytest_") else None


def _only_registers_markers(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A ``pytest_configure`` that only declares markers (``config.addinivalue_line``)."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr == "addinivalue_line"
        ):
            continue
        return False
    return True


def _what(hook: str) -> str:
    if hook in OUTCOME_HOOKS:
        return "can rewrite test outcomes or the reports written after the run"
    if hook in SELECTION_HOOKS:
        return "can drop or deselect tests before they run"
    return "runs inside pytest and can change what runs or what is reported"


def _hooks(unit: PyFile, names: Names) -> Iterator[Finding]:
    for node in ast.walk(unit.tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        hook = _hook_name(node, names)
        if hook is None or hook in HARMLESS_HOOKS:
            continue
        if hook == "pytest_configure" and _only_registers_markers(node):
            continue
        yield finding(
            "conftest-hook",
            unit.path,
            node.lineno,
            f"pytest hook {hook} {_what(hook)}",
        )


def _plugin_names(value: ast.AST) -> list[str]:
    items = value.elts if isinstance(value, ast.List | ast.Tuple | ast.Set) else [value]
    return [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]


def plugin_declarations(unit: PyFile) -> list[tuple[int, list[str]]]:
    """``(line, module names)`` of each module-level ``pytest_plugins = ...`` assignment."""
    found = []
    for node in unit.tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            targets = [node.target]
        value = getattr(node, "value", None)
        if value is not None and any(dotted(t) == "pytest_plugins" for t in targets):
            found.append((node.lineno, _plugin_names(value)))
    return found


def _registrations(unit: PyFile) -> Iterator[Finding]:
    for node in ast.walk(unit.tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"register", "import_plugin", "consider_module"}
            and "pluginmanager" in (dotted(node.func.value) or "")
        ):
            yield finding(
                "conftest-hook",
                unit.path,
                node.lineno,
                f"registers a pytest plugin at run time ({node.func.attr}): its hooks can "
                "change results",
            )


def _is_hook_module(unit: PyFile, names: Names) -> bool:
    return unit.path.rsplit("/", 1)[-1] == "conftest.py" or any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(
            names.resolve(d.func if isinstance(d, ast.Call) else d) == "pytest.hookimpl"
            for d in node.decorator_list
        )
        for node in ast.walk(unit.tree)
    )


def hook_findings(codebase: Codebase) -> list[Finding]:
    """Hooks in conftest files, declared plugins and hookimpl modules; run-time registrations."""
    plugin_modules: set[str] = set()
    found: list[Finding] = []
    for unit in codebase.modules():
        for line, plugins in plugin_declarations(unit):
            plugin_modules.update(plugins)
            shown = ", ".join(plugins) or "(computed)"
            found.append(
                finding(
                    "conftest-hook",
                    unit.path,
                    line,
                    f"pytest_plugins loads {shown}: plugin hooks can change results",
                )
            )
        found.extend(_registrations(unit))
    for unit in codebase.modules():
        names = unit.names
        if unit.module in plugin_modules or _is_hook_module(unit, names):
            found.extend(_hooks(unit, names))
    return found


def entry_point_findings(texts: dict[str, str]) -> list[Finding]:
    """``pytest11`` entry points in packaging files (``{path: text}``): installed plugins."""
    found = []
    for path, text in texts.items():
        for number, line in enumerate(text.splitlines(), start=1):
            if _ENTRY_POINT_GROUP.search(line):
                found.append(
                    finding(
                        "conftest-hook",
                        path,
                        number,
                        "declares a pytest11 plugin entry point: an installed plugin runs "
                        "inside pytest",
                    )
                )
    return found


def _rooted_in_pytest(node: ast.AST, names: Names) -> bool:
    target = node
    while isinstance(target, ast.Attribute | ast.Subscript):
        target = target.value
    if isinstance(node, ast.Subscript) and dotted(node.value) == "sys.modules":
        key = node.slice
        return isinstance(key, ast.Constant) and str(key.value).startswith(PYTEST_ROOTS)
    if not isinstance(node, ast.Attribute):
        return False
    resolved = names.resolve(node)
    return (
        resolved is not None
        and resolved.split(".")[0] in PYTEST_ROOTS
        and (dotted(target) is not None and dotted(target) in names.aliases)
    )


def _patched_target(call: ast.Call, names: Names) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else dotted(func)
    if name not in _PATCHERS or not call.args:
        return False
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value.split(".")[0] in PYTEST_ROOTS
    resolved = names.resolve(first)
    head = dotted(first)
    return (
        resolved is not None
        and resolved.split(".")[0] in PYTEST_ROOTS
        and head is not None
        and head.split(".")[0] in names.aliases
    )


def patch_findings(codebase: Codebase) -> list[Finding]:
    """Assignments into pytest's modules and patches of them (``monkeypatch.setattr``, ...)."""
    found = []
    for unit in codebase.modules():
        names = unit.names
        for node in ast.walk(unit.tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign | ast.Delete):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            hit = any(_rooted_in_pytest(t, names) for t in targets) or (
                isinstance(node, ast.Call) and _patched_target(node, names)
            )
            if hit:
                found.append(
                    finding(
                        "pytest-patch",
                        unit.path,
                        getattr(node, "lineno", None),
                        "patches pytest's own code: outcomes and reports can no longer be trusted",
                    )
                )
    return found
