"""The pure decision engine: each criterion kind, missing evidence, overrides, verdicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from evaluator.model.criteria import CriterionStatus, GraduationVerdict, Override, Trust
from evaluator.model.report import Status
from evaluator.rubrics.apply import apply_rubric, record_override, redecide_judgements
from evaluator.rubrics.decision import (
    apply_override,
    apply_overrides,
    decide,
    evaluate_criteria,
    weighted_score,
)
from evaluator.rubrics.evidence import Evidence, JudgementScore, PresenceEvidence, RuleEvidence
from tests.factories import check, metric, report, rubric

PASS, FAIL, UNDECIDED = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNDECIDED
AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def one(criterion: dict[str, object], *checks: object, evidence: Evidence | None = None):
    results = evaluate_criteria(rubric(criterion), list(checks), evidence or Evidence())  # type: ignore[arg-type]
    assert len(results) == 1
    return results[0]


@pytest.mark.parametrize(
    ("expr", "observed", "expected"),
    [
        ("tests.passed >= 20", 20, PASS),
        ("tests.passed >= 20", 19, FAIL),
        ("tests.passed > 20", 20, FAIL),
        ("lint.violations <= 10", 10, PASS),
        ("lint.violations < 10", 10, FAIL),
        ("benchmark.accuracy >= 0.97", 0.9712, PASS),
        ("benchmark.accuracy >= 0.97", 0.9699, FAIL),
        ("benchmark.percentile <= 10", 12.5, FAIL),
        ("benchmark.completed == 1", True, PASS),
        ("tests.errors != 0", 0, FAIL),
    ],
)
def test_metric_threshold(expr: str, observed: object, expected: CriterionStatus) -> None:
    check_id, name = expr.split(maxsplit=1)[0].split(".")
    result = one(metric("m", expr), check(check_id, **{name: observed}))
    assert result.status is expected
    assert result.check == check_id
    assert f"{check_id}.{name} = " in result.reason


def test_metric_on_check_status() -> None:
    assert one(metric("t", "tests.status == pass"), check("tests")).status is PASS
    failed = one(metric("t", "tests.status == pass"), check("tests", Status.FAIL))
    assert failed.status is FAIL
    assert failed.reason == "tests.status = fail, needs == pass"


def test_missing_check_is_undecided_with_reason() -> None:
    result = one(metric("b", "benchmark.accuracy >= 0.97"), check("tests"))
    assert result.status is UNDECIDED
    assert "benchmark check did not run" in result.reason


def test_errored_check_fails_and_skipped_is_undecided() -> None:
    errored = one(metric("t", "tests.passed >= 20"), check("tests", Status.ERROR))
    assert errored.status is FAIL
    assert "errored: tests error" in errored.reason
    skipped = one(metric("t", "tests.passed >= 20"), check("tests", Status.SKIPPED))
    assert skipped.status is UNDECIDED


def test_failed_check_without_the_metric_fails_the_criterion() -> None:
    unmeasured = one(
        metric("b", "benchmark.accuracy >= 0.97"), check("benchmark", Status.FAIL, failure="x")
    )
    assert unmeasured.status is FAIL
    assert "failed before measuring accuracy: benchmark fail" in unmeasured.reason


def test_missing_or_non_numeric_metric_is_undecided() -> None:
    assert one(metric("c", "coverage.percent >= 70"), check("coverage")).status is UNDECIDED
    odd = one(metric("c", "coverage.percent >= 70"), check("coverage", percent="n/a"))
    assert odd.status is UNDECIDED
    assert "not a number" in odd.reason


def test_trust_labels_follow_the_check_and_the_rubric() -> None:
    criteria = [
        metric("t", "tests.passed >= 1"),
        metric("c", "coverage.percent >= 1"),
        metric("l", "lint.violations <= 1"),
        metric("b", "benchmark.accuracy >= 0.5"),
        metric("u", "novel.x >= 1"),
        metric("o", "tests.failed <= 0", trust="verified"),
        {"id": "p", "kind": "presence", "files": ["README.md"]},
        {"id": "j", "kind": "judgement"},
        {"id": "m", "kind": "mentor"},
    ]
    results = evaluate_criteria(rubric(*criteria), [], Evidence())
    assert [r.trust for r in results] == [
        Trust.SELF_REPORTED,
        Trust.SELF_REPORTED,
        Trust.VERIFIED,
        Trust.VERIFIED,
        Trust.SELF_REPORTED,
        Trust.VERIFIED,
        Trust.VERIFIED,
        Trust.LLM,
        Trust.MENTOR,
    ]
    changed = rubric(metric("c", "coverage.percent >= 1"), check_trust={"coverage": "verified"})
    assert evaluate_criteria(changed, [], Evidence())[0].trust is Trust.VERIFIED


PRESENCE = {
    "id": "docker",
    "kind": "presence",
    "files": ["Dockerfile"],
    "patterns": [{"regex": "^import lightning", "min_count": 0, "max_count": 0}],
}


def presence(files: int, pattern: int) -> Evidence:
    return Evidence(
        presence=PresenceEvidence(
            files={"docker": (RuleEvidence(count=files, locations=("Dockerfile",) * files),)},
            patterns={"docker": (RuleEvidence(count=pattern, locations=("a.py:3",) * pattern),)},
        )
    )


def test_presence_pass_and_each_failure() -> None:
    ok = one(PRESENCE, evidence=presence(1, 0))
    assert ok.status is PASS
    assert ok.evidence == ["Dockerfile"]
    missing = one(PRESENCE, evidence=presence(0, 0))
    assert missing.status is FAIL
    assert "0 file(s) match 'Dockerfile', needs 1" in missing.reason
    forbidden = one(PRESENCE, evidence=presence(1, 2))
    assert forbidden.status is FAIL
    assert "allows at most 0" in forbidden.reason
    assert "a.py:3" in forbidden.evidence


def test_presence_without_evidence_is_undecided() -> None:
    assert one(PRESENCE).status is UNDECIDED


JUDGEMENT = {"id": "structure", "kind": "judgement", "pass_level": 3}


def test_judgement_scored_unscored_and_out_of_range() -> None:
    def scored(level: int) -> Evidence:
        score = JudgementScore(level=level, justification="Clear modules.", citations=("a.py:1",))
        return Evidence(judgements={"structure": score})

    good = one(JUDGEMENT, evidence=scored(3))
    assert (good.status, good.level, good.pass_level) == (PASS, 3, 3)
    assert good.evidence == ["Clear modules.", "a.py:1"]
    assert one(JUDGEMENT, evidence=scored(2)).status is FAIL
    assert one(JUDGEMENT).status is UNDECIDED
    assert one(JUDGEMENT, evidence=scored(7)).status is UNDECIDED


def test_mentor_criterion_ignores_llm_scores() -> None:
    evidence = Evidence(judgements={"talk": JudgementScore(level=4)})
    result = one({"id": "talk", "kind": "mentor"}, evidence=evidence)
    assert result.status is UNDECIDED
    assert result.trust is Trust.MENTOR


def _override(cid: str, level: int, by: str = "Ada") -> Override:
    return Override(criterion=cid, level=level, note="seen in the demo", by=by, at=AT)


def test_override_keeps_the_original_and_uses_one_scale() -> None:
    failed = one(metric("t", "tests.passed >= 20"), check("tests", passed=3))
    passed = apply_override(failed, _override("t", 2))
    assert (passed.status, passed.level, passed.trust) == (PASS, 2, Trust.MENTOR)
    assert passed.reason == "mentor Ada: seen in the demo"
    assert passed.original == failed.outcome()
    again = apply_override(passed, _override("t", 1, by="Bob"))
    assert again.status is FAIL
    assert again.original == failed.outcome()
    judged = one(JUDGEMENT)
    assert apply_override(judged, _override("structure", 2)).status is FAIL  # pass_level 3


def test_latest_override_wins_and_unknown_ids_are_ignored() -> None:
    results = evaluate_criteria(rubric(JUDGEMENT), [], Evidence())
    out = apply_overrides(results, [_override("structure", 4), _override("ghost", 0),
                                    _override("structure", 0)])  # fmt: skip
    assert out[0].level == 0
    assert out[0].status is FAIL


def _results(*statuses: tuple[str, bool, CriterionStatus]) -> list:  # type: ignore[type-arg]
    base = one(metric("x", "tests.passed >= 1"), check("tests", passed=1))
    return [
        base.model_copy(update={"id": cid, "must_pass": must, "status": status})
        for cid, must, status in statuses
    ]


def test_verdicts() -> None:
    ready = decide(_results(("a", True, PASS), ("b", False, PASS)), min_score=0.5)
    assert ready.verdict is GraduationVerdict.READY
    assert ready.score == 1.0
    blocked = decide(_results(("a", True, FAIL), ("b", True, UNDECIDED)), min_score=0.5)
    assert blocked.verdict is GraduationVerdict.NOT_YET
    assert (blocked.failing, blocked.undecided) == (["a"], ["b"])
    mentor = decide(_results(("a", True, PASS), ("b", False, UNDECIDED)), min_score=0.5)
    assert mentor.verdict is GraduationVerdict.NEEDS_MENTOR
    low = decide(_results(("a", True, PASS), ("b", False, FAIL), ("c", False, PASS)), min_score=0.6)
    assert (low.verdict, low.score, low.failing) == (GraduationVerdict.NOT_YET, 0.5, ["b"])


def test_weighted_score_uses_levels_and_weights() -> None:
    scored = one(JUDGEMENT, evidence=Evidence(judgements={"structure": JudgementScore(level=3)}))
    weighted = [
        scored.model_copy(update={"must_pass": False, "weight": 3.0}),
        *_results(("b", False, FAIL)),
        *_results(("c", True, FAIL)),
    ]
    assert weighted_score(weighted) == round((3 * 0.75 + 1 * 0) / 4, 4)
    assert weighted_score(_results(("a", True, PASS))) is None


def test_apply_rubric_and_record_override_round_trip() -> None:
    r = rubric(
        metric("twenty", "tests.passed >= 20", next_step="Write more tests."),
        {"id": "structure", "kind": "judgement", "must_pass": False},
        min_score=0.5,
    )
    decided = apply_rubric(report(check("tests", passed=25)), r)
    assert decided.rubric is not None
    assert decided.rubric.id == "t-rubric"
    assert decided.decision is not None
    assert decided.decision.verdict is GraduationVerdict.NEEDS_MENTOR
    overridden = record_override(decided, _override("structure", 3))
    assert overridden.decision is not None
    assert overridden.decision.verdict is GraduationVerdict.READY
    assert overridden.criteria[1].original is not None
    assert overridden.criteria[1].original.status is UNDECIDED
    # Re-evaluating with the rubric keeps the recorded mentor decision.
    again = apply_rubric(overridden, r)
    assert again.criteria[1].status is PASS
    assert again.criteria[1].trust is Trust.MENTOR


def _weighted(*rows: tuple[str, float, CriterionStatus]) -> list:  # type: ignore[type-arg]
    base = one(metric("x", "tests.passed >= 1"), check("tests", passed=1))
    return [
        base.model_copy(update={"id": cid, "must_pass": False, "weight": w, "status": status})
        for cid, w, status in rows
    ]


def test_a_score_that_cannot_reach_min_score_is_not_yet_even_with_criteria_undecided() -> None:
    # 1 of 4 weight failed, 3 undecided: full marks on the rest still reach 0.75 >= 0.6.
    open_ = decide(_weighted(("a", 1, FAIL), ("b", 3, UNDECIDED)), min_score=0.6)
    assert (open_.verdict, open_.score, open_.reachable) == (
        GraduationVerdict.NEEDS_MENTOR, 0.0, 0.75,
    )  # fmt: skip
    # 3 of 4 weight failed: even full marks on the undecided one reach only 0.25 < 0.6.
    hopeless = decide(_weighted(("a", 3, FAIL), ("b", 1, UNDECIDED)), min_score=0.6)
    assert (hopeless.verdict, hopeless.reachable) == (GraduationVerdict.NOT_YET, 0.25)
    assert hopeless.undecided == ["b"]
    exact = decide(_weighted(("a", 2, FAIL), ("b", 3, UNDECIDED)), min_score=0.6)
    assert exact.verdict is GraduationVerdict.NEEDS_MENTOR  # 0.6 reachable: not ruled out


def test_a_proposal_stays_undecided_with_the_model_level_kept() -> None:
    score = JudgementScore(level=4, justification="Great.", proposal_only="samples disagree")
    result = one(JUDGEMENT, evidence=Evidence(judgements={"structure": score}))
    assert result.status is UNDECIDED
    assert result.level is None
    assert result.llm_level == 4
    assert "proposes level 4/4" in result.reason
    assert "samples disagree" in result.reason
    unscored = one(JUDGEMENT, evidence=Evidence(unscored="the LLM review did not run (no model)"))
    assert unscored.reason == "not scored: the LLM review did not run (no model); a mentor decides"


def test_a_mentor_override_of_an_llm_level_keeps_both_levels() -> None:
    llm = one(JUDGEMENT, evidence=Evidence(judgements={"structure": JudgementScore(level=4)}))
    assert (llm.status, llm.trust, llm.llm_level) == (PASS, Trust.LLM, 4)
    mentor = apply_override(llm, _override("structure", 1))
    assert (mentor.level, mentor.llm_level, mentor.trust) == (1, 4, Trust.MENTOR)
    assert mentor.original is not None
    assert (mentor.original.level, mentor.original.trust) == (4, Trust.LLM)


def test_the_review_never_passes_a_failed_must_pass_criterion() -> None:
    r = rubric(
        metric("twenty", "tests.passed >= 20"),
        {"id": "structure", "kind": "judgement", "must_pass": False},
        min_score=0.5,
    )
    top = Evidence(
        judgements={"structure": JudgementScore(level=4), "twenty": JudgementScore(level=4)}
    )
    decided = apply_rubric(report(check("tests", passed=3)), r, top)
    assert decided.decision is not None
    assert decided.decision.verdict is GraduationVerdict.NOT_YET
    assert decided.criteria[0].status is FAIL
    assert decided.criteria[0].llm_level is None  # only judgement criteria take LLM levels


def test_redecide_judgements_keeps_other_results_and_overrides() -> None:
    r = rubric(
        metric("twenty", "tests.passed >= 20"),
        {"id": "structure", "kind": "judgement", "must_pass": False},
        {"id": "tests", "kind": "judgement", "must_pass": False},
        min_score=0.5,
    )
    decided = record_override(apply_rubric(report(check("tests", passed=25)), r),
                              _override("tests", 3))  # fmt: skip
    scores = {"structure": JudgementScore(level=2), "tests": JudgementScore(level=0)}
    again = redecide_judgements(decided, r, Evidence(judgements=scores))
    assert [c.status for c in again.criteria] == [PASS, PASS, PASS]
    assert (again.criteria[2].level, again.criteria[2].llm_level) == (3, 0)  # mentor wins
    assert again.criteria[0] == decided.criteria[0]
    assert again.decision is not None
    assert again.decision.verdict is GraduationVerdict.READY
