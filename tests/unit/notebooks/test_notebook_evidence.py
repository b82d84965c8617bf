"""The notebooks, pipeline and sqlite checks from what a run reported (no sandbox)."""

from __future__ import annotations

from evaluator.intake.manifest import PipelineEntry
from evaluator.model.report import Fault, Status
from evaluator.notebooks.evidence import NO_NOTEBOOKS, notebooks_check
from evaluator.notebooks.pipeline_evidence import pipeline_check, sqlite_check
from evaluator.notebooks.prepare import Prepared
from evaluator.notebooks.results import (
    CellFailure,
    CellRun,
    DatabaseRun,
    NotebookRun,
    OutputSummary,
    PipelineRun,
)

PNG = OutputSummary(type="display_data", mimes=["image/png", "text/plain"])
PNG_AND_SVG = OutputSummary(type="display_data", mimes=["image/png", "image/svg+xml", "text/plain"])
PLOTLY = OutputSummary(type="display_data", mimes=["application/vnd.plotly.v1+json", "text/html"])
VEGA = OutputSummary(type="execute_result", mimes=["application/vnd.vegalite.v5+json"])
PLOTLY_HTML = OutputSummary(type="display_data", mimes=["text/html"], figure_html=True)
DATAFRAME = OutputSummary(type="execute_result", mimes=["text/html", "text/plain"], table=True)
TEXT = OutputSummary(type="execute_result", mimes=["text/plain"])


def ready(path: str, **fields) -> Prepared:
    return Prepared(path=path, kind="jupyter", document={"cells": []}, **fields)


def executed(path: str, *outputs: OutputSummary) -> NotebookRun:
    cells = [CellRun(cell=i + 1, seconds=0.1, outputs=[o]) for i, o in enumerate(outputs)]
    return NotebookRun(path=path, status="executed", seconds=1.0, cells=cells)


def test_figures_and_tables_are_counted_per_output():
    run = executed("a.ipynb", PNG, PNG_AND_SVG, PLOTLY, VEGA, PLOTLY_HTML, DATAFRAME, TEXT)
    check = notebooks_check([ready("a.ipynb")], [run])
    assert check.status is Status.PASS
    assert (check.metrics["figures"], check.metrics["tables"]) == (5, 1)
    assert check.summary == "1 notebook executed headless: 5 figures, 1 table"


def test_a_failing_cell_is_located_with_its_error():
    failure = CellFailure(
        cell=3,
        source="y = x / 0",
        ename="ZeroDivisionError",
        evalue="division by zero",
        traceback="Traceback ...",
    )
    runs = [
        executed("good.ipynb", PNG),
        NotebookRun(path="bad.ipynb", status="failed", failure=failure),
    ]
    check = notebooks_check([ready("good.ipynb"), ready("bad.ipynb")], runs)
    assert check.status is Status.FAIL
    assert check.metrics["failed"] == 1 and check.metrics["executed"] == 1
    assert check.summary.startswith(
        "1 of 2 notebook(s) failed, first bad.ipynb cell 3: ZeroDivisionError"
    )
    finding = check.findings[0]
    assert (finding.path, finding.code) == ("bad.ipynb", "notebook-error")
    assert finding.message == "cell 3: ZeroDivisionError: division by zero"
    assert "y = x / 0" in (finding.detail or "")


def test_a_timeout_names_the_cell_and_the_limit():
    failure = CellFailure(
        cell=2,
        ename="CellTimeout",
        evalue="did not finish within 8 s (the per-cell timeout) and was stopped",
    )
    check = notebooks_check(
        [ready("loop.ipynb")], [NotebookRun(path="loop.ipynb", status="timeout", failure=failure)]
    )
    assert (
        check.findings[0].message
        == "cell 2: did not finish within 8 s (the per-cell timeout) and was stopped"
    )
    assert check.findings[0].code == "notebook-timeout"


def test_databricks_cells_are_reported_not_failed_and_lines_point_into_the_file():
    prepared = Prepared(
        path="sales.py",
        kind="databricks",
        document={},
        runtime={4: "uses spark from the Databricks runtime"},
        lines={4: 19},
    )
    check = notebooks_check([prepared], [executed("sales.py", TEXT)])
    assert check.status is Status.PASS
    assert check.metrics["runtime_cells"] == 1
    assert "1 cell needs a Databricks runtime and was not run" in check.summary
    finding = check.findings[0]
    assert (finding.code, finding.line) == ("databricks-runtime", 19)


def test_notebooks_the_run_never_reached_and_unreadable_ones():
    prepared = [
        ready("a.ipynb"),
        ready("b.ipynb"),
        Prepared(path="c.ipynb", kind="jupyter", problem="not a notebook: the file is not JSON"),
    ]
    check = notebooks_check(prepared, [executed("a.ipynb")], problem="timed out after 600 s")
    assert check.metrics["not_run"] == 1 and check.metrics["failed"] == 1
    assert check.status is Status.FAIL
    codes = sorted(f.code for f in check.findings)
    assert codes == ["notebook-invalid", "notebook-not-run"]


def test_no_notebooks_at_all():
    check = notebooks_check([], [])
    assert (check.status, check.summary, check.metrics["notebooks"]) == (
        Status.FAIL,
        NO_NOTEBOOKS,
        0,
    )


PIPELINE = PipelineEntry(
    command="python etl.py", database="data/db.sqlite", tables=["sales", "customers"]
)


def pipeline_run(**fields) -> PipelineRun:
    return PipelineRun(
        **{
            "exit_code": 0,
            "timed_out": False,
            "budget_s": 600,
            "seconds": 2.5,
            "distinct_images": 3,
        }
        | fields
    )


def test_pipeline_passes_and_counts_images_with_notebook_figures():
    check = pipeline_check(PIPELINE, pipeline_run(), notebook_figures=8, problem=None)
    assert check.status is Status.PASS
    assert (check.metrics["images_written"], check.metrics["visualisations"]) == (3, 11)


def test_pipeline_failures():
    failed = pipeline_check(
        PIPELINE,
        pipeline_run(exit_code=2, log_tail="KeyError: 'price'"),
        notebook_figures=0,
        problem=None,
    )
    assert failed.status is Status.FAIL and "exited with code 2" in failed.summary
    assert failed.log == "KeyError: 'price'"
    slow = pipeline_check(
        PIPELINE, pipeline_run(exit_code=None, timed_out=True), notebook_figures=0, problem=None
    )
    assert (slow.status, slow.fault) == (Status.ERROR, Fault.LEARNER)
    assert "did not finish within 600 s" in slow.summary
    lost = pipeline_check(
        PIPELINE,
        None,
        notebook_figures=0,
        problem="was killed for using more than 2.0 GiB of memory (memory limit)",
    )
    assert lost.status is Status.ERROR and "memory limit" in lost.summary


def test_sqlite_database_with_the_named_tables():
    run = DatabaseRun(
        exists=True, quick_check="ok", tables={"sales": 10, "customers": 4, "staging": 0}
    )
    check = sqlite_check(PIPELINE, run, committed=False, problem=None)
    assert check.status is Status.PASS
    assert check.metrics == {"tables": 3, "rows": 14, "empty_tables": 1, "missing_tables": 0}


def test_sqlite_missing_or_empty_tables_fail():
    run = DatabaseRun(exists=True, quick_check="ok", tables={"sales": 0})
    check = sqlite_check(PIPELINE, run, committed=False, problem=None)
    assert check.status is Status.FAIL
    assert [f.message for f in check.findings] == ["table 'sales' is empty", "no table 'customers'"]


def test_sqlite_not_written_or_unreadable():
    absent = sqlite_check(PIPELINE, DatabaseRun(exists=False), committed=True, problem=None)
    assert absent.status is Status.FAIL
    assert "the copy in the repository does not count" in absent.summary
    broken = sqlite_check(
        PIPELINE,
        DatabaseRun(exists=True, error="DatabaseError: file is not a database"),
        committed=False,
        problem=None,
    )
    assert broken.status is Status.FAIL and "not a readable SQLite database" in broken.summary


def test_a_missing_module_says_where_to_declare_it():
    failure = CellFailure(cell=1, ename="ModuleNotFoundError", evalue="No module named 'seaborn'")
    check = notebooks_check(
        [ready("a.ipynb")], [NotebookRun(path="a.ipynb", status="failed", failure=failure)]
    )
    assert check.findings[0].message == (
        "cell 1: ModuleNotFoundError: No module named 'seaborn' (declare it in requirements.txt: "
        "the sandbox installs nothing at run time)"
    )
