"""The rubric, not capstone.yaml, chooses the benchmark; demonstration data grades no one.

Through the real sandbox and the whole pipeline: a manifest that names the digits
benchmark (whose held-out split ships inside scikit-learn, so a label lookup
scores 1.0) no longer satisfies rubric 3.1, and capstone 2.1 is measured on a
tabular split only the operator holds. The honest twins keep their grade.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.config import EvaluatorConfig, load_config
from evaluator.intake.source import Source
from evaluator.model.criteria import CriterionResult, CriterionStatus
from evaluator.model.report import Report, Status
from evaluator.pipeline import EvaluationRequest, evaluate
from evaluator.sandbox.engine import DockerEngine
from tests.adversarial import image_sets
from tests.conftest import write_tree
from tests.integration.benchmarks.conftest import bench_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]

#: Looks the labels up in scikit-learn's own copy of the digits data set.
DIGITS_LOOKUP = """\
import numpy as np
from sklearn.datasets import load_digits

_digits = load_digits()
ANSWERS = {image.astype(np.uint8).tobytes(): int(label)
           for image, label in zip(_digits.images, _digits.target)}


def predict(images):
    return np.array([ANSWERS.get(np.asarray(image).tobytes(), 0) for image in images])
"""


@pytest.fixture
def config(tmp_path: Path) -> EvaluatorConfig:
    return replace(load_config(os.environ), data_dir=tmp_path / "data")


def run_pipeline(engine: DockerEngine, config: EvaluatorConfig, repo: Path) -> Report:
    request = EvaluationRequest(source=Source(location=str(repo)))
    return evaluate(request, config, progress=lambda _message: None, engine=engine)


def criterion(report: Report, criterion_id: str) -> CriterionResult:
    return next(c for c in report.criteria if c.id == criterion_id)


def test_manifest_chosen_digits_no_longer_passes_mnist_criterion(
    engine: DockerEngine, config: EvaluatorConfig, tmp_path: Path
) -> None:
    image_sets.import_hidden(config.data_dir, tmp_path / "hidden")
    manifest = 'capstone: 3.1-mnist-mlp\nbenchmark: {name: digits, predict: "model:predict"}\n'
    repo = write_tree(tmp_path / "cheat", {"capstone.yaml": manifest, "model.py": DIGITS_LOOKUP})
    # Before: digits was what ran, and the lookup is perfect on it.
    assert bench_run(engine, config, repo, "digits").metrics["accuracy"] == 1.0
    report = run_pipeline(engine, config, repo)
    check = report.check("benchmark")
    assert check is not None and check.metrics["benchmark"] == "mnist"
    assert "benchmark-name-ignored" in [f.code for f in check.findings]
    result = criterion(report, "hidden-test-accuracy")
    assert result.status is CriterionStatus.FAIL, result.reason
    honest = write_tree(tmp_path / "honest", image_sets.honest_files())
    twin = run_pipeline(engine, config, honest)
    assert criterion(twin, "hidden-test-accuracy").status is CriterionStatus.PASS


def table(rows: int, seed: int) -> str:
    """Customers who churn: high monthly charges on short contracts, or a complaint."""
    rng = np.random.default_rng(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tenure", "monthly_charges", "contract", "complained", "label"])
    for _ in range(rows):
        tenure, charges = int(rng.integers(1, 72)), float(rng.uniform(20, 120))
        contract = str(rng.choice(["monthly", "yearly", "two-year"]))
        complained = int(rng.random() < 0.15)
        churn = complained or (contract == "monthly" and charges > 70)
        writer.writerow([tenure, f"{charges:.2f}", contract, complained, "yes" if churn else "no"])
    return out.getvalue()


CHURN_MODEL = """\
from pathlib import Path

import pandas as pd
from sklearn.compose import make_column_transformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier

_train = pd.read_csv(Path(__file__).with_name("train.csv"))
MODEL = make_pipeline(
    make_column_transformer((OneHotEncoder(), ["contract"]), remainder="passthrough"),
    DecisionTreeClassifier(random_state=0),
).fit(_train.drop(columns="label"), _train["label"])


def predict(frame):
    return MODEL.predict(frame)
"""


def test_capstone_2_1_is_measured_on_the_operators_hidden_table(
    engine: DockerEngine, config: EvaluatorConfig, tmp_path: Path
) -> None:
    hidden = tmp_path / "hidden.csv"
    hidden.write_text(table(200, seed=9))
    import_dataset("tabular-classification", hidden, config.data_dir)
    manifest = 'capstone: 2.1-ml-classification\nbenchmark: {predict: "model:predict"}\n'
    cheat = write_tree(tmp_path / "cheat", {"capstone.yaml": manifest, "model.py": DIGITS_LOOKUP})
    report = run_pipeline(engine, config, cheat)
    check = report.check("benchmark")
    assert check is not None and check.metrics["benchmark"] == "tabular-classification"
    assert check.status in (Status.FAIL, Status.ERROR)
    assert criterion(report, "hidden-test-f1").status is CriterionStatus.FAIL
    files = {"capstone.yaml": manifest, "model.py": CHURN_MODEL, "train.csv": table(600, seed=3)}
    twin = run_pipeline(engine, config, write_tree(tmp_path / "honest", files))
    result = criterion(twin, "hidden-test-f1")
    assert result.status is CriterionStatus.PASS, result.reason
