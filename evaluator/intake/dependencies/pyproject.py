"""``pyproject.toml``: PEP 621 dependencies, test extras, PEP 735 groups, uv and PDM dev groups.

Poetry's own tables are read by :mod:`.poetry`. Index and source settings
(``[tool.uv.sources]``, ``[[tool.uv.index]]``, ``[[tool.pdm.source]]``) are
reported and not used: packages always come from the evaluator's index.
"""

from __future__ import annotations

from typing import Any

from evaluator.intake.dependencies.collect import Collector, line_of
from evaluator.intake.dependencies.model import TEST_GROUPS, Origin
from evaluator.intake.dependencies.poetry import read_poetry

PYPROJECT = "pyproject.toml"
MAX_GROUP_DEPTH = 10


def _table(doc: Any, *keys: str) -> dict[str, Any]:
    """``doc[k1][k2]...`` when every step is a table, else {}."""
    for key in keys:
        doc = doc.get(key) if isinstance(doc, dict) else None
    return doc if isinstance(doc, dict) else {}


def add_strings(sink: Collector, items: object, text: str, where: str) -> None:
    """Each string of a TOML array as a requirement, located by its line."""
    if not isinstance(items, list):
        if items is not None:
            sink.refuse(Origin(path=PYPROJECT), repr(items), f"{where} is not a list")
        return
    for item in items:
        needle = item if isinstance(item, str) else where
        first = (needle.splitlines() or [""])[0]
        sink.add(item, Origin(path=PYPROJECT, line=line_of(text, first) if first else None))


def read_pyproject(sink: Collector) -> None:
    """Everything ``pyproject.toml`` declares for the test run."""
    loaded = sink.read_toml(PYPROJECT)
    if loaded is None:
        return
    text, doc = loaded
    sink.files.append(PYPROJECT)
    project = _table(doc, "project")
    add_strings(sink, project.get("dependencies"), text, "[project].dependencies")
    extras = _table(project, "optional-dependencies")
    for name in TEST_GROUPS:
        add_strings(sink, extras.get(name), text, f"[project.optional-dependencies].{name}")
    requires = project.get("requires-python")
    if isinstance(requires, str):
        origin = Origin(path=PYPROJECT, line=line_of(text, "requires-python"))
        sink.ask_python(requires, origin, required=True)
    _read_groups(sink, text, _table(doc, "dependency-groups"))
    uv = _table(doc, "tool", "uv")
    add_strings(sink, uv.get("dev-dependencies"), text, "[tool.uv].dev-dependencies")
    pdm_dev = _table(doc, "tool", "pdm", "dev-dependencies")
    for name in TEST_GROUPS:
        add_strings(sink, pdm_dev.get(name), text, f"[tool.pdm.dev-dependencies].{name}")
    _note_ignored_sources(sink, doc)
    read_poetry(sink, text, _table(doc, "tool", "poetry"))


def _read_groups(sink: Collector, text: str, groups: dict[str, Any]) -> None:
    """PEP 735 dependency groups named like test groups, with ``include-group`` followed."""
    for name in TEST_GROUPS:
        _read_group(sink, text, groups, name, depth=0)


def _read_group(
    sink: Collector, text: str, groups: dict[str, Any], name: str, *, depth: int
) -> None:
    items = groups.get(name)
    if items is None or depth > MAX_GROUP_DEPTH:
        return
    if not isinstance(items, list):
        sink.refuse(Origin(path=PYPROJECT), name, "dependency group is not a list")
        return
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("include-group"), str):
            _read_group(sink, text, groups, item["include-group"], depth=depth + 1)
        else:
            add_strings(sink, [item], text, f"[dependency-groups].{name}")


def _note_ignored_sources(sink: Collector, doc: dict[str, Any]) -> None:
    tool = _table(doc, "tool")
    ignored = [
        label
        for label, present in (
            ("[tool.uv.sources]", bool(_table(tool, "uv", "sources"))),
            ("[[tool.uv.index]]", bool(_table(tool, "uv").get("index"))),
            ("[[tool.pdm.source]]", bool(_table(tool, "pdm").get("source"))),
        )
        if present
    ]
    for label in ignored:
        sink.notes.append(
            f"{PYPROJECT}: {label} ignored: packages come from the evaluator's package index"
        )
