"""Poetry's ``[tool.poetry]`` tables: dependencies, test/dev groups, ``^`` and ``~`` constraints.

Each entry is rebuilt as a PEP 508 string (name, extras, translated
constraint, markers) and then parsed like any other requirement. Git, path and
URL dependencies are refused; a ``source`` (a Poetry index) is ignored.
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version

from evaluator.intake.dependencies.collect import (
    Collector,
    NotARequirement,
    line_of,
    name_with_extras,
)
from evaluator.intake.dependencies.model import TEST_GROUPS, Origin

PYPROJECT = "pyproject.toml"
_OPERATOR = re.compile(r"^(===|==|!=|>=|<=|~=|>|<)")
_NOT_FROM_INDEX = ("git", "path", "url", "file")


def _upper(release: tuple[int, ...], index: int) -> str:
    """``release`` with component ``index`` raised and the ones after it zeroed."""
    upper = [*release[:index], release[index] + 1] + [0] * (len(release) - index - 1)
    return ".".join(str(part) for part in upper)


def caret(text: str) -> str:
    """Poetry's ``^X``: up to the next change of the left-most non-zero component."""
    release = Version(text).release
    index = next((i for i, part in enumerate(release) if part != 0), len(release) - 1)
    return f">={text},<{_upper(release, index)}"


def tilde(text: str) -> str:
    """Poetry's ``~X``: up to the next minor (the next major when only a major is given)."""
    release = Version(text).release
    return f">={text},<{_upper(release, 1 if len(release) >= 2 else 0)}"


def poetry_specifier(constraint: str) -> str:
    """A Poetry constraint as a PEP 440 specifier (pure); NotARequirement when impossible."""
    if "||" in constraint or "|" in constraint:
        raise NotARequirement("alternatives ('||') have no PEP 440 equivalent; use one range")
    clauses = []
    for raw in re.split(r"\s*,\s*|\s+(?=[<>=!~^])", constraint.strip()):
        part = raw.strip()
        if part in ("", "*"):
            continue
        try:
            if part.startswith("^"):
                clauses.append(caret(part[1:].strip()))
            elif part.startswith("~") and not part.startswith("~="):
                clauses.append(tilde(part[1:].strip()))
            elif _OPERATOR.match(part):
                clauses.append(part.replace(" ", ""))
            elif part.startswith("="):
                clauses.append("=" + part.replace(" ", ""))
            else:
                clauses.append(f"=={part}")
        except InvalidVersion:
            raise NotARequirement(f"{part!r} is not a version") from None
    return ",".join(clauses)


def _markers(entry: dict[str, Any]) -> list[str]:
    markers = []
    python = entry.get("python")
    if isinstance(python, str):
        for clause in filter(None, poetry_specifier(python).split(",")):
            op = _OPERATOR.match(clause)
            if op is not None:
                markers.append(f'python_full_version {op.group(1)} "{clause[op.end() :]}"')
    if isinstance(entry.get("platform"), str):
        markers.append(f'sys_platform == "{entry["platform"]}"')
    if isinstance(entry.get("markers"), str):
        markers.append(f"({entry['markers']})")
    return markers


def poetry_requirement(name: str, entry: object) -> str:
    """One Poetry dependency as a PEP 508 string (pure); NotARequirement when it is not one."""
    if isinstance(entry, str):
        entry = {"version": entry}
    if not isinstance(entry, dict):
        raise NotARequirement("not a version string or table")
    found = [key for key in _NOT_FROM_INDEX if key in entry]
    if found:
        raise NotARequirement(
            f"{found[0]} dependencies are not installed; depend on a released version"
        )

    version = entry.get("version", "*")
    if not isinstance(version, str):
        raise NotARequirement("version must be a string")
    text = name_with_extras(name, entry) + poetry_specifier(version)
    markers = _markers(entry)
    return text + ("; " + " and ".join(markers) if markers else "")


def read_poetry(sink: Collector, text: str, poetry: dict[str, Any]) -> None:
    """Poetry's main dependencies and its test/dev groups."""
    if not poetry:
        return
    main = poetry.get("dependencies")
    tables: list[tuple[str, object]] = [("[tool.poetry.dependencies]", main)]
    tables.append(("[tool.poetry.dev-dependencies]", poetry.get("dev-dependencies")))
    groups = poetry.get("group")
    groups = groups if isinstance(groups, dict) else {}
    for name in TEST_GROUPS:
        group = groups.get(name)
        if isinstance(group, dict):
            tables.append((f"[tool.poetry.group.{name}.dependencies]", group.get("dependencies")))
    for label, table in tables:
        if isinstance(table, dict):
            _read_table(sink, text, label, table)
    if poetry.get("source"):
        sink.notes.append(
            f"{PYPROJECT}: [[tool.poetry.source]] ignored: packages come from the evaluator's "
            "package index"
        )


def _read_table(sink: Collector, text: str, label: str, table: dict[str, Any]) -> None:
    start = line_of(text, label.strip("[]").replace("[", "").replace("]", "")) or 1
    for name, value in table.items():
        origin = Origin(path=PYPROJECT, line=line_of(text, name, start))
        if name == "python":
            try:
                sink.ask_python(poetry_specifier(str(value)), origin, required=True)
            except NotARequirement as exc:
                sink.refuse(origin, f"python = {value}", str(exc))
            continue
        entries = value if isinstance(value, list) else [value]
        for entry in entries:
            if isinstance(entry, dict) and entry.get("optional") is True:
                sink.notes.append(f"{origin}: optional dependency {name!r} not installed")
                continue
            if isinstance(entry, dict) and "source" in entry:
                sink.notes.append(f"{origin}: source of {name!r} ignored (evaluator's index)")
            try:
                sink.add(poetry_requirement(name, entry), origin)
            except NotARequirement as exc:
                sink.refuse(origin, f"{name} = {entry}", str(exc))
