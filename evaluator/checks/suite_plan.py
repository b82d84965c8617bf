"""How the learner's test suite is run in the sandbox (pure, apart from reading the workspace).

pytest and coverage run under the evaluator's bootstrap
(``sandbox/runtime/pytest_bootstrap.py``, ``python -I``), with the evaluator's
ini, rootdir and import mode, on every test under the repository; results
come back through the result stream, never through files.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from evaluator.checks.pytest_config import LearnerPytestConfig, read_pytest_config
from evaluator.config import MIB, SandboxLimits
from evaluator.intake.manifest import Manifest
from evaluator.sandbox.spec import INPUT, RUNTIME, WORKSPACE, RunSpec

EVENTS_BYTES = 16 * MIB
"""Most bytes of the result stream read back from one run."""
BOOTSTRAP = f"{RUNTIME}/pytest_bootstrap.py"
BOOTSTRAP_CONFIG = "pytest.json"
#: Folders pytest does not descend into (pytest's defaults plus virtualenv names).
NORECURSE = (".*", "*.egg", "_darcs", "build", "CVS", "dist", "node_modules", "venv", "{arch}")
NORECURSE_EXTRA = ("env", "site-packages", "__pycache__")
#: Files coverage leaves out: the tests themselves, packaging and virtualenvs.
COVERAGE_OMIT = (
    "*/tests/*",
    "*/test/*",
    "*/test_*.py",
    "*_test.py",
    "*/conftest.py",
    "*/setup.py",
    "*/.*/*",
    "*/venv/*",
    "*/site-packages/*",
    "*/node_modules/*",
)
MAX_WALK = 50_000
#: Folder names that hold no importable learner code, even with .py files inside.
NOT_PACKAGES = frozenset(
    {"tests", "test", "testing", "docs", "doc", "examples", "example", "scripts", "notebooks"}
)
NOT_MODULES = frozenset({"conftest", "setup", "noxfile", "fabfile", "manage"})


@dataclass(frozen=True, kw_only=True)
class SuitePlan:
    """The learner's settings that matter to the run, and whether a second run is needed."""

    config: LearnerPytestConfig
    has_conftest: bool
    """Whether a conftest.py exists: then a second run with ``--noconftest`` is compared."""
    packages: tuple[str, ...] = ()
    """Learner packages coverage measures whole (folders relative to the repository)."""
    modules: tuple[str, ...] = ()
    """Top-level module files coverage measures when imported (a script no test imports
    is not counted)."""


def _skipped_folder(name: str) -> bool:
    return name.startswith(".") or name in {*NORECURSE, *NORECURSE_EXTRA} or name.endswith(".egg")


def find_conftest(root: Path) -> bool:
    """Whether any folder pytest would visit holds a conftest.py (bounded walk)."""
    seen = 0
    for _folder, dirs, files in os.walk(root):
        if "conftest.py" in files:
            return True
        dirs[:] = [d for d in dirs if not _skipped_folder(d)]
        seen += len(files) + len(dirs)
        if seen > MAX_WALK:
            return False
    return False


def _is_test_file(name: str) -> bool:
    return name.startswith("test_") or name.endswith("_test.py")


def _is_package(entry: Path) -> bool:
    if not entry.name.isidentifier() or entry.name in NOT_PACKAGES:
        return False
    if (entry / "__init__.py").is_file():
        return True
    # src/ without __init__.py is the src layout's container, not a package.
    return entry.name != "src" and any(entry.glob("*.py"))


def _is_module(entry: Path) -> bool:
    return (
        entry.suffix == ".py"
        and entry.stem.isidentifier()
        and not _is_test_file(entry.name)
        and entry.stem not in NOT_MODULES
    )


def learner_code(root: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The learner's packages and top-level modules, at the root and in ``src/`` (pure read).

    A package is a folder with ``__init__.py`` or with Python files directly in it
    (a namespace package), except tests, docs, examples, scripts and notebooks.
    The manifest's ``source:`` does not narrow this.
    """
    packages: list[str] = []
    modules: list[str] = []
    for base in (root, root / "src"):
        if not base.is_dir() or base.is_symlink():
            continue
        for entry in sorted(base.iterdir()):
            if entry.is_symlink() or _skipped_folder(entry.name):
                continue
            if entry.is_dir() and _is_package(entry):
                packages.append(entry.relative_to(root).as_posix())
            elif entry.is_file() and _is_module(entry):
                modules.append(entry.relative_to(root).as_posix())
    return tuple(packages), tuple(modules)


def plan_suite(root: Path, manifest: Manifest | None) -> SuitePlan:
    """Read the learner's pytest settings, find its packages and any conftest.py."""
    packages, modules = learner_code(root)
    return SuitePlan(
        config=read_pytest_config(root, manifest),
        has_conftest=find_conftest(root),
        packages=packages,
        modules=modules,
    )


def coverage_sources(plan: SuitePlan) -> list[str]:
    """coverage.py ``source``: package folders and top-level module names (pure)."""
    names = dict.fromkeys(PurePosixPath(m).stem for m in plan.modules)
    sources = [f"{WORKSPACE}/{p}" for p in plan.packages] + list(names)
    return sources or [WORKSPACE]


def pytest_args(plan: SuitePlan, *, noconftest: bool) -> list[str]:
    """pytest's command line in the sandbox (pure)."""
    args = [
        "-c",
        f"{RUNTIME}/pytest.ini",
        f"--rootdir={WORKSPACE}",
        # With -c, conftest.py files are only read below --confcutdir.
        f"--confcutdir={WORKSPACE}",
        "--import-mode=append",
        "-p",
        "no:cacheprovider",
        # Its end-of-session garbage collection costs ~50 ms per run and decides nothing:
        # it only turns exceptions in __del__ into warnings.
        "-p",
        "no:unraisableexception",
        "--continue-on-collection-errors",
        "-q",
        "-rfE",
        "--color=no",
        "-o",
        "norecursedirs=" + " ".join((*NORECURSE, *NORECURSE_EXTRA)),
    ]
    for name, value in sorted(plan.config.options.items()):
        args += ["-o", f"{name}={value}"]
    if noconftest:
        args.append("--noconftest")
    return [*args, WORKSPACE]


def bootstrap_config(plan: SuitePlan, *, noconftest: bool) -> dict[str, Any]:
    """What the bootstrap is told (pure); the second run measures no coverage."""
    paths = [WORKSPACE, f"{WORKSPACE}/src"]
    paths += [f"{WORKSPACE}/{p}" for p in plan.config.pythonpath]
    return {
        "args": pytest_args(plan, noconftest=noconftest),
        "paths": list(dict.fromkeys(paths)),
        "filters": [] if noconftest else [f.to_json() for f in plan.config.filters],
        "coverage": None
        if noconftest
        else {
            "source": coverage_sources(plan),
            "omit": list(COVERAGE_OMIT),
            "scripts": list(plan.modules),
        },
    }


def suite_spec(
    image: str, plan: SuitePlan, limits: SandboxLimits, *, noconftest: bool = False
) -> RunSpec:
    """The sandbox run of the learner's tests (pure)."""
    config = bootstrap_config(plan, noconftest=noconftest)
    return RunSpec(
        image=image,
        command=["python", "-I", BOOTSTRAP, f"{INPUT}/{BOOTSTRAP_CONFIG}"],
        limits=limits,
        volumes=(WORKSPACE,),
        inputs={BOOTSTRAP_CONFIG: json.dumps(config).encode()},
        result_stream_bytes=EVENTS_BYTES,
        purpose="tests-noconftest" if noconftest else "tests",
    )
