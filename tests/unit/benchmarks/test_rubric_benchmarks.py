"""A rubric names the benchmark of each benchmark criterion; only that benchmark satisfies it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import CheckResult, Status
from evaluator.rubrics.decision import evaluate_criteria
from evaluator.rubrics.evidence import Evidence
from evaluator.rubrics.loader import RubricFileError, find_rubric, load_rubric
from tests.factories import metric, rubric

CRITERION = """\
id: x
criteria:
  - id: accuracy
    kind: metric
    check: benchmark
{benchmark}    metric: accuracy
    op: ">="
    value: 0.97
"""


def write(tmp_path: Path, benchmark: str) -> Path:
    path = tmp_path / "x.yaml"
    path.write_text(CRITERION.format(benchmark=benchmark))
    return path


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("", "criteria[0]", "names its benchmark"),
        ("    benchmark: digits\n", "criteria[0].benchmark", "demonstration benchmark"),
        ("    benchmark: imagenet\n", "criteria[0].benchmark", "no benchmark named 'imagenet'"),
    ],
    ids=["unnamed", "demonstration", "unknown"],
)
def test_rubric_validation_refuses(tmp_path: Path, line: str, field: str, words: str) -> None:
    with pytest.raises(RubricFileError) as caught:
        load_rubric(write(tmp_path, line))
    problem = caught.value.problems[0]
    assert (problem.field, problem.line) == (field, 3 if not line else 6)
    assert words in problem.message


def test_benchmark_belongs_to_the_benchmark_check() -> None:
    with pytest.raises(ValidationError, match="belongs to criteria on check 'benchmark'"):
        rubric(metric("t", "tests.passed >= 1", benchmark="mnist"))


def test_shipped_rubrics_name_their_benchmarks() -> None:
    assert find_rubric("3.1").benchmarks() == ["mnist"]
    assert find_rubric("2.1").benchmarks() == ["tabular-classification"]
    assert find_rubric("4.1").benchmarks() == ["lm-perplexity"]
    assert find_rubric("1.1").benchmarks() == []


def check(check_id: str, benchmark: str, accuracy: float) -> CheckResult:
    metrics = {"benchmark": benchmark, "accuracy": accuracy}
    return CheckResult(id=check_id, status=Status.PASS, summary="", metrics=metrics)


def decide(*checks: CheckResult) -> tuple[CriterionStatus, str, str | None]:
    the_rubric = rubric(metric("acc", "benchmark.accuracy >= 0.97", benchmark="mnist"))
    [result] = evaluate_criteria(the_rubric, list(checks), Evidence())
    return result.status, result.reason, result.check


def test_a_result_from_another_benchmark_never_satisfies_the_criterion() -> None:
    status, reason, _ = decide(check("benchmark", "digits", 1.0))
    assert status is CriterionStatus.UNDECIDED
    assert "measured on benchmark mnist, but the benchmark check measured digits" in reason
    assert decide(check("benchmark", "mnist", 0.98))[0] is CriterionStatus.PASS


def test_several_benchmarks_each_satisfy_their_own_criteria() -> None:
    checks = (check("benchmark-digits", "digits", 1.0), check("benchmark-mnist", "mnist", 0.5))
    status, _, check_id = decide(*checks)
    assert (status, check_id) == (CriterionStatus.FAIL, "benchmark-mnist")
