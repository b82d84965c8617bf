"""setuptools projects: ``setup.cfg`` and, read from its syntax tree only, ``setup.py``.

``setup.py`` is never executed: only literal ``install_requires``,
``extras_require`` (test groups) and ``python_requires`` passed to ``setup()``
are read (a module-level name bound to a literal counts as literal).
Anything computed is reported with what to write instead.
"""

from __future__ import annotations

import ast
import configparser

from evaluator.intake.dependencies.collect import Collector, line_of
from evaluator.intake.dependencies.model import TEST_GROUPS, Origin

SETUP_CFG = "setup.cfg"
SETUP_PY = "setup.py"
COMPUTED = (
    "computed, not a literal: setup.py is never run; write the list literally or use "
    "requirements.txt"
)


def read_setup_cfg(sink: Collector) -> None:
    """``[options] install_requires``, test extras and ``python_requires`` of setup.cfg."""
    text = sink.read_text(SETUP_CFG)
    if text is None:
        return
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        sink.notes.append(f"{SETUP_CFG} could not be read ({str(exc).splitlines()[0]})")
        return
    if not parser.has_section("options"):
        return
    sink.files.append(SETUP_CFG)
    _cfg_list(sink, text, parser.get("options", "install_requires", fallback=""))
    if parser.has_section("options.extras_require"):
        for group in TEST_GROUPS:
            _cfg_list(sink, text, parser.get("options.extras_require", group, fallback=""))
    requires = parser.get("options", "python_requires", fallback="")
    if requires.strip():
        origin = Origin(path=SETUP_CFG, line=line_of(text, "python_requires"))
        sink.ask_python(requires, origin, required=True)


def _cfg_list(sink: Collector, text: str, value: str) -> None:
    for raw in value.splitlines():
        item = raw.split(" #", 1)[0].strip()
        if item and not item.startswith("#"):
            sink.add(item, Origin(path=SETUP_CFG, line=line_of(text, item)))


def _setup_call(tree: ast.Module) -> ast.Call | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "setup":
                return node
    return None


def _module_literals(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = <expression>`` assignments (the expression, not its value)."""
    bound: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                bound[target.id] = node.value
    return bound


def _literal(node: ast.expr, bound: dict[str, ast.expr]) -> object:
    """The literal value of ``node`` (following one module-level name); ValueError if computed."""
    if isinstance(node, ast.Name) and node.id in bound:
        node = bound[node.id]
    return ast.literal_eval(node)


def read_setup_py(sink: Collector) -> None:
    """Literal arguments of the ``setup()`` call in setup.py (the file is never run)."""
    text = sink.read_text(SETUP_PY)
    if text is None:
        return
    try:
        tree = ast.parse(text, filename=SETUP_PY)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        sink.notes.append(f"{SETUP_PY} is not valid Python; not read")
        return
    call = _setup_call(tree)
    if call is None:
        return
    sink.files.append(SETUP_PY)
    bound = _module_literals(tree)
    for keyword in call.keywords:
        origin = Origin(path=SETUP_PY, line=keyword.value.lineno)
        try:
            value = _literal(keyword.value, bound)
        except (ValueError, TypeError, SyntaxError, RecursionError):
            if keyword.arg in ("install_requires", "extras_require", "python_requires"):
                sink.refuse(origin, f"{keyword.arg}=...", COMPUTED)
            continue
        _keyword_value(sink, keyword.arg, value, origin)


def _keyword_value(sink: Collector, name: str | None, value: object, origin: Origin) -> None:
    if name == "install_requires":
        _requirement_list(sink, value, origin)
    elif name == "extras_require" and isinstance(value, dict):
        for group in TEST_GROUPS:
            if group in value:
                _requirement_list(sink, value[group], origin)
    elif name == "python_requires" and isinstance(value, str):
        sink.ask_python(value, origin, required=True)


def _requirement_list(sink: Collector, value: object, origin: Origin) -> None:
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        sink.refuse(origin, repr(value), "not a list of requirement strings")
        return
    for item in items:
        if isinstance(item, str) and not item.strip():
            continue
        sink.add(item.strip() if isinstance(item, str) else item, origin)
