"""Running a generated repository through the real sandbox (test helpers)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from evaluator.checks.suite_plan import plan_suite
from evaluator.checks.tests import SuiteEvidence, run_suite, suite_evidence
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import load_manifest
from evaluator.intake.source import Source
from evaluator.model.report import CheckResult, Finding, Report
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from tests.conftest import write_tree


def with_limits(config: EvaluatorConfig, **limits: float) -> EvaluatorConfig:
    """``config`` with some sandbox limits replaced."""
    return dataclasses.replace(config, limits=dataclasses.replace(config.limits, **limits))


def evaluate_files(
    folder: Path, files: Mapping[str, str], config: EvaluatorConfig, **limits: float
) -> Report:
    """Write ``files`` into ``folder`` and evaluate it with the whole pipeline."""
    write_tree(folder, files)
    request = EvaluationRequest(source=Source(location=str(folder)))
    return evaluate(request, with_limits(config, **limits), progress=lambda _msg: None)


def suite_of(
    folder: Path, files: Mapping[str, str], engine: DockerEngine, config: EvaluatorConfig
) -> SuiteEvidence:
    """Write ``files`` and run only their test suite in the sandbox (with its integrity findings)."""
    write_tree(folder, files)
    manifest = load_manifest(folder).manifest
    plan = plan_suite(folder, manifest)
    outcomes = run_suite(engine, config.sandbox_image, plan, config.limits, folder)
    return suite_evidence(
        outcomes, plan=plan, limits=config.limits, coverage_min=config.coverage_min
    )


def check(report: Report, check_id: str) -> CheckResult:
    """The check ``check_id`` (fails the test when it is missing)."""
    found = report.check(check_id)
    assert found is not None, f"no {check_id} check in {[c.id for c in report.checks]}"
    return found


def codes(findings: list[Finding], kind: str) -> list[Finding]:
    """The findings of ``integrity/<kind>``."""
    return [f for f in findings if f.code == f"integrity/{kind}"]
