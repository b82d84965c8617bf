"""Read ``report.json`` and write the rendered reports beside it."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from evaluator.errors import ConfigError
from evaluator.model.report import Report
from evaluator.reporting.render import render_html, render_markdown
from evaluator.textsafe import json_visible

REPORT_JSON, REPORT_MD, REPORT_HTML = "report.json", "report.md", "report.html"
#: The earlier attempt's report.json, kept beside the new one for the HTML diff.
REPORT_PREVIOUS = "report.previous.json"


def report_path(path: Path) -> Path:
    """``path`` itself, or ``path/report.json`` when ``path`` is a folder."""
    return path / REPORT_JSON if path.is_dir() else path


def read_report(path: Path) -> Report:
    """Load and validate a ``report.json`` (or the one in a folder)."""
    path = report_path(path)
    try:
        return Report.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise ConfigError(
            f"cannot read {path}: {exc.strerror}", hint="give the report.json of an evaluation"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{path} is not a valid report: {where}: {first['msg']}",
            hint="give a report.json written by `capstone-eval evaluate`",
        ) from None


def try_read_report(path: Path) -> Report | None:
    """The report at ``path``, or None when there is none or it is not a valid report."""
    if not path.is_file():
        return None
    try:
        return read_report(path)
    except ConfigError:
        return None


def _write(path: Path, text: str) -> None:
    # Write then rename, so a reader (a web server, the PR publisher) never sees half a file.
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_reports(
    report: Report,
    json_path: Path,
    *,
    lang: str = "en",
    previous: Report | None = None,
    report_url: str | None = None,
) -> list[Path]:
    """Write ``report`` to ``json_path`` and report.md, report.html beside it; return the paths.

    ``report_url`` is where the learner's comment points for the full report
    (default: the report.html beside it).
    """
    folder = json_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    written = {
        # The same data, with what an editor or terminal would act on written as \u escapes.
        json_path: json_visible(report.model_dump_json(indent=2)) + "\n",
        folder / REPORT_MD: render_markdown(report, lang, report_url=report_url or REPORT_HTML),
        folder / REPORT_HTML: render_html(report, lang, previous=previous),
    }
    for path, text in written.items():
        _write(path, text)
    return list(written)
