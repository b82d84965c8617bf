"""Hidden data sets: where they live, how they are stored, how they are loaded.

Stored format (written by ``capstone-eval data import``): one folder per
benchmark in the data directory holding ``test.npz`` (``inputs`` and ``labels``
arrays, no pickles), ``test.json`` (texts and labels) or ``table.json`` (the
feature columns as CSV text, the labels and the class names), plus
``meta.json`` that records where the data came from, whether it was verified,
and settings stored with the data (a language model's bits-per-byte limit).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.definition import BenchmarkDefinition, file_sha256
from evaluator.errors import ConfigError

ARRAY_FILE = "test.npz"
TEXT_FILE = "test.json"
TABLE_FILE = "table.json"
META_FILE = "meta.json"


@dataclass(frozen=True, kw_only=True)
class HiddenSet:
    """Inputs the learner sees (in the sandbox) and labels only the host holds."""

    inputs: NDArray[Any] | None = None
    texts: tuple[str, ...] | None = None
    table: str | None = None
    """CSV text of the feature columns (tables); the target column is not in it."""
    labels: NDArray[Any]
    classes: tuple[str, ...] = ()
    """Class names in class-id order, where the data names them (tables)."""
    file_hashes: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each stored file (or of the decoded content for bundled data)."""
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    """The import record (``meta.json``)."""

    def __len__(self) -> int:
        return len(self.texts) if self.texts is not None else len(self.labels)


def content_sha256(*arrays: NDArray[Any]) -> str:
    """SHA-256 over the raw bytes of arrays (format-independent content hash)."""
    digest = hashlib.sha256()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()


def digits_split(seed: int = 0) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]]:
    """scikit-learn's 8x8 digits split 70/30 (stratified, fixed seed): train and held-out.

    The images are uint8 in 0..16, shape (N, 8, 8). Learners can reproduce the
    training part with the same call; the held-out part is the benchmark.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    images = bunch.images.astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=0.3, random_state=seed, stratify=labels
    )
    return x_train, y_train, x_test, y_test


def save_arrays(
    folder: Path, inputs: NDArray[Any], labels: NDArray[Any], meta: dict[str, Any]
) -> Path:
    """Write ``test.npz`` and ``meta.json`` into ``folder``; returns the npz path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ARRAY_FILE
    tmp = folder / f".{ARRAY_FILE}.tmp.npz"
    np.savez(tmp, inputs=inputs, labels=labels.astype(np.int64))
    tmp.replace(path)  # atomic: a half-written data set is never picked up
    _write_meta(folder, {**meta, "files": {ARRAY_FILE: file_sha256(path)}})
    return path


def save_texts(folder: Path, texts: list[str], labels: NDArray[Any], meta: dict[str, Any]) -> Path:
    """Write ``test.json`` (texts and integer labels) and ``meta.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TEXT_FILE
    tmp = folder / f".{TEXT_FILE}.tmp"
    tmp.write_text(json.dumps({"texts": texts, "labels": labels.tolist()}), encoding="utf-8")
    tmp.replace(path)
    _write_meta(folder, {**meta, "files": {TEXT_FILE: file_sha256(path)}})
    return path


def save_table(
    folder: Path, features_csv: str, labels: NDArray[Any], classes: list[str], meta: dict[str, Any]
) -> Path:
    """Write ``table.json`` (feature CSV text, integer labels, class names) and ``meta.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TABLE_FILE
    tmp = folder / f".{TABLE_FILE}.tmp"
    payload = {"csv": features_csv, "labels": labels.tolist(), "classes": classes}
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    tmp.replace(path)
    _write_meta(folder, {**meta, "files": {TABLE_FILE: file_sha256(path)}})
    return path


def _write_meta(folder: Path, meta: dict[str, Any]) -> None:
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")


def read_meta(folder: Path) -> dict[str, Any]:
    """The import record of a stored data set ({} when absent)."""
    path = folder / META_FILE
    if not path.is_file():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def missing_data_error(definition: BenchmarkDefinition, folder: Path) -> ConfigError:
    """The error for hidden data that was never imported, with the command that imports it."""
    return ConfigError(
        f"the hidden data of benchmark {definition.name!r} is not imported (looked in {folder})",
        hint=f"run `capstone-eval data import {definition.name} PATH` with the canonical test set, "
        "or set CAPSTONE_EVAL_DATA to the data folder",
    )


def _check_pins(definition: BenchmarkDefinition, hashes: dict[str, str], folder: Path) -> None:
    for pinned in definition.data:
        actual = hashes.get(pinned.name)
        if pinned.sha256 is not None and actual != pinned.sha256:
            raise ConfigError(
                f"{folder / pinned.name} has SHA-256 {actual}, benchmark {definition.name!r} "
                f"expects {pinned.sha256}",
                hint=f"re-import the canonical data: `capstone-eval data import {definition.name} "
                "PATH`",
            )


def _stored(
    definition: BenchmarkDefinition, folder: Path, name: str
) -> tuple[Path, dict[str, str]]:
    """The stored file and its verified hashes; ConfigError when it was never imported."""
    path = folder / name
    if not path.is_file():
        raise missing_data_error(definition, folder)
    hashes = {name: file_sha256(path)}
    _check_pins(definition, hashes, folder)
    return path, hashes


def _bundled(definition: BenchmarkDefinition) -> HiddenSet:
    if definition.name != "digits":
        raise ConfigError(f"no bundled data for benchmark {definition.name!r}")
    _, _, x_test, y_test = digits_split(definition.seed)
    hashes = {"digits-test (content)": content_sha256(x_test, y_test)}
    return HiddenSet(inputs=x_test, labels=y_test, file_hashes=hashes, source="sklearn")


def _texts(definition: BenchmarkDefinition, folder: Path, meta: dict[str, Any]) -> HiddenSet:
    path, hashes = _stored(definition, folder, TEXT_FILE)
    payload = json.loads(path.read_text(encoding="utf-8"))
    return HiddenSet(
        texts=tuple(str(t) for t in payload["texts"]),
        labels=np.asarray(payload.get("labels", []), dtype=np.int64),
        file_hashes=hashes,
        source=str(meta.get("source", "unknown")),
        meta=meta,
    )


def _table(definition: BenchmarkDefinition, folder: Path, meta: dict[str, Any]) -> HiddenSet:
    path, hashes = _stored(definition, folder, TABLE_FILE)
    payload = json.loads(path.read_text(encoding="utf-8"))
    return HiddenSet(
        table=str(payload["csv"]),
        labels=np.asarray(payload["labels"], dtype=np.int64),
        classes=tuple(str(c) for c in payload["classes"]),
        file_hashes=hashes,
        source=str(meta.get("source", "unknown")),
        meta=meta,
    )


def _arrays(definition: BenchmarkDefinition, folder: Path, meta: dict[str, Any]) -> HiddenSet:
    path, hashes = _stored(definition, folder, ARRAY_FILE)
    with np.load(path, allow_pickle=False) as npz:
        inputs, labels = npz["inputs"], npz["labels"].astype(np.int64)
    expected = tuple(definition.input.shape)
    if expected and tuple(inputs.shape[1:]) != expected:
        raise ConfigError(
            f"{path} holds inputs of shape {inputs.shape[1:]}, benchmark expects {expected}",
            hint=f"re-import it with `capstone-eval data import {definition.name} PATH`",
        )
    source = str(meta.get("source", "unknown"))
    return HiddenSet(inputs=inputs, labels=labels, file_hashes=hashes, source=source, meta=meta)


def load_hidden(definition: BenchmarkDefinition, data_dir: Path) -> HiddenSet:
    """Load a benchmark's hidden set (host only), verifying pinned checksums."""
    if definition.source == "bundled":
        return _bundled(definition)
    folder = data_dir / definition.name
    meta = read_meta(folder)
    loaders = {"texts": _texts, "table": _table, "array": _arrays}
    return loaders[definition.input.kind](definition, folder, meta)
