"""Importing a hidden table (CSV) for a tabular classification benchmark.

The operator keeps the programme's test split of a tabular data set (churn,
fraud, disease) and imports it once: a CSV with a header row whose target
column (``label`` unless the benchmark definition names another) holds the
class. The sandbox later receives the other columns only, exactly as they are
written in the file, so the learner's ``predict`` gets the same columns and
types as the training CSV it was built on.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from evaluator.benchmarks.data.store import save_table
from evaluator.benchmarks.scoring.labels import label_key, sorted_classes
from evaluator.errors import ConfigError, UsageError

MAX_TABLE_BYTES = 256 * 1024 * 1024
MIN_ROWS = 20


def split_target(text: str, target: str, where: str) -> tuple[str, list[str]]:
    """(CSV text of every column but ``target``, the target cells) of a CSV with a header."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise ConfigError(f"{where} is empty")
    header = [cell.strip() for cell in rows[0]]
    lowered = [cell.lower() for cell in header]
    if target.lower() not in lowered:
        raise ConfigError(
            f"{where} has no {target!r} column (columns: {', '.join(header)})",
            hint=f"name the label column {target!r}, or set target_column in the benchmark",
        )
    column = lowered.index(target.lower())
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    short = next((i + 2 for i, row in enumerate(body) if len(row) != len(header)), None)
    if short is not None:
        raise ConfigError(f"{where}: row {short} has a different number of cells than the header")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header[:column] + header[column + 1 :])
    writer.writerows(row[:column] + row[column + 1 :] for row in body)
    return out.getvalue(), [row[column] for row in body]


def import_table(name: str, path: Path, data_dir: Path, *, target: str) -> tuple[Path, int]:
    """Store a hidden CSV for a tabular benchmark; returns (stored path, rows)."""
    if not path.is_file():
        raise UsageError(f"{path} is not a CSV file")
    if path.stat().st_size > MAX_TABLE_BYTES:
        raise UsageError(f"{path} is larger than {MAX_TABLE_BYTES >> 20} MiB")
    text = path.read_text(encoding="utf-8", errors="replace")
    features, cells = split_target(text, target, str(path))
    if len(cells) < MIN_ROWS:
        raise ConfigError(f"{path} holds {len(cells)} rows; a hidden test split needs {MIN_ROWS}+")
    classes = sorted_classes(cells)
    if len(classes) < 2:
        raise ConfigError(f"{path}: every row has the same {target!r}; nothing to classify")
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index[label_key(cell)] for cell in cells], dtype=np.int64)
    meta = {"name": name, "source": str(path), "count": len(cells), "classes": classes}
    return save_table(data_dir / name, features, labels, classes, meta), len(cells)
