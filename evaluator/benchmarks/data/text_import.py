"""Importing held-out text: plain text for ``lm-perplexity``, labelled CSV for text classification.

- ``lm-perplexity``: a ``.txt`` file (split into documents at blank lines) or
  a folder of ``.txt`` files (one document each);
- ``text-classification``: a CSV with a ``text`` column and a ``label``
  column; labels may be names (mapped to ids in sorted order, the mapping is
  recorded) or integers.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from evaluator.benchmarks.data.store import save_texts
from evaluator.errors import ConfigError, UsageError

MIN_CHARACTERS = 1_000
_BLANK_LINES = re.compile(r"\n\s*\n")


def read_documents(path: Path) -> list[str]:
    """Documents from a text file (blank-line separated) or a folder of .txt files."""
    if path.is_dir():
        files = sorted(path.rglob("*.txt"))
        if not files:
            raise UsageError(f"no .txt files in {path}")
        docs = [f.read_text(encoding="utf-8", errors="replace").strip() for f in files]
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        docs = [d.strip() for d in _BLANK_LINES.split(text)]
    return [d for d in docs if d]


def import_texts(
    name: str, path: Path, data_dir: Path, *, verify: bool = True, max_bits_per_byte: float
) -> tuple[Path, int]:
    """Store held-out documents for a language-model benchmark with its absolute
    bits-per-byte limit; returns (path, count)."""
    docs = read_documents(path)
    characters = sum(len(d) for d in docs)
    if characters < MIN_CHARACTERS and verify:
        raise ConfigError(
            f"{path} holds only {characters} characters of text; bits per byte on so little "
            "is noise",
            hint=f"import at least {MIN_CHARACTERS} characters, or pass --no-verify",
        )
    if not 0 < max_bits_per_byte <= 8:
        raise UsageError(f"a bits-per-byte limit of {max_bits_per_byte:g} is outside (0, 8]")
    meta = {
        "name": name,
        "source": str(path),
        "documents": len(docs),
        "characters": characters,
        "bytes": sum(len(d.encode("utf-8")) for d in docs),
        "max_bits_per_byte": max_bits_per_byte,
    }
    return save_texts(data_dir / name, docs, np.zeros(0, dtype=np.int64), meta), len(docs)


def import_labelled_texts(name: str, path: Path, data_dir: Path) -> tuple[Path, int]:
    """Store a labelled CSV (``text``, ``label``) for a text-classification benchmark."""
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        reader = csv.DictReader(handle)
        fields = {f.lower(): f for f in reader.fieldnames or []}
        if "text" not in fields or "label" not in fields:
            raise ConfigError(f"{path} needs 'text' and 'label' columns; found {sorted(fields)}")
        rows = [(row[fields["text"]], row[fields["label"]].strip()) for row in reader]
    if not rows:
        raise ConfigError(f"{path} has no rows")
    raw_labels = [label for _, label in rows]
    if all(label.lstrip("-").isdigit() for label in raw_labels):
        labels = np.array([int(label) for label in raw_labels], dtype=np.int64)
        classes = [str(c) for c in sorted(set(labels.tolist()))]
    else:
        classes = sorted(set(raw_labels))
        index = {c: i for i, c in enumerate(classes)}
        labels = np.array([index[label] for label in raw_labels], dtype=np.int64)
    meta = {"name": name, "source": str(path), "count": len(rows), "classes": classes}
    return save_texts(data_dir / name, [t for t, _ in rows], labels, meta), len(rows)
