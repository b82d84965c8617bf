"""Pydantic model of ``report.json``.

Every other rendering (Markdown comment, HTML report, check run, cohort store)
is derived from this document. Changing a field's meaning bumps
``SCHEMA_VERSION``; adding an optional field bumps the minor part.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from evaluator.model.base import FrozenModel
from evaluator.model.criteria import CriterionResult, Decision, Override, RubricRef
from evaluator.model.finding import Finding
from evaluator.model.review import Review

__all__ = ["Finding"]  # re-exported: every stage imports Finding from here

SCHEMA_VERSION = "1.2"

MetricValue = int | float | str | bool | None


class Status(StrEnum):
    """Outcome of one check."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    """The check could not produce a result (timeout, crash, OOM of learner code)."""
    SKIPPED = "skipped"


class Verdict(StrEnum):
    """Outcome of the whole evaluation."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"
    """The evaluation itself could not run (engine down, unreachable repository)."""


class Fault(StrEnum):
    """Whose side an errored check failed on."""

    LEARNER = "learner"
    """Learner code crashed, hung or ran out of memory: counts against the submission."""
    OPERATOR = "operator"
    """The evaluator's setup failed (hidden data not imported, engine error, service down):
    never counted against the learner; the criterion waits for the operator's fix."""


class CheckResult(FrozenModel):
    """Result of one automatic check."""

    id: str = Field(description="Stable check id, e.g. 'tests', 'coverage', 'lint'.")
    status: Status
    summary: str = Field(description="One line a learner can act on.")
    metrics: dict[str, MetricValue] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)
    log: str | None = Field(default=None, description="Tail of relevant output.")
    duration_s: float | None = None
    details: dict[str, Any] = Field(
        default_factory=dict, description="Check-specific structured evidence."
    )
    fault: Fault | None = Field(
        default=None,
        description="For an errored check: learner (counts against the submission) or "
        "operator (the evaluator's setup; never counted against the learner).",
    )
    accounted_for: list[str] = Field(
        default_factory=list,
        description="Integrity finding kinds this check's result already corrects for "
        "(e.g. 'assertion-free': such tests are not counted), so findings of these kinds "
        "do not hold its criteria for a mentor.",
    )


class SourceInfo(FrozenModel):
    """What was evaluated."""

    kind: Literal["path", "git"]
    location: str = Field(description="Local path or git URL as given.")
    ref: str | None = Field(default=None, description="Branch, tag or commit asked for.")
    commit: str | None = Field(default=None, description="Commit evaluated, when known.")
    dirty: bool = Field(default=False, description="Local path had uncommitted changes.")


class Timings(FrozenModel):
    """When the evaluation ran and where time went."""

    started_at: datetime
    finished_at: datetime
    total_s: float
    phases: dict[str, float] = Field(default_factory=dict)


class SandboxInfo(FrozenModel):
    """The images the learner code ran in."""

    image: str
    image_id: str | None = None
    deps_image: str | None = None
    python: str | None = Field(
        default=None,
        description="Python version the learner code ran on (the install step chose the image).",
    )


class Report(FrozenModel):
    """The evaluation report (``report.json``)."""

    schema_version: str = SCHEMA_VERSION
    evaluator_version: str
    capstone: str | None = Field(description="Capstone id, e.g. '1.1-file-organizer'.")
    verdict: Verdict
    error: str | None = Field(default=None, description="Why the evaluation could not run.")
    source: SourceInfo
    timings: Timings
    sandbox: SandboxInfo | None = None
    checks: list[CheckResult] = Field(default_factory=list)
    # Schema 1.1: the rubric decision (evaluator.rubrics.apply_rubric fills these).
    rubric: RubricRef | None = Field(default=None, description="Rubric decided against.")
    criteria: list[CriterionResult] = Field(default_factory=list)
    decision: Decision | None = Field(default=None, description="Graduation verdict.")
    overrides: list[Override] = Field(
        default_factory=list, description="Mentor overrides, oldest first (a history)."
    )
    review: Review | None = Field(
        default=None, description="The LLM review of the judgement criteria (schema 1.2)."
    )

    def check(self, check_id: str) -> CheckResult | None:
        """The check with this id, if it ran."""
        return next((c for c in self.checks if c.id == check_id), None)


def decide_verdict(checks: list[CheckResult]) -> Verdict:
    """``fail`` when a check failed or errored on the learner's side; else ``error`` when a
    check errored on the operator's side; else ``pass``.

    Errored checks (a learner test suite that hangs, a crash) count as failures
    of the submission; an operator fault (hidden data not imported, engine error)
    never does: the evaluation is incomplete until the operator fixes it.
    """
    operator = [c for c in checks if c.status is Status.ERROR and c.fault is Fault.OPERATOR]
    learner = [c for c in checks if c.status in {Status.FAIL, Status.ERROR} and c not in operator]
    if learner:
        return Verdict.FAIL
    return Verdict.ERROR if operator else Verdict.PASS


def report_json_schema() -> dict[str, Any]:
    """JSON Schema of ``report.json`` (published in ``schemas/report.schema.json``)."""
    schema = Report.model_json_schema()
    schema["$id"] = f"https://capstone-evaluator.dev/schemas/report-{SCHEMA_VERSION}.json"
    return schema
