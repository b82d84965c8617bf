"""What the learner's repository asks to install: read from its declarations, never executed.

One reader per declaration format (requirements files, ``pyproject.toml`` with
Poetry/uv/PDM tables, ``Pipfile``, setuptools, conda, lock files, Python
version files); each turns strings into :class:`packaging.requirements.Requirement`
objects or refusals with file and line. Nothing here touches the network or
runs a process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from evaluator.intake.dependencies.collect import Collector
from evaluator.intake.dependencies.conda import read_environment
from evaluator.intake.dependencies.locks import read_locks
from evaluator.intake.dependencies.model import (
    Declared,
    DependencyPlan,
    LockPin,
    Origin,
    PythonAsk,
    Refusal,
)
from evaluator.intake.dependencies.pipenv import read_pipfile
from evaluator.intake.dependencies.pyproject import read_pyproject
from evaluator.intake.dependencies.python_version import read_version_files
from evaluator.intake.dependencies.requirements_txt import read_requirements_files
from evaluator.intake.dependencies.setuptools import read_setup_cfg, read_setup_py

__all__ = [
    "READERS",
    "Declared",
    "DependencyPlan",
    "LockPin",
    "Origin",
    "PythonAsk",
    "Refusal",
    "plan_dependencies",
]

#: Every declaration reader, in the order their requirements are listed.
READERS: tuple[Callable[[Collector], None], ...] = (
    read_requirements_files,
    read_pyproject,
    read_pipfile,
    read_setup_cfg,
    read_setup_py,
    read_environment,
    read_locks,
    read_version_files,
)


def plan_dependencies(workspace: Path) -> DependencyPlan:
    """Read every declaration in the workspace (no network, nothing executed)."""
    sink = Collector(root=workspace.resolve())
    for reader in READERS:
        reader(sink)
    return sink.plan()
