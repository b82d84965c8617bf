"""A review as evidence for the decision engine: judgement scores, or why there are none."""

from __future__ import annotations

from evaluator.model.review import Review, ReviewStatus
from evaluator.rubrics.evidence import JudgementScore


def judgement_scores(review: Review | None) -> dict[str, JudgementScore]:
    """The model's level per judgement criterion, marked as a proposal when a mentor decides."""
    if review is None or review.status is not ReviewStatus.REVIEWED:
        return {}
    return {
        c.id: JudgementScore(
            level=c.proposal,
            justification=c.justification,
            citations=tuple(f"{x.path}:{x.line_start}-{x.line_end}" for x in c.citations),
            proposal_only=c.to_mentor,
        )
        for c in review.criteria
        if c.proposal is not None
    }


def unscored_reason(review: Review | None) -> str:
    """Why judgement criteria have no score, in words for the criterion's reason."""
    if review is None:
        return "the LLM review did not run"
    what = {
        ReviewStatus.NOT_RUN: "the LLM review did not run",
        ReviewStatus.UNAVAILABLE: "the LLM review is unavailable",
        ReviewStatus.BUDGET_SPENT: "the LLM review stopped at its budget",
        ReviewStatus.REVIEWED: "the LLM review did not score it",
    }[review.status]
    reason = review.reason
    if reason and review.status is ReviewStatus.NOT_RUN:
        # "no model configured: set ..." - what to set is for the operator, shown once in
        # the review's own section and the terminal, not under every criterion a learner reads.
        reason = reason.split(": ", 1)[0]
    return f"{what} ({reason})" if reason else what
