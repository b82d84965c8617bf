"""Notebooks, Databricks exports and a data pipeline, run headless in the real sandbox."""

from __future__ import annotations

import dataclasses
import sqlite3

import git
import pytest

from evaluator.checks.notebooks import notebook_checks
from evaluator.model.criteria import CriterionStatus
from evaluator.model.report import Status
from tests.capstone_runs import check_of, criterion, evaluate_origin
from tests.conftest import make_git_repo, write_tree
from tests.notebook_files import (
    DATABRICKS_EXPORT,
    FAILS_IN_CELL_3,
    LOOPS_FOREVER,
    notebook,
    plots_notebook,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_figures_a_failing_cell_a_cell_that_loops_and_a_databricks_export(tmp_path, engine, config):
    write_tree(
        tmp_path,
        {
            "plots.ipynb": plots_notebook(4),
            "fails.ipynb": FAILS_IN_CELL_3,
            "loops.ipynb": LOOPS_FOREVER,
            "dbx/sales.py": DATABRICKS_EXPORT,
        },
    )
    (check,) = notebook_checks(
        engine,
        image=config.sandbox_image,
        installed=True,
        workspace=tmp_path,
        manifest=None,
        asked={"notebooks"},
        config=dataclasses.replace(config, cell_timeout_s=6),
        progress=lambda _message: None,
    )
    runs = {n["path"]: n for n in check.details["notebooks"]}
    assert runs["plots.ipynb"]["status"] == "executed"
    assert runs["dbx/sales.py"]["status"] == "executed"  # spark cells set aside, not failed
    assert (runs["fails.ipynb"]["status"], runs["fails.ipynb"]["failure"]["cell"]) == ("failed", 3)
    assert runs["fails.ipynb"]["failure"]["ename"] == "ZeroDivisionError"
    assert (runs["loops.ipynb"]["status"], runs["loops.ipynb"]["failure"]["cell"]) == ("timeout", 2)
    assert check.status is Status.FAIL
    assert check.metrics | {"duration_s": 0} == {
        "notebooks": 4, "executed": 2, "failed": 2, "not_run": 0, "figures": 4, "tables": 1,
        "cells_run": 8, "runtime_cells": 3, "duration_s": 0,
    }  # fmt: skip
    messages = {(f.path, f.message) for f in check.findings}
    assert ("fails.ipynb", "cell 3: ZeroDivisionError: division by zero") in messages
    assert (
        "loops.ipynb",
        "cell 2: did not finish within 6 s (the per-cell timeout) and was stopped",
    ) in messages
    assert (
        "dbx/sales.py",
        "cell 4 not run here: uses spark from the Databricks runtime",
    ) in messages


ETL = """\
import shutil
import sqlite3
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

raw = pd.read_csv("data/raw.csv")
with sqlite3.connect("data/warehouse.sqlite") as db:
    raw.to_sql("sales", db, index=False)
    raw.groupby("region", as_index=False)["amount"].sum().to_sql("regions", db, index=False)
Path("figures").mkdir(exist_ok=True)
raw.plot(x="day", y="amount")
plt.savefig("figures/amount.png")
raw.plot.bar(x="region", y="amount")
plt.savefig("figures/regions.png")
shutil.copy("figures/regions.png", "figures/regions-copy.png")  # the same image twice
"""
ANALYSIS = notebook(
    [
        (
            "code",
            "import sqlite3\nimport pandas as pd\nimport matplotlib.pyplot as plt\n"
            "db = sqlite3.connect('data/warehouse.sqlite')\n"
            "regions = pd.read_sql('SELECT * FROM regions', db)\nregions",
        ),
        ("code", "regions.plot.bar(x='region', y='amount')\nplt.show()"),
        ("code", "regions.plot.pie(y='amount')\nplt.show()"),
    ]
)
PIPELINE_MANIFEST = """\
capstone: 1.4-data-pipeline
pipeline:
  command: python etl.py
  database: data/warehouse.sqlite
  tables: [sales, regions]
notebooks: [analysis.ipynb]
"""
RAW = "day,region,amount\n1,north,10\n2,south,12\n3,north,7\n"


def commit_stale_database(origin) -> None:
    """Commit a database as a learner might (it must not count: the pipeline writes its own)."""
    with sqlite3.connect(origin / "data" / "warehouse.sqlite") as db:
        db.execute("CREATE TABLE stale (x INTEGER)")
        db.execute("INSERT INTO stale VALUES (1)")
    repo = git.Repo(origin)
    repo.git.add(A=True)
    repo.index.commit("commit a database too")


def test_a_pipeline_then_its_notebook_then_its_database(tmp_path, engine, config):
    files = {
        "capstone.yaml": PIPELINE_MANIFEST,
        "etl.py": ETL,
        "data/raw.csv": RAW,
        "analysis.ipynb": ANALYSIS,
        "README.md": "# Sales pipeline\n",
    }
    origin = tmp_path / "origin"
    make_git_repo(origin, files)
    commit_stale_database(origin)
    report = evaluate_origin(origin, config)

    pipeline = check_of(report, "pipeline")
    assert pipeline.status is Status.PASS, pipeline.log
    assert pipeline.metrics["images_written"] == 2
    assert pipeline.metrics["database_committed"] is True
    sqlite = check_of(report, "sqlite")
    assert sqlite.status is Status.PASS, sqlite.summary
    assert sqlite.details["tables"] == {"regions": 2, "sales": 3}  # the committed table is gone
    notebooks = check_of(report, "notebooks")
    assert notebooks.status is Status.PASS, notebooks.findings
    assert (notebooks.metrics["figures"], notebooks.metrics["tables"]) == (2, 1)
    assert pipeline.metrics["visualisations"] == 4
    assert criterion(report, "pipeline-runs").status is CriterionStatus.PASS
    assert criterion(report, "sqlite").status is CriterionStatus.PASS
    ten = criterion(report, "ten-plots")
    assert ten.status is CriterionStatus.FAIL
    assert ten.reason == "pipeline.visualisations = 4, needs >= 10"
