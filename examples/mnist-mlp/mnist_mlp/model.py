"""The network: 784 -> 256 -> 128 -> 10 with ReLU and dropout."""

from __future__ import annotations

import torch
from torch import nn

INPUT = 28 * 28
HIDDEN = (256, 128)
CLASSES = 10


class MLP(nn.Module):
    """Fully connected classifier; expects pixels scaled to [0, 1)."""

    def __init__(self, dropout: float = 0.2) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        width = INPUT
        for hidden in HIDDEN:
            layers += [nn.Linear(width, hidden), nn.ReLU(), nn.Dropout(dropout)]
            width = hidden
        layers.append(nn.Linear(width, CLASSES))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))
