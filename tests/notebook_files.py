"""Notebooks made by the tests: real nbformat 4 JSON and Databricks source exports."""

from __future__ import annotations

import json
from collections.abc import Sequence

Cell = tuple[str, str]
"""(cell type, source): ("code", "x = 1") or ("markdown", "# Title")."""


def notebook(cells: Sequence[Cell], **metadata: object) -> str:
    """A Jupyter notebook (nbformat 4.5) with ``cells`` and no outputs."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"},
                **metadata,
            },
            "cells": [
                {"cell_type": kind, "id": f"cell-{index}", "metadata": {}, "source": source}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for index, (kind, source) in enumerate(cells)
            ],
        }
    )


def plots_notebook(figures: int) -> str:
    """Draws ``figures`` matplotlib figures and shows one DataFrame."""
    return notebook(
        [
            ("markdown", "# Plots"),
            (
                "code",
                "import matplotlib.pyplot as plt\nimport pandas as pd\n\n"
                f"for i in range({figures}):\n    plt.figure()\n    plt.plot([1, 2, i])\n"
                "    plt.show()",
            ),
            ("code", "pd.DataFrame({'a': [1, 2], 'b': [3, 4]})"),
        ]
    )


#: Fails in its third cell (1-based, markdown counted, as Jupyter shows it).
FAILS_IN_CELL_3 = notebook(
    [("code", "x = 1"), ("markdown", "Now divide."), ("code", "y = x / 0"), ("code", "z = 2")]
)
LOOPS_FOREVER = notebook([("code", "counter = 0"), ("code", "while True:\n    counter += 1")])

DATABRICKS_EXPORT = """\
# Databricks notebook source
# MAGIC %md
# MAGIC # Sales

# COMMAND ----------

import pandas as pd

local = pd.DataFrame({"a": [1, 2, 3]})

# COMMAND ----------

# MAGIC %sql
# MAGIC SELECT * FROM sales

# COMMAND ----------

# DBTITLE 1,Read the sales table
sales = spark.read.table("sales")

# COMMAND ----------

summary = sales.groupBy("a").count()

# COMMAND ----------

print(local.describe())
"""
