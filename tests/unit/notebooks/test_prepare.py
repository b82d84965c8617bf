"""Finding a submission's notebooks and preparing them for a fresh run."""

from __future__ import annotations

import json

from evaluator.notebooks.prepare import MAX_NOTEBOOK_BYTES, find_notebooks, prepare
from tests.conftest import write_tree
from tests.notebook_files import DATABRICKS_EXPORT, FAILS_IN_CELL_3, notebook, plots_notebook


def test_found_notebooks_skip_checkpoints_and_include_databricks_sources(tmp_path):
    write_tree(
        tmp_path,
        {
            "analysis.ipynb": plots_notebook(1),
            ".ipynb_checkpoints/analysis-checkpoint.ipynb": plots_notebook(1),
            "dbx/sales.py": DATABRICKS_EXPORT,
            "src/module.py": "x = 1\n",
        },
    )
    assert find_notebooks(tmp_path, []) == (["analysis.ipynb", "dbx/sales.py"], [])


def test_named_notebooks_paths_and_globs_and_missing_names(tmp_path):
    write_tree(
        tmp_path,
        {"nb/a.ipynb": "{}", "nb/b.ipynb": "{}", "run.py": "print(1)\n", "notes.md": "x"},
    )
    found, findings = find_notebooks(tmp_path, ["nb/*.ipynb", "run.py", "gone.ipynb", "notes.md"])
    assert found == ["nb/a.ipynb", "nb/b.ipynb", "run.py"]
    assert [f.message for f in findings] == [
        "notebooks: 'gone.ipynb' matches no notebook (.ipynb) or Python file",
        "notebooks: 'notes.md' matches no notebook (.ipynb) or Python file",
    ]


def test_committed_outputs_and_skip_tags_are_dropped(tmp_path):
    document = json.loads(FAILS_IN_CELL_3)
    failing = document["cells"][2]
    failing["outputs"] = [{"output_type": "display_data", "data": {"image/png": "iVBOR"}}]
    failing["execution_count"] = 7
    failing["metadata"]["tags"] = ["skip-execution", "raises-exception", "keep-me"]
    (tmp_path / "nb.ipynb").write_text(json.dumps(document))
    prepared = prepare(tmp_path, "nb.ipynb")
    cell = prepared.document["cells"][2]
    assert (cell["outputs"], cell["execution_count"]) == ([], None)
    assert cell["metadata"]["tags"] == ["keep-me"]
    assert (prepared.kind, prepared.problem, prepared.runtime) == ("jupyter", None, {})


def test_databricks_sources_become_notebooks_with_runtime_cells_set_aside(tmp_path):
    (tmp_path / "sales.py").write_text(DATABRICKS_EXPORT)
    prepared = prepare(tmp_path, "sales.py")
    assert prepared.kind == "databricks"
    assert [c["cell_type"] for c in prepared.document["cells"]] == ["markdown"] + ["code"] * 5
    assert sorted(prepared.runtime) == [3, 4, 5]
    assert prepared.lines[4] == 19


def test_databricks_ipynb_exports_get_runtime_cells_too(tmp_path):
    text = notebook(
        [("code", "%sql\nSELECT 1"), ("code", "x = 1")],
        **{"application/vnd.databricks.v1+notebook": {"language": "python"}},
    )
    (tmp_path / "export.ipynb").write_text(text)
    prepared = prepare(tmp_path, "export.ipynb")
    assert (prepared.kind, prepared.runtime) == (
        "databricks",
        {1: "%sql cells run on a Databricks cluster"},
    )


def test_a_named_script_runs_as_one_cell(tmp_path):
    (tmp_path / "analysis.py").write_text("print('hello')\n")
    prepared = prepare(tmp_path, "analysis.py")
    assert prepared.kind == "script"
    assert [c["source"] for c in prepared.document["cells"]] == ["print('hello')\n"]


def test_files_that_cannot_run_say_why(tmp_path):
    write_tree(
        tmp_path,
        {
            "broken.ipynb": "{not json",
            "old.ipynb": json.dumps({"nbformat": 3, "worksheets": []}),
            "r.ipynb": notebook([("code", "x <- 1")], kernelspec={"name": "ir", "language": "R"}),
        },
    )
    (tmp_path / "huge.ipynb").write_bytes(b" " * (MAX_NOTEBOOK_BYTES + 1))
    problems = {
        name: prepare(tmp_path, name).problem
        for name in ("broken.ipynb", "old.ipynb", "r.ipynb", "huge.ipynb")
    }
    assert problems == {
        "broken.ipynb": "not a notebook: the file is not JSON",
        "old.ipynb": "nbformat 3 is too old: save it again in Jupyter",
        "r.ipynb": "its kernel's language is 'R'; only Python notebooks run here",
        "huge.ipynb": "larger than 20 MiB; not run",
    }
