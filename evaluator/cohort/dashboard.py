"""Render the programme lead's dashboard (one self-contained HTML file) and its CSV exports."""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from evaluator.cohort import plots
from evaluator.cohort.view import CohortView
from evaluator.reporting.messages import messages

DASHBOARD = "dashboard.html"
#: Learner-level tables show this many rows on the page; the CSV beside it has them all.
PAGE_ROWS = 300
#: CSV file -> the view's table it exports.
EXPORTS = {
    "lms-results.csv": "lms",
    "graduation.csv": "graduation",
    "at-risk.csv": "at_risk",
    "pass-rates.csv": "by_capstone",
    "criteria.csv": "by_criterion",
    "benchmarks.csv": "benchmarks",
    "agreement.csv": "agreement",
}


def _pct(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{float(value) * 100:.0f}%"  # type: ignore[arg-type]


def _num(value: object, digits: int = 2) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return str(value)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = (
        frame.astype("object").where(frame.notna(), None).to_dict("records")
    )
    return records


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("evaluator.cohort", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html.j2",)),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=_pct, num=_num, rows=_rows)
    return env


def render_dashboard(view: CohortView, lang: str = "en") -> str:
    """The dashboard as one HTML file: inline CSS, plots as data: images, no scripts."""
    t = messages(lang, "evaluator.cohort")
    figures = {
        "kpis": plots.kpi_plot(view.kpis, t),
        "pass_rates": plots.pass_rate_plot(view.by_capstone, t),
        "attempts": plots.attempts_plot(view.attempts, t),
        "benchmarks": plots.benchmark_plot(view.benchmark_values, t),
        "trends": plots.trend_plot(view.trends, t),
    }
    graduation = view.graduation[view.graduation["attempted"].astype(bool)]
    tables = {
        "graduation": graduation.head(PAGE_ROWS),
        "graduation_total": len(graduation),
        "at_risk": view.at_risk.head(PAGE_ROWS),
        "at_risk_total": len(view.at_risk),
    }
    template = _environment().get_template("dashboard.html.j2")
    return template.render(
        v=view, t=t, lang=lang, figures=figures, tables=tables, exports=list(EXPORTS)
    )


#: A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _quoted(cell: object) -> object:
    return "'" + cell if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) else cell


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells that a spreadsheet would run as a formula quoted by a ``'``.

    Learner names and repository folders reach the CSV exports; a programme lead opens
    them in a spreadsheet, where ``=HYPERLINK(...)`` would be live. Numbers stay numbers.
    """
    safe = frame.copy()
    for column in safe.columns:
        if isinstance(safe[column].dtype, pd.CategoricalDtype):
            safe[column] = safe[column].astype(object)
        if safe[column].dtype == object or isinstance(safe[column].dtype, pd.StringDtype):
            safe[column] = safe[column].map(_quoted)
    return safe


def write_dashboard(view: CohortView, out: Path, lang: str = "en") -> list[Path]:
    """Write dashboard.html and the CSV exports into ``out``; return the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / DASHBOARD]
    (out / DASHBOARD).write_text(render_dashboard(view, lang), encoding="utf-8")
    for name, attribute in EXPORTS.items():
        frame: pd.DataFrame = getattr(view, attribute)
        spreadsheet_safe(frame).to_csv(out / name, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        written.append(out / name)
    return written
