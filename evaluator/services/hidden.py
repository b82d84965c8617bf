"""Service probes on a benchmark's hidden inputs: the inputs go to the service in the
sandbox, the labels stay on the host, where the answers are scored like any benchmark's.

Protocol: ``POST <path>`` with ``{"inputs": [...]}`` (texts, or images as nested
lists of integers, perturbed per evaluation when the data set is public), answered
``{"predictions": [...]}`` (or a bare list): class ids, or one list of scores per input.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.classification import sandbox_inputs
from evaluator.benchmarks.data.store import load_hidden
from evaluator.benchmarks.definition import BenchmarkDefinition, load_definition
from evaluator.benchmarks.scoring.metrics import score
from evaluator.benchmarks.scoring.validate import InvalidPredictions, validate_classification
from evaluator.config import EvaluatorConfig
from evaluator.documents import DocumentError, parse_json
from evaluator.errors import ConfigError
from evaluator.model.report import MetricValue
from evaluator.services.probes import Probe


@dataclass(frozen=True, kw_only=True)
class HiddenInputs:
    """What a benchmark probe sends (``inputs``) and what only the host holds (``labels``)."""

    definition: BenchmarkDefinition
    inputs: list[Any]
    labels: NDArray[Any]
    num_classes: int


def load_inputs(probe: Probe, config: EvaluatorConfig) -> HiddenInputs | str:
    """The first ``probe.examples`` hidden examples, or what the operator must do first."""
    try:
        definition = load_definition(str(probe.benchmark))
        hidden = load_hidden(definition, config.data_dir)
    except ConfigError as exc:
        return f"{exc.message}" + (f" ({exc.hint})" if exc.hint else "")
    if hidden.table is not None:
        return f"benchmark {definition.name} holds a table; service probes send texts or images"
    public = definition.public_data
    seed = secrets.randbits(63) if public is None or public.seed is None else public.seed
    shown = sandbox_inputs(hidden, amplitude=public.amplitude if public else None, seed=seed)
    count = min(probe.examples, len(hidden))
    inputs = (
        shown["texts"][:count] if isinstance(shown, dict) else np.asarray(shown)[:count].tolist()
    )
    labels = np.asarray(hidden.labels)[:count]
    classes = (
        definition.num_classes or len(hidden.classes) or int(np.asarray(hidden.labels).max()) + 1
    )
    return HiddenInputs(definition=definition, inputs=inputs, labels=labels, num_classes=classes)


def _predictions(body: str | None) -> list[Any]:
    try:
        answer = parse_json(body or "")
    except DocumentError:
        raise InvalidPredictions("an answer is not JSON") from None
    if isinstance(answer, dict):
        answer = answer.get("predictions")
    if not isinstance(answer, list):
        raise InvalidPredictions('an answer is neither {"predictions": [...]} nor a list')
    return answer


def score_answers(
    probe_id: str, hidden: HiddenInputs, bodies: Sequence[str | None]
) -> tuple[dict[str, MetricValue], str | None]:
    """The benchmark's metric (and accuracy) on the service's answers, or why they are unusable."""
    try:
        raw = np.asarray([p for body in bodies for p in _predictions(body)])
        valid = validate_classification(raw, n=len(hidden.labels), num_classes=hidden.num_classes)
    except (InvalidPredictions, ValueError) as exc:
        return {}, f"predictions rejected: {exc}"
    metric = hidden.definition.metric
    predicted = valid.scores if metric == "auc" and valid.scores is not None else valid.classes
    metrics: dict[str, MetricValue] = {
        f"{probe_id}_{metric}": round(score(metric, hidden.labels, predicted), 6),
        f"{probe_id}_accuracy": round(score("accuracy", hidden.labels, valid.classes), 6),
        f"{probe_id}_n": len(hidden.labels),
        f"{probe_id}_benchmark": hidden.definition.name,
    }
    return metrics, None
