"""Benchmark definitions: ``benchmarks/<name>/benchmark.yaml``, validated at load time.

A definition is evaluator-owned configuration (a trust boundary for operators
who add benchmarks), so it is a pydantic model in which every field has a
description and a default where one makes sense.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from evaluator.documents import DocumentError, parse_yaml
from evaluator.errors import ConfigError
from evaluator.model.base import FrozenModel
from evaluator.paths import bundled

DEFINITION_FILE = "benchmark.yaml"
#: Helpers every harness imports; copied beside the harness for each sandbox run.
HARNESS_HELPERS = "_harness/_capstone_harness.py"


class Direction(StrEnum):
    """Whether a larger metric value is better."""

    HIGHER = "higher"
    LOWER = "lower"


class Kind(StrEnum):
    """How a benchmark is run and scored."""

    CLASSIFICATION = "classification"
    """``predict(batch) -> (N,) class ids or (N, K) scores`` on hidden inputs."""
    LANGUAGE_MODEL = "language-model"
    """Audited per-token log-probabilities on held-out text."""
    KAGGLE = "kaggle"
    """Leaderboard percentile, or a submission scored against a hidden solution."""


class InputSpec(FrozenModel):
    """What one input batch handed to the learner's ``predict`` looks like."""

    kind: Literal["array", "texts", "table"] = Field(
        default="array",
        description="'array': a numpy batch of the given shape and dtype; 'texts': a list[str]; "
        "'table': a pandas DataFrame with the hidden CSV's columns, the target removed.",
    )
    shape: tuple[int, ...] = Field(
        default=(), description="Shape of ONE example, e.g. [28, 28] or [32, 32, 3]."
    )
    dtype: str = Field(default="uint8", description="numpy dtype of the batch.")


class DataFile(FrozenModel):
    """A file of the hidden data set with its expected SHA-256 (None: not pinned)."""

    name: str = Field(description="File name inside the benchmark's data folder.")
    sha256: str | None = Field(
        default=None, description="Expected SHA-256 (hex); None for data the operator imports."
    )


class Perturbation(FrozenModel):
    """Slight per-evaluation noise on public hidden images, so an exact lookup of a copy fails."""

    amplitude: int = Field(
        default=2, ge=1, le=32, description="Largest change of one pixel value (uint8 levels)."
    )
    seed: int | None = Field(
        default=None, description="Seed of the noise; None draws a fresh one per evaluation."
    )


class Audit(FrozenModel):
    """Checks on a language model's distributions (lm-perplexity)."""

    positions: int = Field(
        default=64, ge=1, description="Positions re-checked by the audit, drawn after scoring."
    )
    tolerance: float = Field(
        default=1e-3, gt=0, description="Allowed |logsumexp| and pass-1/pass-2 difference (nats)."
    )
    seed: int | None = Field(
        default=None, description="Seed of the position sampler; None draws a fresh one per run."
    )


class Competition(FrozenModel):
    """An internal competition: ``submission.csv`` scored against a hidden solution file."""

    id_column: str = Field(default="id", description="Column that identifies each row.")
    target_column: str = Field(description="Column holding the predicted value or label.")
    solution: str = Field(
        default="solution.csv",
        description="Solution file in the benchmark's data folder (imported by the operator).",
    )


class BenchmarkDefinition(FrozenModel):
    """One benchmark: what is measured, on which data, and how well is good enough."""

    name: str = Field(description="Benchmark id, the folder name, e.g. 'mnist'.")
    title: str = Field(default="", description="Human-readable name for reports.")
    kind: Kind = Field(default=Kind.CLASSIFICATION, description="How it is run and scored.")
    metric: str = Field(
        default="accuracy",
        description="Headline metric: accuracy, f1, auc, rmse, rmsle, perplexity, percentile.",
    )
    direction: Direction = Field(default=Direction.HIGHER, description="Which way is better.")
    threshold: float = Field(description="Default pass threshold on the metric (rubrics override).")
    num_classes: int | None = Field(
        default=None, ge=2, description="Number of classes (classification)."
    )
    input: InputSpec = Field(default_factory=InputSpec, description="Input protocol.")
    demonstration: bool = Field(
        default=False,
        description="A demonstration benchmark whose held-out split is reachable from the "
        "sandbox (e.g. shipped inside a library): runnable by hand, refused in rubrics.",
    )
    public_data: Perturbation | None = Field(
        default=None,
        description="The hidden split is a public data set (MNIST, CIFAR): its inputs are "
        "perturbed per evaluation and the workspace and learner dependencies are scanned "
        "for copies of it. None: the hidden data is private to the operator.",
    )
    target_column: str = Field(
        default="label", description="Column holding the label in an imported table (CSV)."
    )
    source: Literal["bundled", "data-dir"] = Field(
        default="data-dir",
        description="'bundled': built from data shipped with the evaluator (digits); "
        "'data-dir': imported by the operator with `capstone-eval data import`.",
    )
    data: list[DataFile] = Field(default_factory=list, description="Hidden data files.")
    batch_size: int = Field(default=1000, ge=1, description="Examples per predict call.")
    time_budget_s: float = Field(
        default=300.0, gt=0, description="Wall-clock budget of one sandbox run, in seconds."
    )
    memory_mb: int | None = Field(
        default=None, ge=64, description="Memory limit of the run; None keeps the sandbox default."
    )
    harness: str = Field(
        default="_harness/predict.py",
        description="Harness script, relative to the benchmarks folder; mounted read-only.",
    )
    entry_points: list[str] = Field(
        default_factory=lambda: ["predict"],
        description="Names the learner's `benchmark:` manifest entry must provide.",
    )
    context_length: int = Field(
        default=64, ge=2, description="Tokens per window (language models)."
    )
    audit: Audit = Field(default_factory=Audit, description="Language-model audits.")
    claim_tolerance: float = Field(
        default=0.01,
        ge=0,
        description="Largest accepted gap between a claimed and the measured metric "
        "(absolute for bounded metrics, relative for perplexity and error metrics).",
    )
    seed: int = Field(default=0, description="Seed of anything random in preparation.")
    competition: Competition | None = Field(
        default=None,
        description="Kaggle kind: score a submission against a hidden solution; "
        "None reads the learner's rank from the competition leaderboard.",
    )
    directions: dict[str, Direction] = Field(
        default_factory=dict,
        description="Leaderboard metric direction per competition slug, for exports without "
        "a Rank column (default: higher is better).",
    )


def definition_json_schema() -> dict[str, Any]:
    """JSON Schema of ``benchmarks/<name>/benchmark.yaml`` (``capstone-eval schema benchmark``)."""
    return BenchmarkDefinition.model_json_schema()


def benchmarks_root() -> Path:
    """The folder holding one sub-folder per benchmark."""
    return bundled("benchmarks")


def available(root: Path | None = None) -> list[str]:
    """Names of the benchmarks that have a definition file."""
    base = root or benchmarks_root()
    return sorted(p.parent.name for p in base.glob(f"*/{DEFINITION_FILE}"))


def load_definition(name: str, root: Path | None = None) -> BenchmarkDefinition:
    """Load and validate ``<root>/<name>/benchmark.yaml``; raise :class:`ConfigError` if bad."""
    base = root or benchmarks_root()
    path = base / name / DEFINITION_FILE
    if not path.is_file():
        known = ", ".join(available(base)) or "none"
        raise ConfigError(
            f"no benchmark named {name!r} (looked for {path})", hint=f"known benchmarks: {known}"
        )
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
        definition = BenchmarkDefinition.model_validate({"name": name, **(data or {})})
    except (DocumentError, ValidationError, TypeError) as exc:
        raise ConfigError(
            f"benchmark definition {path} is invalid: {exc}",
            hint="fix the file; `capstone-eval schema benchmark` prints the schema",
        ) from None
    if definition.name != name:
        raise ConfigError(f"{path} names benchmark {definition.name!r} but lives in {name!r}")
    return definition


def harness_path(definition: BenchmarkDefinition, root: Path | None = None) -> Path:
    """The harness script of a benchmark (evaluator-owned)."""
    return (root or benchmarks_root()) / definition.harness


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
