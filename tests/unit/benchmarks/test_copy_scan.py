"""Copies of hidden data are recognised in the forms a learner would ship them, and only them."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickle
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.copies.check import scan_workspace
from evaluator.benchmarks.copies.fingerprint import image_needles, text_needles
from evaluator.benchmarks.copies.scan import Scan, scan_blob
from evaluator.benchmarks.data.formats import encode_idx, safe_unpickle
from tests.adversarial.image_sets import make_set
from tests.unit.benchmarks.test_definitions_import import mnist_pkl

IMAGES, LABELS = make_set(seed=42, count=300)
NEEDLES = image_needles(IMAGES, seed=5)


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def tar_gz(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


FORMATS = {
    "idx": encode_idx(IMAGES),
    "idx.gz": gzip.compress(encode_idx(IMAGES)),
    "idx.bz2": bz2.compress(encode_idx(IMAGES)),
    "idx.xz": lzma.compress(encode_idx(IMAGES)),
    "npy": npy(IMAGES),
    "npz": zipped("images.npy", npy(IMAGES)),
    "float32 npy (/255)": npy((IMAGES / 255).astype(np.float32)),
    "pickle protocol 4": pickle.dumps((IMAGES, LABELS), protocol=4),
    "pickle protocol 2": pickle.dumps(IMAGES, protocol=2),
    "mnist.pkl.gz style (float32 /256)": gzip.compress(
        pickle.dumps(((IMAGES / 256).astype(np.float32).reshape(300, -1), LABELS))
    ),
    "csv": "\n".join(
        f"{label}," + ",".join(map(str, image.reshape(-1)))
        for image, label in zip(IMAGES, LABELS, strict=True)
    ).encode(),
    "tar.gz of npy": tar_gz("data/test.npy", npy(IMAGES)),
    "zip in zip": zipped("inner.zip", zipped("images.npy", npy(IMAGES))),
}


def found(data: bytes) -> int:
    scan = Scan(needles=[(n.example, n.data) for n in NEEDLES], budget=1 << 30)
    scan_blob(scan, data, "file")
    return len(scan.hits.get("file", set()) | {e for k, v in scan.hits.items() for e in v})


@pytest.mark.parametrize("form", list(FORMATS))
def test_a_copy_is_recognised_in_every_common_form(form: str) -> None:
    assert found(FORMATS[form]) == 16


def test_other_images_and_broken_archives_are_not_copies() -> None:
    others, _ = make_set(seed=43, count=300)  # same classes, other examples
    assert found(encode_idx(others)) == 0
    assert found(npy((others / 255).astype(np.float32))) == 0
    assert found(b"PK\x03\x04 not really a zip" * 100) == 0
    assert found(b"\x1f\x8b not really gzip" * 100) == 0


def test_workspace_scan_names_files_and_members(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "test.npz").write_bytes(FORMATS["npz"])
    (tmp_path / "model.py").write_text("print('hello')\n" * 10)
    (tmp_path / "weights.npy").write_bytes(npy(np.random.default_rng(0).random(5000)))
    result = scan_workspace(tmp_path, NEEDLES, what="hidden mnist data")
    assert [(f.path, f.code) for f in result.findings] == [
        ("data/test.npz!images.npy", "integrity/test-set-copy")
    ]
    assert "16 of 16 sampled hidden examples" in result.findings[0].message
    assert result.files == 3


def test_a_scan_that_runs_out_of_budget_says_so(tmp_path: Path) -> None:
    (tmp_path / "big.gz").write_bytes(gzip.compress(bytes(4 << 20)))
    scan = Scan(needles=[(n.example, n.data) for n in NEEDLES], budget=1 << 20)
    scan_blob(scan, (tmp_path / "big.gz").read_bytes(), "big.gz")
    assert scan.incomplete == ["big.gz"]


def test_held_out_text_copies_are_found() -> None:
    texts = [
        f"Held-out document {i}: " + "the quick brown fox jumps " * 20 + str(i) for i in range(8)
    ]
    needles = text_needles(texts, seed=1)
    scan = Scan(needles=[(n.example, n.data) for n in needles], budget=1 << 30)
    scan_blob(scan, gzip.compress("\n".join(texts).encode()), "corpus.txt.gz")
    assert len(scan.hits["corpus.txt.gz"]) == len(needles) == 16


@pytest.mark.slow
def test_real_mnist_the_test_split_is_a_copy_and_the_training_split_is_not() -> None:
    (train_x, _), _, (test_x, test_y) = safe_unpickle(mnist_pkl().read_bytes())
    test = np.round(np.asarray(test_x) * 256).astype(np.uint8).reshape(-1, 28, 28)
    needles = image_needles(test, seed=3)
    scan = Scan(needles=[(n.example, n.data) for n in needles], budget=1 << 31)
    train = np.asarray(train_x[:10_000], dtype=np.float32)
    scan_blob(scan, npy(np.round(train * 256).astype(np.uint8)), "train.npy")
    scan_blob(scan, train.tobytes(), "train-float32")
    assert scan.hits == {}
    # The test split as mnist.pkl.gz holds it: float32 pixels of value / 256.
    as_shipped = gzip.compress(
        pickle.dumps((np.asarray(test_x, dtype=np.float32), test_y)), compresslevel=1
    )
    scan_blob(scan, as_shipped, "mnist-test.pkl.gz")
    assert len(scan.hits["mnist-test.pkl.gz"]) == 16
