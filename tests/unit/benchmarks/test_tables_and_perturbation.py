"""Hidden tables for tabular classification, label values as predictions, and the noise that
public hidden images get."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evaluator.benchmarks.classification import labels_to_ids
from evaluator.benchmarks.data.importer import ImportOptions, import_dataset
from evaluator.benchmarks.data.perturb import perturb_images
from evaluator.benchmarks.data.store import load_hidden, read_meta
from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.scoring.validate import InvalidPredictions
from evaluator.errors import ConfigError, UsageError

ROWS = "".join(
    f'{i},{"red" if i % 3 else "blue"},"a, b",{"Yes" if i % 2 else "No"}\n' for i in range(30)
)


def test_hidden_table_keeps_features_and_holds_labels_back(tmp_path: Path) -> None:
    source = tmp_path / "hidden.csv"
    source.write_text("age,colour,note,label\n" + ROWS)
    result = import_dataset("tabular-classification", source, tmp_path / "data")
    assert result.count == 30
    hidden = load_hidden(load_definition("tabular-classification"), tmp_path / "data")
    assert hidden.table is not None and hidden.table.splitlines()[0] == "age,colour,note"
    assert "Yes" not in hidden.table and '"a, b"' in hidden.table.splitlines()[1]
    assert hidden.classes == ("no", "yes") and hidden.labels[:3].tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("age,colour\n" + "1,red\n" * 30, "no 'label' column"),
        ("age,label\n" + "1,yes\n" * 5, "needs 20+"),
        ("age,label\n" + "1,yes\n" * 30, "every row has the same"),
        ("age,label\n1,yes,extra\n" + "1,no\n" * 30, "row 2 has a different number"),
    ],
)
def test_bad_hidden_tables_are_refused(tmp_path: Path, text: str, words: str) -> None:
    source = tmp_path / "hidden.csv"
    source.write_text(text)
    with pytest.raises(ConfigError, match=words):
        import_dataset("tabular-classification", source, tmp_path / "data")


def test_predicted_label_values_map_to_class_ids() -> None:
    classes = ("no", "yes")
    assert labels_to_ids(np.array(["Yes", "no", " YES "]), classes).tolist() == [1, 0, 1]
    numeric = ("1", "2", "10")
    assert labels_to_ids(np.array([10.0, 2.0, 1.0]), numeric).tolist() == [2, 1, 0]
    with pytest.raises(InvalidPredictions, match="'maybe'"):
        labels_to_ids(np.array(["maybe"]), classes)
    scores = np.zeros((3, 2))
    assert labels_to_ids(scores, classes) is scores


def test_language_model_limit_is_stored_with_the_text(tmp_path: Path) -> None:
    source = tmp_path / "held.txt"
    source.write_text("some held-out text " * 80)
    options = ImportOptions(max_bits_per_byte=1.8)
    import_dataset("lm-perplexity", source, tmp_path / "data", options=options)
    meta = read_meta(tmp_path / "data" / "lm-perplexity")
    assert meta["max_bits_per_byte"] == 1.8 and meta["bytes"] == len(
        ("some held-out text " * 80).strip()
    )
    with pytest.raises(UsageError, match="outside"):
        import_dataset(
            "lm-perplexity", source, tmp_path / "d2", options=ImportOptions(max_bits_per_byte=9)
        )


def test_perturbation_is_slight_seeded_and_changes_every_image() -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(200, 28, 28), dtype=np.uint8)
    images[:5] = 0  # blank images change too
    out = perturb_images(images, amplitude=2, seed=11)
    assert out.dtype == np.uint8 and out.shape == images.shape
    assert np.abs(out.astype(int) - images.astype(int)).max() <= 2
    assert all(not np.array_equal(a, b) for a, b in zip(out, images, strict=True))
    assert np.array_equal(out, perturb_images(images, amplitude=2, seed=11))
    assert not np.array_equal(out, perturb_images(images, amplitude=2, seed=12))


def test_definitions_mark_public_and_demonstration_data() -> None:
    assert load_definition("digits").demonstration
    for name in ("mnist", "cifar10", "cifar100"):
        assert load_definition(name).public_data is not None, name
    assert load_definition("tabular-classification").public_data is None
    assert load_definition("lm-perplexity").entry_points == [
        "encode",
        "decode",
        "logprobs",
        "vocab_size",
    ]
