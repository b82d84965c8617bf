"""Rubric results inside ``report.json``: criterion results, the decision, mentor overrides.

These models are part of the report (schema 1.1). They carry everything needed to
re-decide the verdict and re-render the reports without the workspace or the rubric
file: a mentor override only needs ``report.json``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from evaluator.model.base import FrozenModel


class Trust(StrEnum):
    """Who produced the evidence a criterion was decided on."""

    VERIFIED = "verified"
    """Measured by the evaluator outside learner control (hidden-label benchmark, lint)."""
    SELF_REPORTED = "self-reported"
    """Produced by learner code (the learner's own tests and coverage)."""
    LLM = "llm"
    """Scored by the LLM review."""
    MENTOR = "mentor"
    """Decided by a mentor."""


class CriterionStatus(StrEnum):
    """Outcome of one rubric criterion."""

    PASS = "pass"  # noqa: S105  (a status, not a password)
    FAIL = "fail"
    UNDECIDED = "undecided"
    """No evidence to decide on yet (judgement not scored, check not run)."""


class GraduationVerdict(StrEnum):
    """Outcome of a rubric decision."""

    READY = "graduation-ready"
    NOT_YET = "not-yet"
    NEEDS_MENTOR = "needs-mentor"


class Override(FrozenModel):
    """A mentor's decision on one criterion, recorded as given."""

    criterion: str = Field(description="Criterion id.")
    level: int = Field(ge=0, le=4, description="Level 0-4; pass/fail criteria pass at 2 or more.")
    note: str = Field(description="Why the mentor decided so.")
    by: str = Field(description="Mentor name.")
    at: datetime = Field(description="When the override was recorded (UTC).")


class CriterionOutcome(FrozenModel):
    """The decided part of a criterion result (kept as ``original`` when overridden)."""

    status: CriterionStatus
    level: int | None = Field(default=None, description="Level 0-4 for scored criteria.")
    trust: Trust
    reason: str = Field(description="Why the criterion has this status, in one line.")


class CriterionResult(FrozenModel):
    """One rubric criterion, decided."""

    id: str = Field(description="Criterion id, unique within the rubric.")
    title: str = Field(description="Short name shown in reports.")
    kind: str = Field(description="'metric', 'presence', 'judgement' or 'mentor'.")
    must_pass: bool = Field(description="A failure blocks graduation whatever the score.")
    weight: float = Field(description="Weight in the score of weighted criteria.")
    status: CriterionStatus
    level: int | None = Field(default=None, description="Level 0-4 for scored criteria.")
    pass_level: int | None = Field(default=None, description="Lowest passing level (scored).")
    trust: Trust
    reason: str = Field(description="Why the criterion has this status, in one line.")
    next_step: str = Field(description="What the learner should do when it fails.")
    check: str | None = Field(default=None, description="Check id the evidence comes from.")
    evidence: list[str] = Field(
        default_factory=list,
        description="Evidence lines: matched files, file:line citations, justification.",
    )
    original: CriterionOutcome | None = Field(
        default=None, description="The evaluator's outcome before a mentor override."
    )
    override: Override | None = Field(default=None, description="The override applied, if any.")
    llm_level: int | None = Field(
        default=None,
        description="The LLM review's level (decided or only proposed), kept through mentor "
        "overrides so the agreement of review and mentors can be measured.",
    )

    def outcome(self) -> CriterionOutcome:
        """The decided part of this result."""
        return CriterionOutcome(
            status=self.status, level=self.level, trust=self.trust, reason=self.reason
        )


class Decision(FrozenModel):
    """The graduation verdict of one rubric over one evaluation."""

    verdict: GraduationVerdict
    score: float | None = Field(
        default=None, description="Weighted score 0-1 of the weighted criteria; None if none."
    )
    min_score: float = Field(description="Score the weighted criteria must reach.")
    failing: list[str] = Field(default_factory=list, description="Ids of failed criteria.")
    undecided: list[str] = Field(default_factory=list, description="Ids of undecided criteria.")
    reachable: float | None = Field(
        default=None,
        description="Best score reachable: every undecided weighted criterion at full marks. "
        "Below min_score the verdict is not-yet whatever is still to decide.",
    )


class RubricRef(FrozenModel):
    """Which rubric the evaluation was decided against."""

    id: str = Field(description="Rubric id, e.g. '1.1-file-organizer'.")
    title: str
    level: str | None = Field(default=None, description="Programme level, e.g. '1'.")
    min_score: float = Field(description="Score the weighted criteria must reach (0-1).")
