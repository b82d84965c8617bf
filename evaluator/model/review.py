"""The LLM review inside ``report.json``: what was asked, what came back, what it cost.

Everything here is the evaluator's record of one review: the model's levels per
judgement criterion with the citations that were verified against the workspace,
why a criterion was left to a mentor, the files that were shown, and the calls
made (tokens, cost, latency). No API key or endpoint credential is ever stored.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from evaluator.model.base import FrozenModel
from evaluator.model.finding import Finding


class ReviewStatus(StrEnum):
    """Outcome of the LLM review."""

    REVIEWED = "reviewed"
    """The model answered; each judgement criterion is decided or proposed to a mentor."""
    NOT_RUN = "not-run"
    """No model configured, no rubric, or no judgement criterion: nothing was asked."""
    UNAVAILABLE = "unavailable"
    """The model was asked but gave no valid answer (errors, deadline, invalid twice)."""
    BUDGET_SPENT = "budget-spent"
    """The run's or the cohort's budget did not allow the call."""


class ModelCall(FrozenModel):
    """One answer asked of the model (or read from the cache)."""

    sample: int = Field(description="Sample number, 1 to samples.")
    attempt: int = Field(
        description="1 for the question, 2 for the correction after an invalid answer."
    )
    cached: bool = Field(description="The answer came from the on-disk cache (no call, no cost).")
    input_tokens: int | None = Field(default=None, description="Prompt tokens the provider billed.")
    output_tokens: int | None = Field(default=None, description="Completion tokens billed.")
    cost_usd: float | None = Field(
        default=None, description="Cost in USD from litellm's price map; None when unknown."
    )
    latency_s: float = Field(description="Wall time of the call, retries included.")
    http_retries: int = Field(default=0, description="Retries after 429, 5xx or timeouts.")
    outcome: str = Field(description="'valid', or why the answer was not used.")


class CitedLines(FrozenModel):
    """A citation that was checked against the workspace and holds."""

    path: str = Field(description="File path relative to the repository root.")
    line_start: int = Field(description="First cited line (1-based, as shown to the model).")
    line_end: int = Field(description="Last cited line.")
    quote: str = Field(description="The text the model quoted from these lines.")
    excerpt: str = Field(description="The cited lines as they are in the workspace (clipped).")


class CriterionReview(FrozenModel):
    """The review of one judgement criterion."""

    id: str = Field(description="Judgement criterion id.")
    level: int | None = Field(
        default=None, description="The decided level 0-4; None when a mentor decides."
    )
    proposal: int | None = Field(
        default=None, description="The model's level (median of the samples), decided or not."
    )
    samples: list[int] = Field(default_factory=list, description="Level of each valid sample.")
    justification: str = Field(default="", description="The model's justification.")
    citations: list[CitedLines] = Field(
        default_factory=list, description="Citations verified against the workspace."
    )
    dropped_citations: int = Field(
        default=0, description="Citations that did not hold (missing file, lines, or quote)."
    )
    to_mentor: str | None = Field(
        default=None, description="Why the level is only a proposal for a mentor, if it is."
    )


class ReviewedFile(FrozenModel):
    """A learner file shown to the model."""

    path: str
    tokens: int = Field(description="Tokens of the file as shown (line numbers included).")
    truncated: bool = Field(default=False, description="Only the first lines fitted the budget.")


class SkippedFile(FrozenModel):
    """A learner file that was not shown to the model, and why."""

    path: str
    reason: str = Field(description="binary, too large, not UTF-8 text, over the token budget, ...")


class Review(FrozenModel):
    """The LLM-assisted review of the rubric's judgement criteria."""

    status: ReviewStatus
    reason: str | None = Field(
        default=None, description="Why the review did not run or gave no answer."
    )
    model: str | None = Field(default=None, description="litellm model string used.")
    samples: int = Field(default=1, description="Answers asked per review (self-consistency).")
    prompt_hash: str | None = Field(
        default=None, description="SHA-256 of the prompt (boundaries masked): the cache key."
    )
    prompt_tokens: int | None = Field(
        default=None, description="Prompt tokens counted with litellm's counter before the call."
    )
    input_tokens: int = Field(default=0, description="Prompt tokens billed over all calls.")
    output_tokens: int = Field(default=0, description="Completion tokens billed over all calls.")
    cost_usd: float | None = Field(
        default=None, description="Total cost in USD; None when a call's price is unknown."
    )
    latency_s: float = Field(default=0.0, description="Wall time of the model calls.")
    calls: list[ModelCall] = Field(default_factory=list, description="Every answer asked.")
    diff: bool = Field(default=False, description="A pull-request diff was shown first.")
    files: list[ReviewedFile] = Field(default_factory=list, description="Files shown.")
    skipped: list[SkippedFile] = Field(default_factory=list, description="Files not shown.")
    injection_suspected: bool = Field(
        default=False, description="The model reported instructions aimed at it."
    )
    findings: list[Finding] = Field(
        default_factory=list,
        description="Injection scan findings: integrity/prompt-injection and "
        "integrity/hidden-characters.",
    )
    citations_dropped: int = Field(default=0, description="Unverifiable citations dropped.")
    criteria: list[CriterionReview] = Field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """Instructions aimed at the grader were found or reported: levels are proposals only."""
        return self.injection_suspected or bool(self.findings)

    def criterion(self, criterion_id: str) -> CriterionReview | None:
        """The review of one criterion, if it was reviewed."""
        return next((c for c in self.criteria if c.id == criterion_id), None)
