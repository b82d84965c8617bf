"""What the in-sandbox notebook run reports (``/results/run.json``), validated on the host.

The file is written in the container where learner code runs, so it is read as
untrusted input: size-capped, and every field checked here.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from evaluator.model.base import FrozenModel

NotebookStatus = Literal["executed", "failed", "timeout", "crashed", "invalid", "not-run"]

#: MIME types that are a figure (one output with several of them is one figure).
FIGURE_MIMES = frozenset({"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"})
#: MIME type prefixes of chart libraries' outputs: plotly, vega and vega-lite (altair), bokeh.
FIGURE_MIME_PREFIXES = (
    "application/vnd.plotly.",
    "application/vnd.vegalite.",
    "application/vnd.vega.",
    "application/vnd.bokehjs_exec.",
)


class OutputSummary(FrozenModel):
    """One displayed output of a cell (streams and errors are not listed)."""

    type: str
    mimes: list[str] = Field(default_factory=list, max_length=50)
    table: bool = False
    """Its HTML holds a <table> (pandas DataFrames display one)."""
    figure_html: bool = False
    """Its HTML draws a chart with a plotting library's script."""

    @property
    def is_figure(self) -> bool:
        """A plot: an image, a chart library's output, or HTML that draws a chart."""
        return self.figure_html or any(
            mime in FIGURE_MIMES or mime.startswith(FIGURE_MIME_PREFIXES) for mime in self.mimes
        )

    @property
    def is_table(self) -> bool:
        """A table that is not part of a figure."""
        return self.table and not self.is_figure


class CellRun(FrozenModel):
    """One executed code cell."""

    cell: int = Field(ge=1, description="1-based position among all cells, as Jupyter shows it.")
    seconds: float
    outputs: list[OutputSummary] = Field(default_factory=list, max_length=10_000)


class CellFailure(FrozenModel):
    """The cell a notebook stopped at."""

    cell: int = Field(ge=0)
    source: str = Field(default="", max_length=4000)
    ename: str = Field(max_length=500)
    evalue: str = Field(default="", max_length=4000)
    traceback: str = Field(default="", max_length=20_000)


class NotebookRun(FrozenModel):
    """One notebook's headless run."""

    path: str
    status: NotebookStatus
    seconds: float = 0.0
    cells: list[CellRun] = Field(default_factory=list, max_length=10_000)
    failure: CellFailure | None = None

    @property
    def figures(self) -> int:
        """Figures its cells displayed."""
        return sum(o.is_figure for c in self.cells for o in c.outputs)

    @property
    def tables(self) -> int:
        """Tables its cells displayed."""
        return sum(o.is_table for c in self.cells for o in c.outputs)


class PipelineRun(FrozenModel):
    """The learner's pipeline command."""

    exit_code: int | None
    timed_out: bool
    budget_s: float
    seconds: float
    stopped: str = Field(default="", max_length=500)
    log_tail: str = Field(default="", max_length=100_000)
    images: list[str] = Field(default_factory=list, max_length=1000)
    distinct_images: int = Field(default=0, ge=0)
    database_committed: bool = False


class DatabaseRun(FrozenModel):
    """The SQLite file the pipeline names, as opened read-only in the sandbox."""

    exists: bool
    error: str | None = Field(default=None, max_length=1000)
    quick_check: str | None = Field(default=None, max_length=1000)
    tables: dict[str, int | None] = Field(default_factory=dict, max_length=1000)
    truncated: bool = False


class RunResults(FrozenModel):
    """Everything one notebook run reports."""

    harness: str
    notebooks: list[NotebookRun] = Field(default_factory=list, max_length=1000)
    pipeline: PipelineRun | None = None
    database: DatabaseRun | None = None
    seconds: float | None = None
