"""Lock files: the exact versions a learner resolved (``uv.lock``, ``pdm.lock``,
``poetry.lock``, ``Pipfile.lock``).

A lock's pins win over the declared ranges for packages from a package index;
locked git, path and URL packages are refused. ``Pipfile.lock`` alone (no
``Pipfile``) also supplies the requirements.
"""

from __future__ import annotations

from typing import Any

from evaluator.documents import DocumentError, parse_json
from evaluator.intake.dependencies.collect import Collector, line_of
from evaluator.intake.dependencies.model import Origin

#: TOML locks: file, then the key of a package's source table and the source kinds from an index.
TOML_LOCKS = ("uv.lock", "pdm.lock", "poetry.lock")
PIPFILE_LOCK = "Pipfile.lock"
_FROM_ELSEWHERE = ("git", "path", "url", "directory", "file", "editable", "virtual")


def _elsewhere(kind: str) -> str:
    return f"locked from a {kind} source; only packages from an index are installed"


def _not_from_index(package: dict[str, Any]) -> str | None:
    """The kind of a locked package that does not come from an index, or None."""
    source = package.get("source")
    if isinstance(source, dict):  # uv: {registry=...} | {git=...} | {editable="."}; poetry: type
        kind = source.get("type") if "type" in source else next(iter(source), None)
        if kind in _FROM_ELSEWHERE:
            return str(kind)
    for key in ("git", "path", "url"):  # pdm
        if key in package:
            return key
    return None


def read_toml_lock(sink: Collector, relative: str) -> None:
    """Pins of one TOML lock file."""
    loaded = sink.read_toml(relative)
    if loaded is None:
        return
    text, doc = loaded
    packages = doc.get("package")
    if not isinstance(packages, list):
        return
    sink.files.append(relative)
    for package in packages:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        name = package["name"]
        origin = Origin(path=relative, line=line_of(text, f'name = "{name}"'))
        kind = _not_from_index(package)
        if kind in ("editable", "virtual", "directory") and _is_project_itself(package):
            continue  # the project being locked
        if kind is not None:
            sink.refuse(origin, name, _elsewhere(kind))
            continue
        sink.pin(name, package.get("version"), origin)


def _is_project_itself(package: dict[str, Any]) -> bool:
    source = package.get("source")
    if not isinstance(source, dict):
        return False
    where = source.get("editable") or source.get("virtual") or source.get("url")
    return where in (".", "./", "")


def read_pipfile_lock(sink: Collector, *, requirements_too: bool) -> None:
    """Pins of ``Pipfile.lock`` (its ``default`` and ``develop`` sections)."""
    text = sink.read_text(PIPFILE_LOCK)
    if text is None:
        return
    try:
        doc = parse_json(text)
    except DocumentError as exc:
        sink.notes.append(f"{PIPFILE_LOCK} is not valid JSON ({exc}); not read")
        return
    if not isinstance(doc, dict):
        return
    sink.files.append(PIPFILE_LOCK)
    for section in ("default", "develop"):
        entries = doc.get(section)
        if isinstance(entries, dict):
            for name, entry in entries.items():
                _pipfile_lock_entry(sink, text, name, entry, requirements_too=requirements_too)


def _pipfile_lock_entry(
    sink: Collector, text: str, name: str, entry: object, *, requirements_too: bool
) -> None:
    origin = Origin(path=PIPFILE_LOCK, line=line_of(text, f'"{name}"'))
    if not isinstance(entry, dict):
        return
    kind = next((key for key in ("git", "path", "file", "editable") if entry.get(key)), None)
    if kind is not None:
        sink.refuse(origin, name, _elsewhere(kind))
        return
    version = entry.get("version")
    if not isinstance(version, str) or not version.startswith("=="):
        return
    sink.pin(name, version[2:], origin)
    if requirements_too:
        markers = entry.get("markers")
        suffix = f"; {markers}" if isinstance(markers, str) and markers else ""
        sink.add(f"{name}{version}{suffix}", origin)


def read_locks(sink: Collector) -> None:
    """Every lock file present."""
    for relative in TOML_LOCKS:
        read_toml_lock(sink, relative)
    pipfile = sink.root / "Pipfile"
    read_pipfile_lock(sink, requirements_too=not pipfile.is_file())
