"""The integrity check and what its flags and operator faults mean for the decision."""

from __future__ import annotations

from evaluator.integrity.check import doubts, integrity_check
from evaluator.integrity.kinds import KINDS, finding
from evaluator.model.criteria import CriterionStatus, GraduationVerdict
from evaluator.model.report import CheckResult, Fault, Status, Verdict, decide_verdict
from evaluator.reporting.messages import LANGUAGES, messages
from evaluator.rubrics.apply import apply_rubric
from evaluator.rubrics.decision import evaluate_criteria
from evaluator.rubrics.evidence import Evidence, JudgementScore
from tests.factories import check, metric, report, rubric

PASS, FAIL, UNDECIDED = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNDECIDED

XFAIL = finding("xfail-no-reason", "tests/test_a.py", 9, "test_a is marked xfail without a reason")
PRAGMA = finding("pragma-no-cover", "pkg/mod.py", 4, "`pragma: no cover` hides these lines")
NOQA = finding("noqa", "pkg/mod.py", 2, "lint suppression comment")
INJECTION = finding("prompt-injection", "README.md", 1, "ignore previous instructions")


def test_integrity_check_counts_flags_apart_from_information() -> None:
    result = integrity_check([XFAIL, NOQA, PRAGMA])
    assert result.status is Status.FAIL
    assert result.metrics == {
        "flags": 2,
        "informational": 1,
        "noqa": 1,
        "pragma-no-cover": 1,
        "xfail-no-reason": 1,
    }
    assert [f.code for f in result.findings] == [
        "integrity/xfail-no-reason",
        "integrity/pragma-no-cover",
        "integrity/noqa",
    ]
    assert "2 finding(s) question the evidence" in result.summary
    assert "criteria on coverage, tests wait for a mentor" in result.summary
    assert "for information: 1 lint suppression" in result.summary
    assert result.details["doubts"] == {
        "coverage": ["pragma-no-cover"],
        "tests": ["xfail-no-reason"],
    }


def test_information_alone_passes_the_check() -> None:
    result = integrity_check([NOQA])
    assert result.status is Status.PASS
    assert result.summary.startswith("no findings question the evidence")


def test_a_kind_no_step_registered_is_a_flag_without_effect() -> None:
    odd = finding("brand-new", "x.py", 1, "something")
    assert integrity_check([odd]).status is Status.FAIL
    assert doubts({"integrity": integrity_check([odd])}) == {}


DECIDED = [
    metric("tests-pass", "tests.status == pass"),
    metric("twenty", "tests.passed >= 20"),
    metric("few-tests", "tests.passed >= 50"),
    metric("coverage", "coverage.percent >= 70"),
    metric("lint", "lint.violations <= 10"),
]


def _checks(*integrity: object, tests_accounts: list[str] | None = None) -> list[CheckResult]:
    tests = check("tests", passed=25, failed=0).model_copy(
        update={"accounted_for": tests_accounts or []}
    )
    return [
        tests,
        check("coverage", percent=80.0),
        check("lint", violations=0),
        integrity_check(list(integrity)),  # type: ignore[arg-type]
    ]


def test_a_flag_holds_passing_criteria_on_the_questioned_check_only() -> None:
    results = {
        r.id: r for r in evaluate_criteria(rubric(*DECIDED), _checks(XFAIL, NOQA), Evidence())
    }
    assert results["tests-pass"].status is UNDECIDED
    assert results["twenty"].status is UNDECIDED
    held = results["twenty"]
    assert held.reason.startswith("tests.passed = 25 (>= 20), but 1 integrity finding(s)")
    assert "xfail-no-reason at tests/test_a.py:9" in held.reason
    assert held.evidence[0] == "tests/test_a.py:9: test_a is marked xfail without a reason"
    assert results["few-tests"].status is FAIL  # a flag never turns a failure into anything else
    assert results["coverage"].status is PASS
    assert results["lint"].status is PASS


def test_no_flags_no_hold() -> None:
    results = evaluate_criteria(rubric(*DECIDED), _checks(NOQA), Evidence())
    assert [r.status for r in results] == [PASS, PASS, FAIL, PASS, PASS]


def test_a_check_that_corrects_for_a_kind_is_not_held_by_it() -> None:
    free = finding("assertion-free", "tests/test_a.py", 3, "test_a asserts nothing")
    held = evaluate_criteria(rubric(*DECIDED), _checks(free), Evidence())
    assert held[1].status is UNDECIDED
    corrected = evaluate_criteria(
        rubric(*DECIDED), _checks(free, tests_accounts=["assertion-free"]), Evidence()
    )
    assert corrected[1].status is PASS


def test_prompt_injection_holds_llm_scored_criteria() -> None:
    criteria = rubric({"id": "structure", "kind": "judgement"})
    evidence = Evidence(judgements={"structure": JudgementScore(level=4)})
    [result] = evaluate_criteria(criteria, [integrity_check([INJECTION])], evidence)
    assert result.status is UNDECIDED
    assert result.level == 4
    [clean] = evaluate_criteria(criteria, [], evidence)
    assert clean.status is PASS


def test_held_criteria_make_the_verdict_needs_mentor() -> None:
    decided = apply_rubric(report(*_checks(PRAGMA)), rubric(*DECIDED[:2], DECIDED[3]))
    assert decided.decision is not None
    assert decided.decision.verdict is GraduationVerdict.NEEDS_MENTOR
    assert decided.decision.undecided == ["coverage"]


def test_operator_fault_is_undecided_and_learner_fault_fails() -> None:
    crit = rubric(metric("acc", "benchmark.accuracy >= 0.97"))
    operator = CheckResult(
        id="benchmark",
        status=Status.ERROR,
        summary="the mnist data is not imported (run `capstone-eval data import mnist PATH`)",
        metrics={"benchmark": "mnist"},
        fault=Fault.OPERATOR,
    )
    [result] = evaluate_criteria(crit, [operator], Evidence())
    assert result.status is UNDECIDED
    assert "not the learner's fault" in result.reason
    assert "capstone-eval data import mnist" in result.reason
    learner = operator.model_copy(update={"fault": Fault.LEARNER, "summary": "predict crashed"})
    [failed] = evaluate_criteria(crit, [learner], Evidence())
    assert failed.status is FAIL


def test_check_verdict_with_operator_faults() -> None:
    ok = CheckResult(id="tests", status=Status.PASS, summary="")
    operator = CheckResult(id="benchmark", status=Status.ERROR, summary="", fault=Fault.OPERATOR)
    learner = CheckResult(id="lint", status=Status.FAIL, summary="")
    assert decide_verdict([ok, operator]) is Verdict.ERROR
    assert decide_verdict([ok, operator, learner]) is Verdict.FAIL
    assert decide_verdict([ok]) is Verdict.PASS


def test_every_kind_has_a_message_in_every_language() -> None:
    for lang in LANGUAGES:
        table = messages(lang).table
        assert [k for k in KINDS if f"integrity.{k}" not in table] == [], lang


def test_every_kind_the_evaluator_raises_is_registered() -> None:
    """An unregistered kind would be shown but hold no criterion: every one in use has a meaning."""
    import re

    from tests.conftest import REPO_ROOT

    used = set()
    for source in (REPO_ROOT / "evaluator").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        used |= set(re.findall(r"[\"']integrity/([a-z-]+)[\"']", text))
        used |= set(re.findall(r"\bfinding\(\s*[\"']([a-z-]+)[\"']", text))
    assert used, "the pattern found no kinds at all"
    assert used - set(KINDS) == set()
    assert KINDS["result-stream"].doubts == ("tests", "coverage")
