"""Hostile repositories built by the tests from the bundled examples, evaluated for real.

Each forgery is the bundled example (or a small repository) with one cheat applied;
it goes through the whole pipeline against the real Docker engine. The honest
twin, the bundled example itself, is evaluated once per session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.config import EvaluatorConfig, load_config
from evaluator.intake.source import Source
from evaluator.model.criteria import CriterionResult
from evaluator.model.report import CheckResult, Report
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from tests.conftest import REPO_ROOT, write_tree

EXAMPLE = REPO_ROOT / "examples" / "file-organizer"


def example_files(name: str = "file-organizer") -> dict[str, str]:
    """The bundled example ``name`` as ``{relative path: text}`` (text files only)."""
    root = REPO_ROOT / "examples" / name
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pt"
    }


Evaluate = Callable[..., Report]


@pytest.fixture
def evaluate_files(tmp_path: Path, engine: DockerEngine) -> Callable[..., Report]:
    """Evaluate a repository given as files (over a copy of the bundled ``example``, if
    named); ``capstone`` pins the capstone id."""

    def run(
        files: Mapping[str, str],
        *,
        example: str | None = None,
        capstone: str | None = None,
        config: EvaluatorConfig | None = None,
    ) -> Report:
        root = tmp_path / f"repo-{len(list(tmp_path.iterdir()))}"
        if example is not None:  # binary files too (model weights)
            shutil.copytree(REPO_ROOT / "examples" / example, root)
        write_tree(root, files)
        request = EvaluationRequest(source=Source(location=str(root)), capstone=capstone)
        settings = config or replace(load_config(os.environ), data_dir=tmp_path / "no-data")
        return evaluate(request, settings, progress=lambda _m: None, engine=engine)

    return run


@pytest.fixture(scope="session")
def honest(engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The bundled file-organizer example, evaluated once: the honest twin."""
    root = tmp_path_factory.mktemp("honest") / "file-organizer"
    write_tree(root, example_files())
    request = EvaluationRequest(source=Source(location=str(root)))
    return evaluate(request, load_config(os.environ), progress=lambda _m: None, engine=engine)


def criterion(report: Report, cid: str) -> CriterionResult:
    """The decided criterion ``cid`` of ``report``."""
    found = next((c for c in report.criteria if c.id == cid), None)
    assert found is not None, f"no criterion {cid}: {[c.id for c in report.criteria]}"
    return found


def check_of(report: Report, cid: str) -> CheckResult:
    """The check ``cid`` of ``report``."""
    found = report.check(cid)
    assert found is not None, f"no check {cid}: {[c.id for c in report.checks]}"
    return found


def integrity_kinds(report: Report) -> list[tuple[str, str, int | None]]:
    """``(kind, path, line)`` of every integrity finding."""
    return [
        (f.code.removeprefix("integrity/"), f.path, f.line)
        for f in check_of(report, "integrity").findings
    ]
