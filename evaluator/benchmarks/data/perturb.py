"""Slight, seeded noise on the hidden images of public data sets (pure numpy).

MNIST and CIFAR test sets are public: a learner can ship a copy with its
labels and answer by exact lookup. Each evaluation draws a seed and moves every
pixel by at most ``amplitude`` grey levels, so no hidden image equals its
public original byte for byte, while an honest model barely notices (see
``scripts/bench_benchmarks.py`` for the measured accuracy change). The seed is
recorded, so the evaluation can be reproduced exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def perturb_images(images: NDArray[Any], *, amplitude: int, seed: int) -> NDArray[np.uint8]:
    """``images`` (uint8) plus integer noise in [-amplitude, amplitude], clipped to 0..255.

    Every image differs from the original in at least one pixel.
    """
    if images.dtype != np.uint8:
        raise ValueError(f"perturbation works on uint8 images, got {images.dtype}")
    rng = np.random.default_rng(seed)
    noise = rng.integers(-amplitude, amplitude + 1, size=images.shape, dtype=np.int16)
    out = np.clip(images.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    flat_in = images.reshape(len(images), -1)
    flat_out = out.reshape(len(out), -1)
    unchanged = np.flatnonzero((flat_in == flat_out).all(axis=1))
    for index in unchanged:  # vanishingly rare: all noise cancelled by clipping
        pixel = int(rng.integers(flat_out.shape[1]))
        value = int(flat_out[index, pixel])
        flat_out[index, pixel] = value + 1 if value < 255 else value - 1
    return out
