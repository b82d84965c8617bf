"""Claims through the real sandbox: every metric a README or results file states is compared
with the measurement, table rows included, and each overstatement is flagged with its line."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.config import load_config
from evaluator.model.report import Status
from evaluator.sandbox.engine import DockerEngine
from tests.adversarial import image_sets
from tests.conftest import write_tree
from tests.integration.benchmarks.conftest import bench_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]

#: Right on nine hidden images in ten (every tenth answer is shifted).
NINETY_PERCENT = (
    image_sets.HONEST
    + """
_centroids = predict


def predict(images):
    answers = _centroids(images)
    answers[::10] = (answers[::10] + 1) % 10
    return answers
"""
)

OVERSTATED = """\
# MNIST classifier

| model | train accuracy | test accuracy |
| --- | --- | --- |
| centroids (submitted) | 99.1% | 98.0% |
| centroids + small CNN | 100% | 99.7% |
| k-NN | 100% | 88.5% |

It is 99.6% accurate on the hidden test set.
"""

HONEST = """\
# MNIST classifier

| model | test accuracy |
| --- | --- |
| centroids (submitted) | 90.0% |
| k-NN | 88.5% |
| logistic baseline | 71% |
"""


def test_overstated_claims_in_a_table_and_in_prose_are_flagged(
    engine: DockerEngine, tmp_path: Path
) -> None:
    config = replace(load_config(os.environ), data_dir=tmp_path / "data")
    image_sets.import_hidden(config.data_dir, tmp_path / "hidden")
    files = image_sets.honest_files(readme=OVERSTATED) | {"model.py": NINETY_PERCENT}
    files["capstone.yaml"] = (
        'capstone: 3.1-mnist-mlp\nbenchmark: {predict: "model:predict", results: results.json}\n'
    )
    files["results.json"] = json.dumps({"test": {"accuracy": 0.999}, "train": {"accuracy": 1.0}})
    cheat = bench_run(engine, config, write_tree(tmp_path / "cheat", files), "mnist")
    assert cheat.status is Status.FAIL  # 90% < 97%: the claims do not change the grade
    assert cheat.metrics["accuracy"] == pytest.approx(0.9)
    claims = {(c["source"], c["line"], c["claimed"]) for c in cheat.details["claims"]}
    assert claims == {
        ("results.json", None, 0.999),
        ("README.md", 5, 0.98),
        ("README.md", 6, 0.997),
        ("README.md", 7, 0.885),
        ("README.md", 9, 0.996),
    }
    flagged = {(f.path, f.line) for f in cheat.findings if f.code == "claim-gap"}
    assert flagged == {("results.json", None), ("README.md", 5), ("README.md", 6), ("README.md", 9)}
    twin_files = image_sets.honest_files(readme=HONEST) | {"model.py": NINETY_PERCENT}
    twin = bench_run(engine, config, write_tree(tmp_path / "honest", twin_files), "mnist")
    assert twin.metrics["accuracy"] == pytest.approx(0.9)
    assert [f.code for f in twin.findings] == []
    assert [c["flagged"] for c in twin.details["claims"]] == [False, False]
