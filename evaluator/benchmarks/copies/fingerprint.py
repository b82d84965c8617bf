"""Fingerprints of hidden data: byte strings that only a copy of it contains (pure numpy).

For a sample of hidden images, each image's "ink span" (first to last non-zero
value of its flattened pixels; the whole image when nothing is zero) is written
the ways a copy is commonly stored: raw uint8 (IDX, .npy, .npz, torch .pt,
pickles), uint8 bytes as a Python 2 pickle string re-encoded as UTF-8, float32
scaled by 1/255 and 1/256 (``mnist.pkl.gz``), float64 by 1/255, and decimal text
(CSV rows, Python lists). Colour images are also written channels-first (the
CIFAR python batches). Compressed and archived copies are unpacked by the
scanner. Copies in other forms (PNG files, base64 text, a different scaling) are
not recognised.

For held-out text, the fingerprints are substrings of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Hidden examples sampled per evaluation; two of them found byte for byte make a copy.
SAMPLE = 16
MIN_MATCHES = 2
TEXT_NEEDLE_BYTES = 64


@dataclass(frozen=True, kw_only=True)
class Needle:
    """One fingerprint: which hidden example it comes from, and the bytes."""

    example: int
    data: bytes


def _span(values: NDArray[Any]) -> NDArray[Any]:
    nonzero = np.flatnonzero(values)
    return values[nonzero[0] : nonzero[-1] + 1] if len(nonzero) else values


def _encodings(span: NDArray[np.uint8]) -> list[bytes]:
    raw = span.tobytes()
    out = [raw]
    as_utf8 = raw.decode("latin-1").encode("utf-8")
    if as_utf8 != raw:
        out.append(as_utf8)
    out += [
        (span / 255.0).astype(np.float32).tobytes(),
        (span / 256.0).astype(np.float32).tobytes(),
        (span / 255.0).astype(np.float64).tobytes(),
    ]
    numbers = [str(int(v)) for v in span]
    out += [("," + ",".join(numbers)).encode(), (", " + ", ".join(numbers)).encode()]
    return out


def _layouts(image: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    layouts = [image.reshape(-1)]
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        layouts.append(np.ascontiguousarray(np.moveaxis(image, -1, 0)).reshape(-1))
    return layouts


def image_needles(images: NDArray[Any], *, seed: int, sample: int = SAMPLE) -> list[Needle]:
    """Fingerprints of ``sample`` hidden images (uint8, one image per leading index)."""
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(images), size=min(sample, len(images)), replace=False)
    needles = []
    for index in sorted(int(i) for i in chosen):
        image = np.asarray(images[index], dtype=np.uint8)
        for layout in _layouts(image):
            span = _span(layout)
            needles += [Needle(example=index, data=data) for data in _encodings(span)]
    return needles


def text_needles(texts: Sequence[str], *, seed: int, sample: int = SAMPLE) -> list[Needle]:
    """``sample`` substrings of the held-out text (UTF-8), from texts long enough to hold one."""
    rng = np.random.default_rng(seed)
    encoded = [t.encode("utf-8") for t in texts]
    long_enough = [i for i, data in enumerate(encoded) if len(data) >= TEXT_NEEDLE_BYTES]
    needles = []
    for draw in range(min(sample, len(long_enough) * 4)):
        text = long_enough[int(rng.integers(len(long_enough)))]
        start = int(rng.integers(len(encoded[text]) - TEXT_NEEDLE_BYTES + 1))
        data = encoded[text][start : start + TEXT_NEEDLE_BYTES]
        needles.append(Needle(example=draw, data=data))
    return needles
