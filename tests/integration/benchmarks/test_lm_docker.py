"""lm-perplexity end to end: an honest byte-level model passes; each cheat is caught."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.runner import run_benchmark
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import load_manifest
from evaluator.model.report import CheckResult, Status
from evaluator.sandbox.engine import DockerEngine
from tests.integration.benchmarks.conftest import learner

pytestmark = [pytest.mark.docker, pytest.mark.slow]

WORDS = [
    "the",
    "a",
    "model",
    "learns",
    "to",
    "predict",
    "next",
    "token",
    "from",
    "context",
    "with",
    "attention",
    "and",
    "data",
]

MANIFEST = """\
capstone: 4.1-small-gpt
benchmark:
  encode: lm:encode
  logprobs: lm:logprobs
  vocab_size: lm:VOCAB_SIZE
"""

# A byte-level bigram model: causal by construction (position t sees only token t).
BIGRAM = """\
import sys
import numpy as np

VOCAB_SIZE = 256
WORDS = {words!r}
rng = np.random.default_rng(1)
train = " ".join(rng.choice(WORDS, size=4000)).encode()
counts = np.ones((256, 256))
np.add.at(counts, (np.frombuffer(train, np.uint8)[:-1], np.frombuffer(train, np.uint8)[1:]), 1)
LOGP = np.log(counts / counts.sum(axis=1, keepdims=True))


def encode(text):
    return list(text.encode("utf-8"))


def honest(tokens):
    return LOGP[tokens]


def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))
"""

CHEATS = {
    "honest": "def logprobs(tokens):\n    return honest(tokens)\n",
    # Looks at the next token and moves probability onto it (still normalised).
    "peeks": (
        "def logprobs(tokens):\n"
        "    scores = honest(tokens).copy()\n"
        "    b = np.arange(tokens.shape[0])[:, None]\n"
        "    t = np.arange(tokens.shape[1] - 1)[None, :]\n"
        "    scores[b, t, tokens[:, 1:]] += 5.0\n"
        "    return log_softmax(scores)\n"
    ),
    # Raw scores of zero: log-prob 0 everywhere, perplexity 1 if nobody checks.
    "unnormalised": "def logprobs(tokens):\n    return np.zeros(tokens.shape + (256,))\n",
    # Reports better true-token log-probs in pass 1 than its real distribution gives.
    "inconsistent": (
        "def logprobs(tokens):\n"
        "    out = honest(tokens).copy()\n"
        "    if 'pass1' in sys.argv:\n"
        "        b = np.arange(tokens.shape[0])[:, None]\n"
        "        t = np.arange(tokens.shape[1] - 1)[None, :]\n"
        "        out[b, t, tokens[:, 1:]] = np.log(0.9)\n"
        "    return out\n"
    ),
}


@pytest.fixture
def lm_data(bench_config: EvaluatorConfig, tmp_path: Path) -> EvaluatorConfig:
    rng = np.random.default_rng(7)
    docs = [" ".join(rng.choice(WORDS, size=60)) for _ in range(12)]
    source = tmp_path / "heldout.txt"
    source.write_text("\n\n".join(docs))
    import_dataset("lm-perplexity", source, bench_config.data_dir)
    return bench_config


def run(engine: DockerEngine, config: EvaluatorConfig, root: Path, cheat: str) -> CheckResult:
    repo = learner(
        root,
        {"capstone.yaml": MANIFEST, "lm.py": BIGRAM.format(words=WORDS) + CHEATS[cheat]},
    )
    definition = load_definition("lm-perplexity")
    definition = definition.model_copy(update={"time_budget_s": 60.0})
    manifest = load_manifest(repo).manifest
    return run_benchmark(engine, config.sandbox_image, repo, manifest, definition, config)


def test_honest_model_gets_audited_perplexity(
    bench_engine: DockerEngine, lm_data: EvaluatorConfig, tmp_path: Path
) -> None:
    result = run(bench_engine, lm_data, tmp_path / "repo", "honest")
    assert result.status is Status.PASS, result.summary
    perplexity = float(result.metrics["perplexity"])  # type: ignore[arg-type]
    assert 1.5 < perplexity < 20
    bpc = float(result.metrics["bits_per_char"])  # type: ignore[arg-type]
    assert bpc == pytest.approx(np.log2(perplexity), rel=0.02)  # one byte per character
    assert float(result.metrics["audit_causality_max"]) < 1e-9  # type: ignore[arg-type]
    assert result.details["audit"]["positions"]


@pytest.mark.parametrize(
    ("cheat", "words"),
    [
        ("peeks", "future tokens"),
        ("unnormalised", "not normalised"),
        ("inconsistent", "disagree"),
    ],
)
def test_cheating_models_fail_the_audit(
    bench_engine: DockerEngine, lm_data: EvaluatorConfig, tmp_path: Path, cheat: str, words: str
) -> None:
    result = run(bench_engine, lm_data, tmp_path / "repo", cheat)
    assert result.status is Status.FAIL, result.summary
    assert result.details["failure"] == "audit"
    assert words in result.summary
    assert "perplexity" not in result.metrics  # an unaudited number never reaches a rubric
