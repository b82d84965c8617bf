"""Why judgement criteria have no score, as a learner reads it under each criterion."""

from __future__ import annotations

from evaluator.model.review import Review, ReviewStatus
from evaluator.review.evidence import unscored_reason
from evaluator.review.step import NO_MODEL


def test_no_model_names_the_cause_without_the_operators_remedy() -> None:
    # The remedy (which variable to set) is for the operator: shown once in the review's
    # section and the terminal, not under each of the learner's criteria.
    reason = unscored_reason(Review(status=ReviewStatus.NOT_RUN, reason=NO_MODEL))
    assert reason == "the LLM review did not run (no model configured)"


def test_an_unusable_answer_keeps_its_whole_reason() -> None:
    review = Review(status=ReviewStatus.UNAVAILABLE, reason="invalid JSON: line 1: expected '{'")
    assert unscored_reason(review) == (
        "the LLM review is unavailable (invalid JSON: line 1: expected '{')"
    )
    assert unscored_reason(None) == "the LLM review did not run"
