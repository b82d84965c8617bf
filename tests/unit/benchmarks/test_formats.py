"""Parsers of MNIST IDX, mnist.pkl.gz and CIFAR batches, and the safe unpickler."""

from __future__ import annotations

import gzip
import os
import pickle

import numpy as np
import pytest

from evaluator.benchmarks.data.formats import (
    FormatError,
    encode_idx,
    parse_cifar_batch,
    parse_idx,
    parse_mnist_pickle,
    safe_unpickle,
)


def test_idx_round_trip_plain_and_gzipped() -> None:
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    raw = encode_idx(images)
    assert raw[:4] == bytes([0, 0, 8, 3])
    assert np.array_equal(parse_idx(raw), images)
    assert np.array_equal(parse_idx(gzip.compress(raw)), images)


def test_idx_big_endian_int32() -> None:
    body = np.array([1, -2, 70000], dtype=">i4").tobytes()
    raw = bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + body
    assert parse_idx(raw).tolist() == [1, -2, 70000]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x01\x00\x08\x01", "two zero bytes"),
        (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 0]), "unknown IDX element type"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]), "promises 5"),
        (bytes([0, 0, 8, 2, 0]), "truncated"),
    ],
)
def test_idx_errors(raw: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_idx(raw)


def _cifar_bytes(images: np.ndarray, labels: list[int], key: bytes) -> bytes:
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), -1)
    return pickle.dumps({b"batch_label": b"testing batch", key: labels, b"data": rows})


def test_cifar_batch_planes_become_hwc() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(5, 32, 32, 3), dtype=np.uint8)
    parsed, labels = parse_cifar_batch(_cifar_bytes(images, [1, 2, 3, 4, 5], b"labels"), "labels")
    assert parsed.shape == (5, 32, 32, 3)
    assert np.array_equal(parsed, images)
    assert labels.tolist() == [1, 2, 3, 4, 5]
    # Red plane first: pixel (0, 0) red is byte 0 of the row, green byte 1024.
    row = images.transpose(0, 3, 1, 2).reshape(5, -1)
    assert parsed[0, 0, 0, 1] == row[0, 1024]


def test_cifar_batch_needs_its_label_key() -> None:
    images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    with pytest.raises(FormatError, match="fine_labels"):
        parse_cifar_batch(_cifar_bytes(images, [0, 1], b"labels"), "fine_labels")


def test_mnist_pickle_restores_bytes() -> None:
    pixels = np.arange(784 * 2, dtype=np.int64).reshape(2, 784) % 256
    split = (pixels.astype(np.float32) / 256, np.array([3, 4]))
    data = gzip.compress(pickle.dumps((split, split, split)))
    images, labels = parse_mnist_pickle(data)
    assert images.dtype == np.uint8 and images.shape == (2, 28, 28)
    assert np.array_equal(images.reshape(2, -1), pixels)
    assert labels.tolist() == [3, 4]


class _Evil:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("echo pwned",))


def test_safe_unpickle_refuses_code() -> None:
    with pytest.raises(FormatError, match="only numpy data"):
        safe_unpickle(pickle.dumps(_Evil()))
    assert safe_unpickle(pickle.dumps({"a": [1, 2]})) == {"a": [1, 2]}
