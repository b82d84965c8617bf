"""Put a rubric decision into a report, and re-decide it after a mentor override."""

from __future__ import annotations

from evaluator.model.criteria import Override, RubricRef
from evaluator.model.report import Report
from evaluator.rubrics.decision import (
    apply_overrides,
    decide,
    evaluate_criteria,
    evaluate_criterion,
)
from evaluator.rubrics.evidence import Evidence
from evaluator.rubrics.model import JudgementCriterion, Rubric


def apply_rubric(report: Report, rubric: Rubric, evidence: Evidence | None = None) -> Report:
    """The report with the rubric's criterion results and verdict (pure).

    Overrides already recorded in the report are applied again, so re-evaluating
    never loses a mentor's decision.
    """
    results = evaluate_criteria(rubric, report.checks, evidence or Evidence())
    results = apply_overrides(results, report.overrides)
    return report.model_copy(
        update={
            "rubric": RubricRef(
                id=rubric.id, title=rubric.title, level=rubric.level, min_score=rubric.min_score
            ),
            "criteria": results,
            "decision": decide(results, min_score=rubric.min_score),
        }
    )


def record_override(report: Report, override: Override) -> Report:
    """The report with ``override`` recorded and the verdict re-decided (pure).

    The criterion results already hold the evaluator's original outcome, so the
    rubric file and the workspace are not needed.
    """
    overrides = [*report.overrides, override]
    results = apply_overrides(report.criteria, overrides)
    min_score = report.rubric.min_score if report.rubric else 0.0
    return report.model_copy(
        update={
            "overrides": overrides,
            "criteria": results,
            "decision": decide(results, min_score=min_score),
        }
    )


def redecide_judgements(report: Report, rubric: Rubric, evidence: Evidence) -> Report:
    """The report with its judgement criteria decided again from ``evidence`` (pure).

    Used when only the LLM review runs again: the other criteria keep their results,
    recorded mentor overrides are applied again, and the verdict is re-decided.
    """
    checks = {check.id: check for check in report.checks}
    judged = {
        c.id: evaluate_criterion(rubric, c, checks, evidence)
        for c in rubric.criteria
        if isinstance(c, JudgementCriterion)
    }
    fresh = [judged.get(result.id, result) for result in report.criteria]
    results = [
        r if r.id not in judged else apply_overrides([r], report.overrides)[0] for r in fresh
    ]
    min_score = report.rubric.min_score if report.rubric else rubric.min_score
    return report.model_copy(
        update={"criteria": results, "decision": decide(results, min_score=min_score)}
    )
