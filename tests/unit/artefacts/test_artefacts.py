"""The Dockerfile and results-table checks on real files (host parsers only)."""

from __future__ import annotations

import json

import pytest

from evaluator.artefacts.dockerfile import dockerfile_check
from evaluator.artefacts.tables import ResultsTableSpec, find_tables, results_table_check
from evaluator.model.report import Status
from tests.conftest import write_tree
from tests.notebook_files import notebook

GOOD = """\
# syntax=docker/dockerfile:1
ARG PY=3.11
FROM python:${PY}-slim AS base
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt \\
    && rm -rf /root/.cache
COPY . .
EXPOSE 8000
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0"]
"""


def test_a_valid_dockerfile(tmp_path):
    (tmp_path / "Dockerfile").write_text(GOOD)
    check = dockerfile_check(tmp_path)
    assert check.status is Status.PASS, check.summary
    assert check.metrics | {"instructions": 0} == {
        "present": True, "parses": True, "instructions": 0, "stages": 1,
        "base_image": "python:${PY}-slim", "has_cmd": True, "exposes": "8000", "errors": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("FRM python:3.11\nRUN echo\n", "unknown instruction FRM", 1),
        ("RUN <<EOF\nFROM python:3.11\nEOF\n", "RUN before FROM: start with a base image", 1),
        ("FROM\n", "FROM needs an argument", 1),
        ("FROM python:3.11 AS\n", "FROM takes an image, optionally 'AS name'", 1),
        ("FROM python\nENV\n", "ENV needs an argument", 2),
    ],
)
def test_what_docker_build_would_refuse(tmp_path, text, message, line):
    (tmp_path / "Dockerfile").write_text(text)
    check = dockerfile_check(tmp_path)
    assert check.status is Status.FAIL
    assert (check.findings[0].message, check.findings[0].line) == (message, line)


def test_missing_empty_and_nested_dockerfiles(tmp_path):
    assert dockerfile_check(tmp_path).summary.startswith("no Dockerfile")
    (tmp_path / "Dockerfile").write_text("# only a comment\n")
    empty = dockerfile_check(tmp_path)
    assert (
        empty.status is Status.FAIL and "does not parse: file with no instructions" in empty.summary
    )
    (tmp_path / "Dockerfile").unlink()
    write_tree(tmp_path, {"deploy/api.Dockerfile": "FROM python:3.11\nCMD python -m app\n"})
    assert (
        dockerfile_check(tmp_path).summary
        == "deploy/api.Dockerfile parses: 1 stage(s) from python:3.11"
    )


def test_single_quoted_exec_form_is_flagged_not_failed(tmp_path):
    (tmp_path / "Dockerfile").write_text("FROM python:3.11\nCMD ['python', 'app.py']\n")
    check = dockerfile_check(tmp_path)
    assert check.status is Status.PASS
    assert check.findings[0].code == "dockerfile-json-form"


SPEC = ResultsTableSpec(
    rows=["full", "lora", "qlora"],
    columns={"quality": ["accuracy", "rouge"], "compute": ["memory", "time"]},
)
TABLE = """\
# Results

| Method | ROUGE-L | GPU memory (GB) | Training time |
|---|---:|---:|---|
| Full fine-tuning | 0.41 | 38 | 3 h |
| LoRA (r=8) | 0.40 | 16 | 1 h |
| QLoRA \\| 4-bit | 0.39 | 7 | 1.5 h |
"""


def test_a_comparison_table_in_the_readme(tmp_path):
    write_tree(tmp_path, {"README.md": "| a | b |\n|---|---|\n| 1 | 2 |\n\n" + TABLE})
    check = results_table_check(tmp_path, SPEC)
    assert check.status is Status.PASS, check.summary
    assert check.metrics == {"tables": 2, "rows": 3, "missing_rows": 0, "missing_columns": 0}
    assert check.details["where"] == "README.md line 7"


def test_a_table_in_a_notebook_markdown_cell(tmp_path):
    (tmp_path / "report.ipynb").write_text(notebook([("code", "x = 1"), ("markdown", TABLE)]))
    tables = find_tables(tmp_path)
    assert [(t.path, t.cell, t.line) for t in tables] == [("report.ipynb", 2, 3)]
    assert results_table_check(tmp_path, SPEC).status is Status.PASS


def test_a_table_that_merely_mentions_lora_is_not_a_comparison(tmp_path):
    write_tree(
        tmp_path,
        {"README.md": "| Setting | Value |\n|---|---|\n| LoRA rank | 8 |\n| QLoRA | yes |\n"},
    )
    check = results_table_check(tmp_path, SPEC)
    assert check.status is Status.FAIL
    assert check.summary == (
        "the closest table (README.md line 1) lacks rows for full and a quality column "
        "(accuracy / rouge) and a compute column (memory / time)"
    )


def test_no_table_and_tables_in_code_blocks(tmp_path):
    write_tree(
        tmp_path,
        {
            "README.md": "```\n| Method | Accuracy | Memory |\n|---|---|---|\n| LoRA | 1 | 2 |\n```\n"
        },
    )
    check = results_table_check(tmp_path, SPEC)
    assert (check.status, check.metrics) == (Status.FAIL, {"tables": 0})
    assert json.dumps(check.metrics)
