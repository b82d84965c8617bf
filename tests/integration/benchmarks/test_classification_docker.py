"""Classification benchmarks end to end: real sandbox, real data, hostile learners."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.runner import gpu_runtime
from evaluator.config import EvaluatorConfig
from evaluator.errors import UsageError
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine
from tests.integration.benchmarks.conftest import REPO_ROOT, bench_run, learner
from tests.unit.benchmarks.test_definitions_import import mnist_pkl

pytestmark = pytest.mark.docker

MANIFEST = 'capstone: 2.1-ml-pipeline\nbenchmark: {predict: "model:predict"}\n'
DIGITS_MODEL = """\
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

bunch = load_digits()
x, _, y, _ = train_test_split(
    bunch.images.astype(np.uint8), bunch.target, test_size=0.3, random_state=0,
    stratify=bunch.target,
)
model = LogisticRegression(max_iter=3000).fit(x.reshape(len(x), -1) / 16.0, y)


def predict(images):
    return model.predict_proba(images.reshape(len(images), -1) / 16.0)
"""


def run(
    engine: DockerEngine,
    config: EvaluatorConfig,
    repo: Path,
    name: str = "digits",
    **overrides: object,
) -> CheckResult:
    return bench_run(engine, config, repo, name, **overrides)


def test_digits_scores_on_the_host(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = learner(tmp_path / "repo", {"capstone.yaml": MANIFEST, "model.py": DIGITS_MODEL})
    result = run(bench_engine, bench_config, repo)
    assert result.status is Status.PASS, result.summary
    assert result.metrics["benchmark"] == "digits"
    assert result.metrics["n"] == 540
    assert float(result.metrics["accuracy"]) > 0.9  # type: ignore[arg-type]
    record = result.details["reproducibility"]
    assert record["image_id"].startswith("sha256:")
    assert record["harness"]["sha256"] and record["data_files"]
    # A stricter rubric threshold turns the same predictions into a fail.
    strict = bench_run(bench_engine, bench_config, repo, "digits", threshold=0.999)
    assert strict.status is Status.FAIL and strict.details["failure"] == "below-threshold"


@pytest.mark.slow
def test_example_mnist_capstone_on_real_mnist(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig
) -> None:
    import_dataset("mnist", mnist_pkl(), bench_config.data_dir)
    repo = REPO_ROOT / "examples" / "mnist-mlp"
    result = run(bench_engine, bench_config, repo, "mnist")
    assert result.status is Status.PASS, result.summary
    assert float(result.metrics["accuracy"]) >= 0.97  # type: ignore[arg-type]
    assert result.metrics["n"] == 10_000


SEARCHER = """\
import os
import numpy as np

def predict(images):
    # Look everywhere for anything that could hold the hidden labels.
    found = []
    for top in ("/bench", "/workspace", "/tmp", "/results", "/home", "/root", "/opt", "/srv"):
        for root, dirs, files in os.walk(top):
            for name in files:
                if name.endswith((".npz", ".json", ".csv")) or "label" in name:
                    found.append(os.path.join(root, name))
    labels = None
    for path in found:
        try:
            if path.endswith(".npz"):
                labels = np.load(path)["labels"]
        except Exception:
            pass
    print("searched, found:", found)
    if labels is not None and len(labels) >= len(images):
        return labels[: len(images)]
    return np.zeros(len(images), dtype=np.int64)
"""


def test_label_search_finds_nothing(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = learner(tmp_path / "repo", {"capstone.yaml": MANIFEST, "model.py": SEARCHER})
    result = run(bench_engine, bench_config, repo)
    # All-zero answers: about one digit in ten is right, so no labels were found.
    assert result.status is Status.FAIL
    assert float(result.metrics["accuracy"]) < 0.2  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "failure", "status", "words"),
    [
        (
            "def predict(images):\n    return np.zeros((len(images), 7))\n",
            "invalid-predictions",
            Status.FAIL,
            "7 columns",
        ),
        (
            "def predict(images):\n    return np.zeros(3)\n",
            "invalid-predictions",
            Status.FAIL,
            "shape (3,)",
        ),
        (
            "def predict(images):\n    raise RuntimeError('model file missing')\n",
            "exception",
            Status.ERROR,
            "RuntimeError: model file missing",
        ),
        (
            "def predict(images):\n    import time\n    time.sleep(60)\n",
            "timeout",
            Status.ERROR,
            "time budget of 4 s",
        ),
        (
            "def predict(images):\n    blocks = [np.ones(2**27) for _ in range(8)]\n"
            "    return blocks\n",
            "oom",
            Status.ERROR,
            "memory",
        ),
    ],
    ids=["wrong-columns", "wrong-count", "exception", "timeout", "oom"],
)
def test_hostile_or_broken_predict_is_a_failed_check(
    bench_engine: DockerEngine,
    bench_config: EvaluatorConfig,
    tmp_path: Path,
    body: str,
    failure: str,
    status: Status,
    words: str,
) -> None:
    repo = learner(
        tmp_path / "repo", {"capstone.yaml": MANIFEST, "model.py": f"import numpy as np\n{body}"}
    )
    result = run(bench_engine, bench_config, repo, time_budget_s=4.0, memory_mb=256)
    assert result.status is status, result.summary
    assert result.details["failure"] == failure
    assert words in result.summary


def test_missing_entry_point_is_a_failed_check(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    repo = learner(tmp_path / "repo", {"capstone.yaml": "capstone: 2.1-ml-pipeline\n"})
    result = run(bench_engine, bench_config, repo)
    assert result.status is Status.FAIL
    assert result.details["failure"] == "no-entry-point"
    assert "benchmark:" in result.details["example"]


def test_gpus_without_a_gpu_runtime_is_a_clear_error(
    bench_engine: DockerEngine, bench_config: EvaluatorConfig, tmp_path: Path
) -> None:
    if gpu_runtime(bench_engine):
        pytest.skip("this engine has a GPU runtime")
    repo = learner(tmp_path / "repo", {"capstone.yaml": MANIFEST, "model.py": DIGITS_MODEL})
    with pytest.raises(UsageError, match="no GPU runtime") as caught:
        bench_run(bench_engine, bench_config, repo, "digits", gpus=True)
    assert "NVIDIA Container Toolkit" in str(caught.value.hint)
