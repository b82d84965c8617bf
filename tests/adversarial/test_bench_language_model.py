"""Language models through the real sandbox: each known cheat fails, honest small models
land where they should (a byte bigram below the bar, a tiny byte-level GPT above it)."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from evaluator.benchmarks.data.importer import ImportOptions, import_dataset
from evaluator.config import EvaluatorConfig, load_config
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.spec import RunSpec
from tests.adversarial import lm_learners as lm
from tests.conftest import write_tree
from tests.integration.benchmarks.conftest import bench_run

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LIMIT = 2.2
TRAIN_STEPS = 120


@pytest.fixture(scope="module")
def lm_config(tmp_path_factory: pytest.TempPathFactory) -> EvaluatorConfig:
    """Held-out text imported with its bits-per-byte limit, in a private data folder."""
    root = tmp_path_factory.mktemp("lm-data")
    config = replace(load_config(os.environ), data_dir=root / "data")
    source = root / "heldout.txt"
    source.write_text("\n\n".join(lm.make_text(seed=7, documents=12, words=60)))
    import_dataset(
        "lm-perplexity", source, config.data_dir, options=ImportOptions(max_bits_per_byte=LIMIT)
    )
    return config


def training_text() -> str:
    return "\n".join(lm.make_text(seed=1, documents=400, words=60))


def run(engine: DockerEngine, config: EvaluatorConfig, repo: Path) -> CheckResult:
    return bench_run(engine, config, repo, "lm-perplexity", time_budget_s=120.0)


def bigram_repo(root: Path, cheat: str = "") -> Path:
    files = {"capstone.yaml": lm.MANIFEST, "lm.py": lm.BIGRAM + cheat, "train.txt": training_text()}
    return write_tree(root, files)


def number(result: CheckResult, name: str) -> float:
    value = result.metrics[name]
    assert isinstance(value, int | float), (name, result.metrics)
    return float(value)


def test_honest_byte_bigram_is_audited_but_does_not_beat_the_texts_own_bigram(
    engine: DockerEngine, lm_config: EvaluatorConfig, tmp_path: Path
) -> None:
    result = run(engine, lm_config, bigram_repo(tmp_path / "repo"))
    assert result.details.get("failure") == "below-threshold", result.summary
    assert number(result, "audit_causality_max") < 1e-9
    assert 2.0 < number(result, "bits_per_byte") < 4.0
    assert number(result, "bits_per_byte_below_bigram") < 0  # rubric 4.1 "beats-byte-bigram"
    assert number(result, "byte_perplexity") == pytest.approx(
        2 ** number(result, "bits_per_byte"), rel=1e-4
    )
    assert "byte-bigram entropy" in result.summary
    assert set(result.details["steps_s"]) == {
        "encode", "decode", "score", "audit-original", "audit-perturbed",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("source", "failure", "words"),
    [
        # Once "perplexity 2": one token per bit now costs 8 bits per byte.
        (lm.BYTES + lm.UNIFORM_BITS, "below-threshold", "does not beat"),
        # Once "perplexity 1.0": [1, 0, 0, ...] cannot give the text back.
        (lm.BYTES + lm.ONE_ZEROS, "round-trip", "decode(encode(text)) differs"),
        # A decode that changes the text is caught the same way.
        (lm.BIGRAM + lm.LOWERCASE_DECODE, "round-trip", "differs from held-out text 0"),
        # Once 1.19: the scoring step never sees the text, so the oracle is a plain bigram.
        (lm.BIGRAM + lm.ORACLE, "below-threshold", "does not beat"),
        # Once passed the audit: original and perturbed windows never meet in one process.
        (lm.BIGRAM + lm.PAIRING, "audit", "looks at future tokens"),
    ],
    ids=["uniform-bits", "one-zeros-tokenizer", "lossy-decode", "oracle", "pairing"],
)
def test_cheats_fail(
    engine: DockerEngine,
    lm_config: EvaluatorConfig,
    tmp_path: Path,
    source: str,
    failure: str,
    words: str,
) -> None:
    repo = write_tree(
        tmp_path / "repo",
        {"capstone.yaml": lm.MANIFEST, "lm.py": source, "train.txt": training_text()},
    )
    result = run(engine, lm_config, repo)
    assert result.status is Status.FAIL, result.summary
    assert result.details["failure"] == failure, result.summary
    # Every problem an audit found is a finding; the summary names the first.
    assert any(words in text for text in (result.summary, *(f.message for f in result.findings)))
    if failure == "below-threshold":
        assert number(result, "bits_per_byte_below_bigram") < 0
        assert number(result, "bits_per_byte_below_limit") < 0
    else:
        assert "bits_per_byte" not in result.metrics  # nothing unaudited reaches a rubric


@pytest.fixture(scope="module")
def gpt_repo(engine: DockerEngine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny byte-level GPT, trained for a few seconds in the sandbox on the training text."""
    root = tmp_path_factory.mktemp("gpt")
    config = load_config(os.environ)
    repo = write_tree(
        root / "repo",
        {"capstone.yaml": lm.GPT_MANIFEST, "lm.py": lm.GPT, "tok.py": lm.BYTES,
         "train.txt": training_text(), "train_gpt.py": lm.TRAIN_GPT},
    )  # fmt: skip
    spec = RunSpec(
        image=config.sandbox_image,
        command=["python", "/workspace/train_gpt.py", str(TRAIN_STEPS)],
        limits=replace(config.limits, wall_s=300),
        purpose="test-train-gpt",
    )
    outcome = engine.run(spec, workspace=repo, collect_to=root / "results")
    assert outcome.ok, outcome.stderr[-3000:]
    shutil.copyfile(root / "results" / "weights.pt", repo / "weights.pt")
    (repo / "train_gpt.py").unlink()
    return repo


def test_tiny_byte_level_gpt_passes_both_gates(
    engine: DockerEngine, lm_config: EvaluatorConfig, gpt_repo: Path
) -> None:
    result = run(engine, lm_config, gpt_repo)
    assert result.status is Status.PASS, result.summary
    assert number(result, "bits_per_byte_below_bigram") > 0
    assert number(result, "bits_per_byte_below_limit") > 0
    assert number(result, "audit_causality_max") < 1e-4
    assert number(result, "audit_normalisation_max") < 1e-3
    assert number(result, "word_perplexity") > number(result, "byte_perplexity") > 1
