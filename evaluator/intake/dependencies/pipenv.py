"""Pipenv's ``Pipfile``: ``[packages]``, ``[dev-packages]`` and ``[requires]``.

``[[source]]`` entries are ignored (packages come from the evaluator's index);
git, path, file and editable entries are refused.
"""

from __future__ import annotations

from typing import Any

from evaluator.intake.dependencies.collect import (
    Collector,
    NotARequirement,
    line_of,
    name_with_extras,
)
from evaluator.intake.dependencies.model import Origin

PIPFILE = "Pipfile"
_NOT_FROM_INDEX = ("git", "path", "file", "editable", "hg", "svn", "bzr")


def pipfile_requirement(name: str, entry: object) -> str:
    """One Pipfile entry as a PEP 508 string (pure); NotARequirement when it is not one."""
    if isinstance(entry, str):
        entry = {"version": entry}
    if not isinstance(entry, dict):
        raise NotARequirement("not a version string or table")
    found = [key for key in _NOT_FROM_INDEX if entry.get(key)]
    if found:
        raise NotARequirement(f"{found[0]} entries are not installed; depend on a released version")
    version = entry.get("version", "*")
    if not isinstance(version, str):
        raise NotARequirement("version must be a string")
    text = name_with_extras(name, entry)
    text += "" if version.strip() == "*" else version
    markers = entry.get("markers")
    return text + (f"; {markers}" if isinstance(markers, str) and markers else "")


def read_pipfile(sink: Collector) -> None:
    """Packages and dev packages of the Pipfile, and its Python version."""
    loaded = sink.read_toml(PIPFILE)
    if loaded is None:
        return
    text, doc = loaded
    sink.files.append(PIPFILE)
    for table_name in ("packages", "dev-packages"):
        table = doc.get(table_name)
        if not isinstance(table, dict):
            continue
        start = line_of(text, f"[{table_name}]") or 1
        for name, entry in table.items():
            origin = Origin(path=PIPFILE, line=line_of(text, name, start))
            try:
                sink.add(pipfile_requirement(name, entry), origin)
            except NotARequirement as exc:
                sink.refuse(origin, f"{name} = {entry}", str(exc))
    _read_requires(sink, text, doc.get("requires"))
    if doc.get("source"):
        sink.notes.append(
            f"{PIPFILE}: [[source]] ignored (packages come from the evaluator's index)"
        )


def _read_requires(sink: Collector, text: str, requires: Any) -> None:
    if not isinstance(requires, dict):
        return
    full = requires.get("python_full_version")
    short = requires.get("python_version")
    origin = Origin(path=PIPFILE, line=line_of(text, "python_"))
    if isinstance(full, str):
        sink.ask_python(f"=={full}", origin, required=False)
    elif isinstance(short, str):
        sink.ask_python(f"=={short}.*", origin, required=False)
