"""Internal competitions: a learner's ``submission.csv`` scored against a hidden solution (pure).

The submission is a text file from the learner's repository: it is parsed as
CSV on the host (size-limited, nothing executed) and must name exactly the
solution's ids, once each.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.scoring.labels import is_number, label_key
from evaluator.benchmarks.scoring.metrics import score

MAX_SUBMISSION_BYTES = 64 * 1024 * 1024
#: Metrics whose submission values are class labels (compared as text).
LABEL_METRICS = frozenset({"accuracy", "f1"})


class SubmissionInvalid(ValueError):
    """The submission cannot be scored; the message says why, for the learner."""


@dataclass(frozen=True, kw_only=True)
class Table:
    """One column of values keyed by id, from a CSV file."""

    ids: list[str]
    values: list[str]


def read_table(text: str, id_column: str, target_column: str, what: str) -> Table:
    """The id and target columns of a CSV (case-insensitive headers)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    missing = [c for c in (id_column, target_column) if c.lower() not in fields]
    if missing:
        raise SubmissionInvalid(
            f"{what} lacks column(s) {', '.join(missing)}; it has {', '.join(sorted(fields))}"
        )
    id_key, value_key = fields[id_column.lower()], fields[target_column.lower()]
    ids: list[str] = []
    values: list[str] = []
    for row in reader:
        ids.append((row.get(id_key) or "").strip())
        values.append((row.get(value_key) or "").strip())
    return Table(ids=ids, values=values)


def _numbers(values: list[str], what: str) -> NDArray[Any]:
    try:
        array = np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        bad = next(v for v in values if not is_number(v))
        raise SubmissionInvalid(f"{what} holds a non-numeric value {bad[:40]!r}") from None
    if not np.isfinite(array).all():
        raise SubmissionInvalid(f"{what} holds NaN or infinite values")
    return array


def aligned(solution: Table, submission: Table) -> list[str]:
    """Submission values in the solution's id order; raise when ids do not match exactly."""
    seen: dict[str, str] = {}
    for key, value in zip(submission.ids, submission.values, strict=True):
        if key in seen:
            raise SubmissionInvalid(f"id {key[:40]!r} appears more than once in the submission")
        seen[key] = value
    missing = [k for k in solution.ids if k not in seen]
    extra = len(seen) - (len(solution.ids) - len(missing))
    if missing or extra:
        raise SubmissionInvalid(
            f"the submission has {len(seen)} ids, the solution {len(solution.ids)}: "
            f"{len(missing)} missing (e.g. {missing[:3]}), {extra} unknown"
        )
    return [seen[k] for k in solution.ids]


def score_submission(metric: str, solution: Table, submission: Table) -> float:
    """The competition metric of ``submission`` against ``solution``."""
    predicted = aligned(solution, submission)
    if metric in LABEL_METRICS:
        truth_labels = [label_key(v) for v in solution.values]
        pred_labels = [label_key(v) for v in predicted]
        classes = {c: i for i, c in enumerate(sorted(set(truth_labels) | set(pred_labels)))}
        truth = np.array([classes[v] for v in truth_labels])
        pred = np.array([classes[v] for v in pred_labels])
        return score(metric, truth, pred)
    truth_values = _numbers(solution.values, "the solution")
    pred_values = _numbers(predicted, "the submission")
    try:
        return score(metric, truth_values, pred_values)
    except ValueError as exc:
        raise SubmissionInvalid(str(exc)) from None
