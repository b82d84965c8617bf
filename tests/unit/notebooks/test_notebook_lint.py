"""ruff on notebooks: findings name their cell; Databricks runtime names are not undefined."""

from __future__ import annotations

from evaluator.checks.lint import run_lint
from evaluator.config import DEFAULT_LINT_RULES
from tests.conftest import write_tree
from tests.notebook_files import DATABRICKS_EXPORT, notebook


def test_notebook_findings_point_at_cells(tmp_path):
    write_tree(
        tmp_path,
        {
            "eda.ipynb": notebook(
                [("markdown", "# EDA"), ("code", "x = 1"), ("code", "import os\ny = missing")]
            ),
            "sales.py": DATABRICKS_EXPORT + "\n# COMMAND ----------\n\nprint(undefined_here)\n",
            "plain.py": "print(spark)\n",
        },
    )
    check = run_lint(tmp_path, DEFAULT_LINT_RULES, budget=10)
    shown = sorted((f.path, f.line, f.code, f.message) for f in check.findings)
    assert shown == [
        ("eda.ipynb", None, "F401", "cell 3, line 1: `os` imported but unused"),
        ("eda.ipynb", None, "F821", "cell 3, line 2: Undefined name `missing`"),
        ("eda.ipynb", None, "I001", "cell 3, line 1: Import block is un-sorted or un-formatted"),
        ("plain.py", 1, "F821", "Undefined name `spark`"),
        ("sales.py", 31, "F821", "cell 7: Undefined name `undefined_here`"),
    ]
