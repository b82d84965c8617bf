"""Importing held-out text for lm-perplexity and labelled CSV for text classification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluator.benchmarks.data.importer import import_dataset
from evaluator.benchmarks.data.store import load_hidden
from evaluator.benchmarks.definition import load_definition
from evaluator.errors import ConfigError


def test_plain_text_splits_at_blank_lines_and_keeps_no_labels(tmp_path: Path) -> None:
    source = tmp_path / "held.txt"
    source.write_text("first document " * 50 + "\n\n  \n" + "second one " * 60 + "\n")
    result = import_dataset("lm-perplexity", source, tmp_path / "data")
    assert result.count == 2
    hidden = load_hidden(load_definition("lm-perplexity"), tmp_path / "data")
    assert len(hidden) == 2 and hidden.texts is not None
    assert hidden.texts[0].startswith("first document")
    assert hidden.file_hashes


def test_too_little_text_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "tiny.txt"
    source.write_text("too short")
    with pytest.raises(ConfigError, match="only 9 characters"):
        import_dataset("lm-perplexity", source, tmp_path / "data")


def test_label_names_map_to_sorted_ids(tmp_path: Path) -> None:
    source = tmp_path / "reviews.csv"
    source.write_text('Text,Label\n"good, really",pos\nbad,neg\nfine,pos\n')
    result = import_dataset("text-classification", source, tmp_path / "data")
    assert result.count == 3
    hidden = load_hidden(load_definition("text-classification"), tmp_path / "data")
    assert hidden.texts == ("good, really", "bad", "fine")
    assert hidden.labels.tolist() == [1, 0, 1]
    meta = json.loads((result.path.parent / "meta.json").read_text())
    assert meta["classes"] == ["neg", "pos"]


def test_csv_without_label_column_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("sentence,y\nhello,1\n")
    with pytest.raises(ConfigError, match="'text' and 'label'"):
        import_dataset("text-classification", source, tmp_path / "data")
