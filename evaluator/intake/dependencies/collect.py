"""Reading declaration files safely and turning their strings into requirements.

A declaration is learner text: it is read (never executed), each requirement is
parsed with ``packaging``, and anything that is not a plain requirement (pip
options, URLs, paths, VCS references, text with line breaks) is refused with
its file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from evaluator.documents import DocumentError, parse_toml
from evaluator.intake.dependencies.model import (
    Declared,
    DependencyPlan,
    LockPin,
    Origin,
    PythonAsk,
    Refusal,
)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_REQUIREMENT_CHARS = 400
MAX_REQUIREMENTS = 400
#: Control characters and Unicode line breaks: a requirement never contains one.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


class NotARequirement(ValueError):
    """A declaration entry that cannot become a plain requirement (the message says why)."""


def name_with_extras(name: str, entry: dict[str, Any]) -> str:
    """``name[extra,...]`` from a table entry's ``extras`` list (Poetry, Pipfile)."""
    extras = entry.get("extras") or []
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise NotARequirement("extras must be a list of names")
    return name + (f"[{','.join(extras)}]" if extras else "")


def shown(text: str, limit: int = 120) -> str:
    """Learner text shortened for a note (the note quotes it with ``repr``)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def line_of(text: str, needle: str, start_line: int = 1) -> int | None:
    """1-based number of the first line at or after ``start_line`` containing ``needle``."""
    for number, line in enumerate(text.splitlines()[start_line - 1 :], start_line):
        if needle in line:
            return number
    return None


@dataclass
class Collector:
    """Accumulates what the readers find, in reading order."""

    root: Path
    requirements: list[Declared] = field(default_factory=list)
    pins: list[LockPin] = field(default_factory=list)
    python: list[PythonAsk] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def read_text(self, relative: str) -> str | None:
        """A regular file inside the repository (no symlink), or None."""
        path = self.root / relative
        if not path.is_file() or path.is_symlink():
            return None
        if not path.resolve().is_relative_to(self.root):
            return None
        if path.stat().st_size > MAX_FILE_BYTES:
            self.notes.append(f"{relative} is larger than {MAX_FILE_BYTES // 1024} KiB; not read")
            return None
        return path.read_text(encoding="utf-8", errors="replace")

    def read_toml(self, relative: str) -> tuple[str, dict[str, Any]] | None:
        """A TOML file's text and document, or None (invalid TOML is a note)."""
        text = self.read_text(relative)
        if text is None:
            return None
        try:
            return text, parse_toml(text)
        except DocumentError as exc:
            self.notes.append(f"{relative} is not valid TOML ({exc}); not read")
            return None

    def refuse(self, origin: Origin, text: str, reason: str) -> None:
        """Record something not installed, with where and why."""
        self.refusals.append(Refusal(origin=origin, text=shown(text), reason=reason))

    def add(self, text: object, origin: Origin) -> None:
        """Parse one requirement string; keep it or refuse it."""
        requirement = self.parse(text, origin)
        if requirement is not None:
            self.add_requirement(requirement, origin)

    def add_requirement(self, requirement: Requirement, origin: Origin) -> None:
        """Keep an already-parsed requirement (a duplicate keeps its first origin)."""
        if len(self.requirements) >= MAX_REQUIREMENTS:
            self.refuse(origin, str(requirement), f"more than {MAX_REQUIREMENTS} requirements")
            return
        text = str(requirement)
        if any(item.text == text for item in self.requirements):
            return
        self.requirements.append(Declared(requirement=requirement, origin=origin))

    def parse(self, text: object, origin: Origin) -> Requirement | None:
        """A plain requirement (name, extras, specifier, markers), or None and a refusal."""
        if not isinstance(text, str):
            self.refuse(origin, repr(text), "not a requirement string")
            return None
        problem = requirement_problem(text)
        if problem is not None:
            self.refuse(origin, text, problem)
            return None
        requirement = Requirement(text)
        if _CONTROL.search(str(requirement)):  # defence in depth: never reaches pip
            self.refuse(origin, text, "contains a line break or control character")
            return None
        return requirement

    def ask_python(self, spec: str, origin: Origin, *, required: bool) -> None:
        """Record a Python version the project asks for (an invalid one is refused)."""
        try:
            specifier = SpecifierSet(spec.strip())
        except InvalidSpecifier:
            self.refuse(origin, spec, "not a valid Python version specifier")
            return
        self.python.append(PythonAsk(specifier=specifier, origin=origin, required=required))

    def pin(self, name: object, version: object, origin: Origin) -> None:
        """Record a lock file's exact version of a package from an index."""
        if not isinstance(name, str) or not isinstance(version, str):
            return
        try:
            parsed = Version(version)
        except InvalidVersion:
            self.refuse(origin, f"{name} {version}", "not a valid version")
            return
        self.pins.append(LockPin(name=canonicalize_name(name), version=parsed, origin=origin))

    def plan(self) -> DependencyPlan:
        """The collected declarations as an immutable plan."""
        return DependencyPlan(
            requirements=tuple(self.requirements),
            pins=tuple(self.pins),
            python=tuple(self.python),
            refusals=tuple(self.refusals),
            notes=tuple(self.notes),
            files=tuple(dict.fromkeys(self.files)),
        )


def _unparsable_reason(text: str) -> str:
    if "://" in text or text.startswith(("git+", "hg+", "svn+", "bzr+")):
        return "URLs and VCS references are not installed; name a package and version"
    if text.startswith((".", "/", "~")) or text.endswith((".whl", ".zip", ".tar.gz")):
        return "local paths and archives are not installed; name a package and version"
    return "not a requirement (expected a name, optional extras, version and markers)"


def requirement_problem(text: str) -> str | None:
    """Why ``text`` is not a plain requirement, or None (pure)."""
    stripped = text.strip()
    problem = None
    if _CONTROL.search(text):
        problem = "contains a line break or control character"
    elif not stripped:
        problem = "empty requirement"
    elif len(stripped) > MAX_REQUIREMENT_CHARS:
        problem = f"longer than {MAX_REQUIREMENT_CHARS} characters"
    elif stripped.startswith("-"):
        problem = "pip options are not honoured; only package names and versions are installed"
    else:
        try:
            if Requirement(stripped).url:
                problem = "direct references (name @ URL) are not installed; pin a version instead"
        except InvalidRequirement:
            problem = _unparsable_reason(stripped)
    return problem
