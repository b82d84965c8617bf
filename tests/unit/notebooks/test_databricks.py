"""Databricks notebooks as cells, and which cells need a Databricks runtime."""

from __future__ import annotations

from evaluator.notebooks.databricks import (
    Cell,
    is_databricks_ipynb,
    is_source_notebook,
    runtime_cells,
    source_cells,
)
from tests.notebook_files import DATABRICKS_EXPORT


def test_source_format_is_split_into_cells_with_their_lines():
    cells = source_cells(DATABRICKS_EXPORT)
    assert [c.kind for c in cells] == ["markdown", "code", "code", "code", "code", "code"]
    assert cells[0].source == "# Sales"
    assert cells[1].source.startswith("import pandas as pd")
    assert cells[2].source == "%sql\nSELECT * FROM sales"
    assert cells[3].source == 'sales = spark.read.table("sales")'  # the title line is dropped
    assert [c.line for c in cells] == [2, 7, 13, 19, 23, 27]


def test_runtime_cells_and_the_cells_that_depend_on_them():
    reasons = runtime_cells(source_cells(DATABRICKS_EXPORT))
    assert reasons == {
        3: "%sql cells run on a Databricks cluster",
        4: "uses spark from the Databricks runtime",
        5: "uses sales from cell 4, which needs a Databricks runtime",
    }


def test_plain_python_ipython_magics_and_display_run_here():
    cells = [
        Cell(kind="code", source="%matplotlib inline\nimport pandas as pd"),
        Cell(kind="code", source="display(pd.DataFrame({'a': [1]}))"),
        Cell(kind="code", source="!ls\nspark = object()\nspark"),  # defined here: not the runtime's
        Cell(kind="code", source="def f(dbutils):\n    return dbutils"),
        Cell(kind="code", source="%pip install requests"),
    ]
    assert runtime_cells(cells) == {5: "%pip cells run on a Databricks cluster"}


def test_python_magic_cells_are_code_and_md_cells_markdown():
    text = (
        "# Databricks notebook source\n# MAGIC %python\n# MAGIC x = 1\n\n"
        "# COMMAND ----------\n\n# MAGIC %md-sandbox\n# MAGIC **bold**\n"
    )
    cells = source_cells(text)
    assert cells == [
        Cell(kind="code", source="x = 1", line=2),
        Cell(kind="markdown", source="**bold**", line=7),
    ]


def test_recognising_databricks_files():
    assert is_source_notebook("\ufeff# Databricks notebook source\nx = 1\n")
    assert not is_source_notebook("# A notebook source\n")
    exported = {"metadata": {"application/vnd.databricks.v1+notebook": {}}, "cells": []}
    per_cell = {"cells": [{"metadata": {"application/vnd.databricks.v1+cell": {}}}]}
    assert is_databricks_ipynb(exported) and is_databricks_ipynb(per_cell)
    assert not is_databricks_ipynb({"metadata": {}, "cells": [{"metadata": {}}]})
