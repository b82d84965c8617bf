"""Text classification (capstone 3.3) end to end on hidden labelled texts made by the test."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.config import EvaluatorConfig
from evaluator.model.report import Status
from evaluator.sandbox.engine import DockerEngine
from tests.integration.benchmarks.conftest import bench_run, learner

pytestmark = pytest.mark.docker

POSITIVE = ["great", "wonderful", "loved", "excellent", "superb"]
NEGATIVE = ["awful", "boring", "hated", "terrible", "dull"]
FILLER = ["the", "film", "plot", "actors", "story", "was", "and", "it"]

# A keyword classifier: label names sort as negative=0, positive=1.
KEYWORDS = f"""\
import numpy as np

POSITIVE = set({POSITIVE!r})


def predict(texts):
    return np.array([int(bool(POSITIVE & set(t.split()))) for t in texts])
"""


def write_reviews(path: Path, n: int = 80) -> None:
    rng = np.random.default_rng(5)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for i in range(n):
            positive = i % 2 == 0
            words = [*rng.choice(FILLER, size=6), rng.choice(POSITIVE if positive else NEGATIVE)]
            rng.shuffle(words)
            writer.writerow([" ".join(words), "positive" if positive else "negative"])


def test_keyword_classifier_scores_f1_and_accuracy(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    source = tmp_path / "reviews.csv"
    write_reviews(source)
    imported = import_dataset("text-classification", source, bench_config.data_dir)
    assert imported.count == 80
    repo = learner(
        tmp_path / "repo",
        {
            "capstone.yaml": 'capstone: 3.3-transformer\nbenchmark: {predict: "clf:predict"}\n',
            "clf.py": KEYWORDS,
        },
    )
    result = bench_run(bench_engine, bench_config, repo, "text-classification")
    assert result.status is Status.PASS, result.summary
    assert result.metrics["f1"] == pytest.approx(1.0)
    assert result.metrics["accuracy"] == pytest.approx(1.0)
    assert result.metrics["n"] == 80
