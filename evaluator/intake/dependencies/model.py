"""What a repository declares it needs: requirements, lock pins, Python versions, refusals.

Everything here is plain data built from learner files; the only text that may
later reach pip is a re-serialised :class:`packaging.requirements.Requirement`.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import NormalizedName
from packaging.version import Version

#: Extras, dependency groups and Poetry groups whose requirements the test run needs.
TEST_GROUPS = ("test", "tests", "testing", "dev")


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where in the repository something was declared."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, kw_only=True)
class Declared:
    """One requirement, parsed by ``packaging``, and where it came from."""

    requirement: Requirement
    origin: Origin

    @property
    def text(self) -> str:
        """The re-serialised requirement (never the learner's original text)."""
        return str(self.requirement)


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """Something a declaration asked for that is not installed, and why."""

    origin: Origin
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.text!r} refused: {self.reason}"


@dataclass(frozen=True, kw_only=True)
class LockPin:
    """An exact version a lock file records for a package from a package index."""

    name: NormalizedName
    version: Version
    origin: Origin


@dataclass(frozen=True, kw_only=True)
class PythonAsk:
    """A Python version the project asks for.

    ``required`` asks (``requires-python``, ``python_requires``, Poetry's
    ``python``) exclude interpreters; the others (``.python-version``,
    ``runtime.txt``, Pipfile, conda) say which one the learner develops on and
    only choose among the allowed ones.
    """

    specifier: SpecifierSet
    origin: Origin
    required: bool


@dataclass(frozen=True, kw_only=True)
class DependencyPlan:
    """What the repository declares, read without running anything."""

    requirements: tuple[Declared, ...] = ()
    pins: tuple[LockPin, ...] = ()
    python: tuple[PythonAsk, ...] = ()
    refusals: tuple[Refusal, ...] = ()
    notes: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    """Declaration files read, in order."""

    @property
    def empty(self) -> bool:
        """Nothing to install."""
        return not self.requirements
