"""The dashboard's plots: matplotlib figures rendered to SVG, embedded as data: images.

Images, not inline SVG: the dashboard's CSP allows no scripts, and an SVG shown through
``<img>`` can run none either, whatever text (cohort names, capstone ids) it holds.
Text stays text (``svg.fonttype: none``), which keeps each plot a few KiB.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pandas as pd

from evaluator.cohort.kpis import Kpi
from evaluator.reporting.messages import Messages

_MAX_POINTS = 300
PASS, FAIL, MUTED, ACCENT = "#1a7f37", "#cf222e", "#57606a", "#0969da"
_STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "capstone-evaluator",  # stable ids: the same data gives the same file
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figures(width: float, height: float, columns: int) -> tuple[Any, list[Any]]:
    import matplotlib

    matplotlib.use("Agg")  # no display: files only
    import matplotlib.pyplot as plt

    plt.style.use(_STYLE)
    fig, axes = plt.subplots(
        1, columns, figsize=(width, height), layout="constrained", squeeze=False
    )
    return fig, list(axes.flat)


def _figure(width: float, height: float) -> tuple[Any, Any]:
    fig, axes = _figures(width, height, 1)
    return fig, axes[0]


def _whole_numbers(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _dates(axis: Any) -> None:
    from matplotlib.dates import AutoDateLocator, DateFormatter

    # ISO dates read the same in every language; six at most, so that they never overlap.
    axis.set_major_locator(AutoDateLocator(maxticks=6))  # type: ignore[no-untyped-call]
    axis.set_major_formatter(DateFormatter("%Y-%m-%d"))  # type: ignore[no-untyped-call]


def _data_uri(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def kpi_plot(kpis: list[Kpi], t: Messages) -> str | None:
    """The three programme KPIs as bars against their targets."""
    shown = [k for k in kpis if k.value is not None]
    if not shown:
        return None
    fig, ax = _figure(6.5, 2.4)
    labels = [t(f"kpi.{k.id}") for k in shown]
    values = [100 * (k.value or 0) for k in shown]
    colours = [PASS if k.met else FAIL for k in shown]
    ax.barh(labels, values, color=colours)
    for i, k in enumerate(shown):
        ax.plot([100 * k.target] * 2, [i - 0.4, i + 0.4], color="black", linewidth=2)
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel(t("plot.percent_target"))
    return _data_uri(fig)


def pass_rate_plot(table: pd.DataFrame, t: Messages) -> str | None:
    """Pass rate and first-attempt pass rate per capstone."""
    if table.empty:
        return None
    fig, ax = _figure(6.5, 0.4 * len(table) + 1.0)
    ax.barh(table["capstone"], 100 * table["pass_rate"], color=PASS, label=t("label.pass_rate"))
    ax.barh(
        table["capstone"], 100 * table["first_attempt_rate"], color=ACCENT, height=0.4,
        label=t("label.first_attempt_rate"),
    )  # fmt: skip
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("%")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=2, frameon=False)
    return _data_uri(fig)


def benchmark_plot(values: pd.DataFrame, t: Messages) -> str | None:
    """Each benchmark metric's values as a box plot, its threshold as a dashed line."""
    if values.empty:
        return None
    groups = list(values.groupby(["capstone", "criterion", "metric", "op", "threshold"]))
    fig, axes_list = _figures(2.6 * len(groups) + 0.6, 3.2, len(groups))
    for ax, ((capstone, _, metric, op, threshold), group) in zip(axes_list, groups, strict=True):
        ax.boxplot(group["value"], widths=0.5)
        if len(group) <= _MAX_POINTS:  # beyond that the points are one blot and megabytes of SVG
            ax.scatter([1] * len(group), group["value"], s=6, alpha=0.4, color=ACCENT)
        ax.axhline(threshold, color=FAIL, linestyle="--", linewidth=1)
        ax.set_title(f"{capstone}\n{metric} {op} {threshold:g}", fontsize=9)
        ax.set_xticks([])
    axes_list[0].set_ylabel(t("plot.value"))
    return _data_uri(fig)


def trend_plot(trends: pd.DataFrame, t: Messages) -> str | None:
    """Capstones completed so far, per cohort, week by week."""
    if trends.empty:
        return None
    fig, ax = _figure(6.5, 2.8)
    for cohort, group in trends.groupby("cohort"):
        ax.plot(
            group["week"], group["cumulative_completed"], marker="o", markersize=3, label=cohort,
            clip_on=False,  # a point at 0 sits on the axis, drawn over it rather than under
        )  # fmt: skip
    ax.set_ylabel(t("plot.completed_so_far"))
    ax.set_ylim(bottom=0, top=max(1, int(trends["cumulative_completed"].max())) * 1.1)
    _whole_numbers(ax.yaxis)  # capstones, never -0.04 of one
    weeks = pd.to_datetime(trends["week"])
    if weeks.nunique() == 1:  # one week alone would get an axis of years around it
        ax.set_xlim(weeks.min() - pd.Timedelta(days=14), weeks.min() + pd.Timedelta(days=14))
    _dates(ax.xaxis)
    ax.legend(frameon=False)
    fig.autofmt_xdate()
    return _data_uri(fig)


def attempts_plot(table: pd.DataFrame, t: Messages) -> str | None:
    """Per capstone: learners by the attempt they first passed on, and those not yet."""
    if table.empty:
        return None
    columns = [c for c in table.columns if c != "capstone"]
    fig, ax = _figure(6.5, 0.4 * len(table) + 1.2)
    left = pd.Series(0, index=table.index, dtype="float64")
    colours = ["#1a7f37", "#4ac26b", "#aceebb", "#d1f0d9", "#d0d7de"]
    for column, colour in zip(columns, colours, strict=False):
        label = t("label.not_yet") if column == "not yet" else t("plot.attempt", n=column)
        ax.barh(table["capstone"], table[column], left=left, color=colour, label=label)
        left = left + table[column]
    ax.invert_yaxis()
    ax.set_xlabel(t("plot.learners"))
    _whole_numbers(ax.xaxis)  # learners, never 0.25 of one
    # Three to a row: five legend entries in one row ran past the figure's right edge.
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1), ncols=3, frameon=False, fontsize=8)
    return _data_uri(fig)
