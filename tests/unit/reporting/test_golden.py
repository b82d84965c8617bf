"""Rendered reports against golden files.

After an intended change of a template or message, rewrite the goldens with
``pytest tests/unit/reporting --update-golden`` (or ``UPDATE_GOLDEN=1``) and review
the diff of ``tests/golden/`` like any other change.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from evaluator.model.report import Report
from evaluator.reporting import render_html, render_markdown
from tests.samples import full_report, mnist_report, no_rubric_report, previous_attempt

GOLDEN = Path(__file__).resolve().parents[2] / "golden"

CASES: dict[str, Callable[[], str]] = {
    "full.en.md": lambda: render_markdown(full_report(), "en", report_url="https://ci.example/r/1"),
    "full.nl.md": lambda: render_markdown(full_report(), "nl"),
    "full.en.html": lambda: render_html(full_report(), "en", previous=previous_attempt()),
    "full.nl.html": lambda: render_html(full_report(), "nl"),
    "mnist.en.md": lambda: render_markdown(mnist_report(), "en"),
    "mnist.en.html": lambda: render_html(mnist_report(), "en"),
    "no-rubric.en.md": lambda: render_markdown(no_rubric_report(), "en"),
    "no-rubric.nl.html": lambda: render_html(no_rubric_report(), "nl"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rendering_matches_golden(name: str, update_golden: bool) -> None:
    rendered = CASES[name]()
    path = GOLDEN / name
    if update_golden:
        path.write_text(rendered, encoding="utf-8")
    assert path.is_file(), f"no golden {path.name}: run pytest with --update-golden"
    assert rendered == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden; if intended, run pytest --update-golden and review"
    )


def test_rendering_is_deterministic() -> None:
    report: Report = full_report()
    assert render_html(report, "en") == render_html(report.model_copy(), "en")
