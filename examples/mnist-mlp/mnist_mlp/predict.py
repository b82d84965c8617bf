"""Inference entry point named in capstone.yaml (``mnist_mlp.predict:predict``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from mnist_mlp.model import MLP

WEIGHTS = Path(__file__).resolve().parent / "weights.pt"


@lru_cache(maxsize=1)
def load_model() -> MLP:
    """The trained network (weights stored as float16 keep the repository small)."""
    model = MLP()
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    model.load_state_dict({k: v.float() for k, v in state.items()})
    model.eval()
    return model


def predict(images: np.ndarray) -> np.ndarray:
    """Class ids (N,) for a uint8 batch of 28x28 images (N, 28, 28)."""
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32) / 256.0)
    with torch.no_grad():
        logits = load_model()(x)
    return logits.argmax(dim=1).numpy().astype(np.int64)
