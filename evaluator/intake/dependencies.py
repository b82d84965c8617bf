"""What the learner's repository asks to install (reads files; no network, no execution).

Only declarative sources are honoured: ``requirements.txt`` (with ``-r``
includes inside the repository) and ``[project].dependencies`` of
``pyproject.toml``. Lines that would let learner input steer pip elsewhere
(index URLs, local paths, editable installs) are dropped and reported.
Poetry-only projects are reported, not installed.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

REQUIREMENTS_FILES = ("requirements.txt",)
DEV_EXTRAS = ("test", "tests", "testing", "dev")
_DROPPED_PREFIXES = (
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "-c",
    "--constraint",
    ".",
    "/",
    "file:",
)


@dataclass(frozen=True, kw_only=True)
class DependencyPlan:
    """Requirements to install, where they came from, and what was left out."""

    requirements: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    requires_python: str | None = None
    notes: tuple[str, ...] = ()
    poetry_only: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to install."""
        return not self.requirements

    def cache_key(self, image_id: str) -> str:
        """Hash of what determines the installed layer: the base image and the requirements."""
        digest = hashlib.sha256(image_id.encode())
        for line in self.requirements:
            digest.update(line.encode() + b"\n")
        return digest.hexdigest()[:16]


@dataclass
class _Collector:
    root: Path
    requirements: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def read_requirements(self, path: Path, depth: int = 0) -> None:
        rel = path.relative_to(self.root).as_posix()
        if depth > 5 or rel in self.files:
            return
        self.files.append(rel)
        for number, raw in enumerate(path.read_text(errors="replace").splitlines(), 1):
            line = raw.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(("-r ", "--requirement ")):
                self._include(path, line.split(None, 1)[1].strip(), rel, number, depth)
            elif line.startswith(_DROPPED_PREFIXES) or "://" in line:
                self.notes.append(
                    f"{rel}:{number}: '{line}' ignored (only package names "
                    "and version specifiers are installed)"
                )
            else:
                self.requirements.append(line)

    def _include(self, parent: Path, name: str, rel: str, number: int, depth: int) -> None:
        target = (parent.parent / name).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            self.notes.append(f"{rel}:{number}: included file '{name}' not found in the repository")
            return
        self.read_requirements(target, depth + 1)


def plan_dependencies(workspace: Path) -> DependencyPlan:
    """Collect the learner's requirements from the workspace."""
    root = workspace.resolve()
    collector = _Collector(root=root)
    for name in REQUIREMENTS_FILES:
        path = root / name
        if path.is_file() and not path.is_symlink():
            collector.read_requirements(path)
    requires_python: str | None = None
    poetry_only = False
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and not pyproject.is_symlink():
        try:
            doc = tomllib.loads(pyproject.read_text(errors="replace"))
        except tomllib.TOMLDecodeError as exc:
            collector.notes.append(f"pyproject.toml is not valid TOML ({exc}); not read")
            doc = {}
        project = doc.get("project", {}) if isinstance(doc.get("project"), dict) else {}
        deps = project.get("dependencies", [])
        extras = project.get("optional-dependencies", {})
        if isinstance(deps, list) and deps:
            collector.files.append("pyproject.toml")
            collector.requirements += [str(d) for d in deps]
        if isinstance(extras, dict):
            for extra in DEV_EXTRAS:
                if isinstance(extras.get(extra), list):
                    collector.requirements += [str(d) for d in extras[extra]]
        if isinstance(project.get("requires-python"), str):
            requires_python = project["requires-python"]
        poetry = doc.get("tool", {}).get("poetry", {}) if isinstance(doc.get("tool"), dict) else {}
        if isinstance(poetry, dict) and poetry.get("dependencies") and not deps:
            poetry_only = True
            collector.notes.append(
                "Poetry dependencies ([tool.poetry.dependencies]) are not installed: list them "
                "in requirements.txt or under [project].dependencies"
            )
    # Keep the first occurrence of each requirement, in order.
    unique = tuple(dict.fromkeys(r for r in collector.requirements if r))
    return DependencyPlan(
        requirements=unique,
        files=tuple(collector.files),
        requires_python=requires_python,
        notes=tuple(collector.notes),
        poetry_only=poetry_only,
    )
