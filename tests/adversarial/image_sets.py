"""A small MNIST-format data set made by the tests, and the learners that use it.

Ten classes, each a fixed random stroke pattern on a 28x28 black background,
drawn with noise; a nearest-centroid model learns them from a training split.
The hidden split is imported as the ``mnist`` benchmark's data (unverified), and
the tests also make the "public copy" a cheating learner ships.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from evaluator.benchmarks.data.formats import encode_idx
from evaluator.benchmarks.data.importer import import_dataset


def make_set(seed: int, count: int) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """``count`` images of the ten classes (the class patterns are the same for every seed)."""
    patterns = np.random.default_rng(0).random((10, 20, 20)) < 0.25
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, size=count)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    ink = rng.integers(150, 256, size=(count, 20, 20))
    keep = rng.random((count, 20, 20)) < 0.9
    images[:, 4:24, 4:24] = np.where(patterns[labels] & keep, ink, 0)
    return images, labels.astype(np.int64)


def import_hidden(
    data_dir: Path, folder: Path, count: int = 300
) -> tuple[NDArray[np.uint8], NDArray[np.int64]]:
    """Write the hidden split as MNIST IDX files and import it for the ``mnist`` benchmark."""
    images, labels = make_set(seed=42, count=count)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "t10k-images-idx3-ubyte").write_bytes(encode_idx(images))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(encode_idx(labels.astype(np.uint8)))
    import_dataset("mnist", folder, data_dir, verify=False)
    return images, labels


def npz_bytes(**arrays: NDArray[np.generic]) -> bytes:
    """A compressed .npz file's bytes."""
    import io

    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


MANIFEST = 'capstone: 3.1-mnist-mlp\nbenchmark: {predict: "model:predict"}\n'

#: Nearest centroid of the training split shipped in the repository.
HONEST = """\
from pathlib import Path

import numpy as np

_train = np.load(Path(__file__).with_name("train.npz"))
_x = _train["images"].reshape(len(_train["images"]), -1).astype(np.float32)
CENTROIDS = np.stack([_x[_train["labels"] == c].mean(axis=0) for c in range(10)])


def predict(images):
    x = images.reshape(len(images), -1).astype(np.float32)
    distances = ((x[:, None, :] - CENTROIDS[None]) ** 2).sum(axis=2)
    return distances.argmin(axis=1)
"""

#: Answers by exact lookup in a copy of the public test set, else says 0.
LOOKUP = """\
from pathlib import Path

import numpy as np

_copy = np.load(Path(__file__).parent / "data" / "mnist_test.npz")
ANSWERS = {image.tobytes(): int(label) for image, label in zip(_copy["images"], _copy["labels"])}


def predict(images):
    return np.array([ANSWERS.get(image.tobytes(), 0) for image in images])
"""


def honest_files(readme: str = "") -> dict[str, str | bytes]:
    """An honest learner: the model, its training split and a README."""
    images, labels = make_set(seed=1, count=500)
    return {
        "capstone.yaml": MANIFEST,
        "model.py": HONEST,
        "train.npz": npz_bytes(images=images, labels=labels),
        "README.md": readme or "# MNIST\n",
    }
