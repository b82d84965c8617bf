"""Checks of capstones that are more than a tested package: notebooks and a data pipeline,
a service, and artefacts (a Dockerfile, a results table).

Each runs only when the rubric's criteria read it or capstone.yaml declares
what it needs (``notebooks:``, ``pipeline:``, ``service:``): a check nobody
asked for must not fail a submission.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from evaluator.checks.artefacts import ARTEFACT_CHECKS, artefact_checks
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import Manifest
from evaluator.model.report import CheckResult
from evaluator.progress import ProgressFn
from evaluator.rubrics.model import MetricCriterion, Rubric
from evaluator.sandbox.engine import DockerEngine

#: Times one named phase of the evaluation (the pipeline's clock).
Phase = Callable[[str], AbstractContextManager[None]]


@dataclass(frozen=True, kw_only=True)
class Submission:
    """What these checks need of one evaluation."""

    engine: DockerEngine
    image: str
    """The image learner code runs in (with the learner's dependencies)."""
    installed: bool
    workspace: Path
    manifest: Manifest | None
    rubric: Rubric | None
    config: EvaluatorConfig
    progress: ProgressFn


def asked_checks(rubric: Rubric | None) -> set[str]:
    """The check ids the rubric's metric criteria read."""
    criteria = rubric.criteria if rubric is not None else []
    return {c.check for c in criteria if isinstance(c, MetricCriterion)}


def _wants_notebooks(sub: Submission, asked: set[str]) -> bool:
    declared = sub.manifest is not None and bool(sub.manifest.notebooks or sub.manifest.pipeline)
    return declared or bool(asked & {"notebooks", "pipeline", "sqlite"})


# The notebook and service checks are loaded when asked for: a service's benchmark probes
# bring numpy (a third of a second of every evaluation's start-up otherwise).
def _notebooks(sub: Submission, asked: set[str]) -> list[CheckResult]:
    from evaluator.checks.notebooks import notebook_checks

    return notebook_checks(
        sub.engine,
        image=sub.image,
        installed=sub.installed,
        workspace=sub.workspace,
        manifest=sub.manifest,
        asked=asked,
        config=sub.config,
        progress=sub.progress,
    )


def _wants_service(sub: Submission, asked: set[str]) -> bool:
    return "service" in asked or bool(sub.manifest and sub.manifest.service)


def _service(sub: Submission, asked: set[str]) -> list[CheckResult]:
    from evaluator.checks.service import service_checks

    rubric = sub.rubric
    return service_checks(
        sub.engine,
        image=sub.image,
        installed=sub.installed,
        workspace=sub.workspace,
        manifest=sub.manifest,
        probes=list(rubric.service.probes) if rubric and rubric.service else [],
        wanted="service" in asked,
        config=sub.config,
        progress=sub.progress,
    )


def _wants_artefacts(sub: Submission, asked: set[str]) -> bool:
    del sub
    return bool(asked & set(ARTEFACT_CHECKS))


def _artefacts(sub: Submission, asked: set[str]) -> list[CheckResult]:
    return artefact_checks(sub.workspace, sub.rubric, asked)


_Step = Callable[[Submission, set[str]], list[CheckResult]]
_Wanted = Callable[[Submission, set[str]], bool]
#: (phase name, whether it has work, the step), in order: the pipeline writes what notebooks read.
_STEPS: tuple[tuple[str, _Wanted, _Step], ...] = (
    ("notebooks", _wants_notebooks, _notebooks),
    ("service", _wants_service, _service),
    ("artefacts", _wants_artefacts, _artefacts),
)


def beyond_tests_checks(sub: Submission, phase: Phase) -> list[CheckResult]:
    """The notebook run, the service and the artefacts that are asked for, each its own phase."""
    asked = asked_checks(sub.rubric)
    checks: list[CheckResult] = []
    for name, wanted, step in _STEPS:
        if wanted(sub, asked):
            with phase(name):
                checks += step(sub, asked)
    return checks
