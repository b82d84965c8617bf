"""Learner documents: every parser gives the document or DocumentError, never another exception.

json, tomllib and PyYAML recurse once per nesting level: deep nesting raises RecursionError
(not a ValueError). Each reader of a learner file must treat such a file as unreadable, like
any other malformed file, instead of stopping the evaluation.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from evaluator.artefacts.tables import find_tables
from evaluator.benchmarks.definition import load_definition
from evaluator.benchmarks.scoring.claims import claims_in_results
from evaluator.documents import (
    DocumentError,
    TooDeep,
    cell_text,
    notebook_cells,
    parse_json,
    parse_toml,
    parse_yaml,
    yaml_tree,
)
from evaluator.intake.dependencies import plan_dependencies
from evaluator.intake.manifest import parse_manifest
from evaluator.pycode.files import read_notebook
from evaluator.review.sources import notebook_text
from evaluator.services.hidden import HiddenInputs, score_answers
from tests.conftest import write_tree

DEEP = "[" * 30_000


@pytest.mark.parametrize(
    ("parse", "text"),
    [(parse_json, DEEP), (parse_yaml, DEEP), (yaml_tree, DEEP), (parse_toml, f"a = {DEEP}")],
)
def test_deep_nesting_is_a_document_error(parse, text):
    with pytest.raises(TooDeep) as caught:
        parse(text)
    assert isinstance(caught.value, DocumentError)
    assert str(caught.value) == "nested too deeply"


def test_malformed_text_names_its_line():
    with pytest.raises(DocumentError) as yaml_error:
        parse_yaml("a: 1\nb: [2\n")
    assert yaml_error.value.line == 3
    assert "flow sequence" in str(yaml_error.value)
    with pytest.raises(DocumentError) as json_error:
        parse_json('{\n  "a": 1,\n}')
    assert json_error.value.line == 3
    with pytest.raises(DocumentError, match="line 2"):
        parse_toml("a = 1\nb = = 2\n")
    with pytest.raises(DocumentError):
        parse_json(b"\xff\xfe{")


def test_yaml_tree_keeps_lines():
    tree = yaml_tree("a: 1\nb:\n  c: 2\n")
    assert tree is not None
    (_, a), (_, b) = tree.value
    assert (a.start_mark.line, b.value[0][1].start_mark.line) == (0, 2)


def test_notebook_cells_and_their_text():
    text = json.dumps({"cells": [{"source": ["a\n", "b"]}, {"source": "c"}, {"source": [1, 2]}]})
    cells = notebook_cells(text)
    assert cells is not None
    assert [cell_text(c) for c in cells] == ["a\nb", "c", "12"]
    assert notebook_cells("[1]") is None
    assert notebook_cells('{"cells": {}}') is None
    assert notebook_cells(DEEP) is None


def test_learner_declarations_nested_too_deeply_are_notes(tmp_path):
    write_tree(
        tmp_path,
        {
            "environment.yml": DEEP,
            "pyproject.toml": f"[project]\ndependencies = {DEEP}",
            "Pipfile.lock": DEEP,
            "requirements.txt": "requests==2.31.0\n",
        },
    )
    plan = plan_dependencies(tmp_path)
    assert [r.text for r in plan.requirements] == ["requests==2.31.0"]
    assert sorted(n.split(" ")[0] for n in plan.notes) == [
        "Pipfile.lock",
        "environment.yml",
        "pyproject.toml",
    ]
    assert all("nested too deeply" in n for n in plan.notes)


def test_manifest_nested_too_deeply_fails_its_check():
    outcome = parse_manifest(DEEP)
    assert outcome.manifest is None
    assert outcome.check.findings[0].message == "nested too deeply"


def test_notebook_nested_too_deeply_is_skipped(tmp_path):
    write_tree(tmp_path, {"analysis.ipynb": DEEP})
    assert read_notebook(tmp_path, "analysis.ipynb") == []
    assert notebook_text(DEEP) is None
    assert find_tables(tmp_path) == []


def test_notebook_cells_whose_source_lists_hold_numbers_are_read(tmp_path):
    code_cell = {"cell_type": "code", "source": [1, 2]}
    markdown_cell = {"cell_type": "markdown", "source": [3, "\n| a |\n|---|\n| 1 |\n"]}
    text = json.dumps({"cells": [code_cell, markdown_cell]})
    write_tree(tmp_path, {"analysis.ipynb": text})
    assert [u.text for u in read_notebook(tmp_path, "analysis.ipynb")] == ["12"]
    assert (notebook_text(text) or "").startswith("# %%\n12\n\n# %% [markdown]\n3\n| a |")
    assert [t.rows for t in find_tables(tmp_path)] == [[["1"]]]


@pytest.mark.parametrize("source", ["results.json", "results.yaml"])
def test_results_file_nested_too_deeply_claims_nothing(source):
    assert claims_in_results(["accuracy"], DEEP, source) == []


def test_service_answer_nested_too_deeply_is_rejected():
    hidden = HiddenInputs(
        definition=load_definition("mnist"),
        inputs=[[0.0]],
        labels=np.array([1]),
        num_classes=10,
    )
    metrics, reason = score_answers("digits", hidden, [DEEP])
    assert metrics == {}
    assert reason == "predictions rejected: an answer is not JSON"
