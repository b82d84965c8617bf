"""The ``benchmark`` check inside a full evaluation (pipeline), against the real engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.config import EvaluatorConfig
from evaluator.intake.source import Source
from evaluator.model.report import Status, Verdict
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from tests.integration.benchmarks.conftest import REPO_ROOT, learner
from tests.unit.benchmarks.test_definitions_import import mnist_pkl

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_example_mnist_capstone_gets_a_benchmark_check(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig
) -> None:
    import_dataset("mnist", mnist_pkl(), bench_config.data_dir)
    request = EvaluationRequest(source=Source(location=str(REPO_ROOT / "examples" / "mnist-mlp")))
    report = evaluate(request, bench_config, progress=lambda _m: None, engine=bench_engine)
    assert report.verdict is Verdict.PASS, [(c.id, c.summary) for c in report.checks]
    found = report.check("benchmark")
    assert found is not None and found.status is Status.PASS
    assert float(found.metrics["accuracy"]) >= 0.97  # type: ignore[arg-type]
    record = found.details["reproducibility"]
    assert record["data_files"] and record["harness"]["sha256"] and record["wall_s"] > 0
    # The example's README states 98.33%: the claim agrees with the measurement.
    assert [c["flagged"] for c in found.details["claims"]] == [False]
    assert report.timings.phases["benchmark"] > 0
    json.dumps(report.model_dump(mode="json"))  # report.json stays serialisable


def test_hidden_data_not_imported_is_an_errored_check_with_the_command(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = learner(
        tmp_path / "repo",
        {
            "capstone.yaml": 'capstone: 3.1-mnist\nbenchmark: {predict: "model:predict"}\n',
            "model.py": "def predict(images):\n    return images.sum(axis=(1, 2)) % 10\n",
        },
    )
    request = EvaluationRequest(source=Source(location=str(repo)))
    report = evaluate(request, bench_config, progress=lambda _m: None, engine=bench_engine)
    found = report.check("benchmark")
    assert found is not None and found.status is Status.ERROR
    assert "capstone-eval data import mnist PATH" in found.summary
    assert report.verdict is Verdict.FAIL


def test_capstone_with_a_default_benchmark_but_no_entry_point_is_told_what_to_add(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = learner(
        tmp_path / "repo",
        {
            "capstone.yaml": "capstone: 2.1-ml-classification\n",
            "model.py": "def add(a, b):\n    return a + b\n",
            "tests/test_model.py": "from model import add\n\n\ndef test_add():\n"
            "    assert add(1, 2) == 3\n",
        },
    )
    request = EvaluationRequest(source=Source(location=str(repo)))
    report = evaluate(request, bench_config, progress=lambda _m: None, engine=bench_engine)
    found = report.check("benchmark")
    assert found is not None and found.status is Status.FAIL
    assert found.details["failure"] == "no-entry-point"
    assert "predict" in found.details["example"]
    criterion = next(c for c in report.criteria if c.id == "hidden-test-f1")
    assert criterion.status.value == "fail"
    assert report.decision is not None and report.decision.verdict.value == "not-yet"
    assert "hidden-test-f1" in report.decision.failing
