"""Evaluate a submission, re-run its LLM review, record a mentor's override, print schemas."""

from __future__ import annotations

from pathlib import Path

import click

from evaluator.cli.base import BASE, CONFIG, DIFF, LANG, cli, config, exit_with
from evaluator.config import EvaluatorConfig


@cli.command()
@click.argument("source")
@click.option("--ref", help="Branch, tag or commit to evaluate (git URLs).")
@click.option("--capstone", "capstone_id", help="Capstone id; overrides capstone.yaml.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for report.json, report.md, report.html [default: reports/<repo name>].",
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@LANG
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Previous attempt's report.json for the diff [default: the one in --out, "
    "kept as report.previous.json].",
)
@click.option("--learner", help="Learner the evaluation is stored under [default: from SOURCE].")
@click.option("--cohort", help="Cohort the evaluation is stored under.")
@click.option("--no-store", is_flag=True, help="Do not keep the evaluation in the results store.")
@BASE
@DIFF
def evaluate(
    source: str,
    ref: str | None,
    capstone_id: str | None,
    out: Path | None,
    as_json: bool,
    quiet: bool,
    lang: str,
    previous: Path | None,
    learner: str | None,
    cohort: str | None,
    no_store: bool,
    base: str | None,
    diff_file: Path | None,
) -> None:
    """Evaluate SOURCE (a local path or git URL) and write its report.

    Exit status: 0 graduation-ready (without a rubric: every check passed),
    1 not-yet or needs-mentor (without a rubric: some check failed), 2 the
    evaluation could not run. The evaluation is kept in the results store (see
    `capstone-eval cohort`) unless --no-store is given.
    """
    from evaluator.commands import evaluate as command
    from evaluator.store.identity import membership_of

    exit_with(
        command.run,
        config,  # loaded inside the command's error boundary: a bad setting still gets a report
        source=source,
        ref=ref,
        capstone_id=capstone_id,
        out=out,
        as_json=as_json,
        quiet=quiet,
        lang=lang,
        previous=previous,
        membership=membership_of(source, learner=learner, cohort=cohort),
        store=not no_store,
        base=base,
        diff_file=diff_file,
    )


@cli.command()
@click.argument("name", type=click.Choice(["report", "review", "rubric", "benchmark"]))
def schema(name: str) -> None:
    """Print the JSON Schema of a document the evaluator reads or writes.

    report: report.json; review: the LLM review's answer; rubric: a rubric file;
    benchmark: a benchmark definition.
    """
    import json

    from evaluator.benchmarks.definition import definition_json_schema

    if name == "rubric":
        from evaluator.rubrics.loader import dump_json
        from evaluator.rubrics.model import rubric_json_schema

        click.echo(dump_json(rubric_json_schema()), nl=False)
        return
    from evaluator.model.report import report_json_schema
    from evaluator.review.answer import review_json_schema

    schemas = {
        "report": report_json_schema,
        "review": review_json_schema,
        "benchmark": definition_json_schema,
    }
    click.echo(json.dumps(schemas[name](), indent=2))


@cli.command()
@click.argument("report", type=click.Path(exists=True, path_type=Path))
@click.argument("criterion")
@click.option(
    "--level",
    type=click.IntRange(0, 4),
    required=True,
    help="Level 0-4; pass/fail criteria pass at 2+.",
)
@click.option("--note", required=True, help="Why; shown to the learner and kept in report.json.")
@click.option("--by", required=True, help="Mentor name.")
@LANG
@click.option(
    "--previous",
    type=click.Path(exists=True, path_type=Path),
    help="Previous attempt's report.json for the diff [default: report.previous.json beside it].",
)
@click.option("--no-store", is_flag=True, help="Do not record the override in the results store.")
def override(
    report: Path,
    criterion: str,
    level: int,
    note: str,
    by: str,
    lang: str,
    previous: Path | None,
    no_store: bool,
) -> None:
    """Record a mentor decision on CRITERION in REPORT (report.json or its folder).

    The evaluator's own outcome is kept; the verdict is re-decided and report.md and
    report.html are rendered again beside report.json.
    """
    from datetime import UTC, datetime

    from evaluator.commands import override as command

    exit_with(command.run, report, criterion, level=level, note=note, by=by, lang=lang,
          previous=previous, now=datetime.now(UTC),
          config=None if no_store else CONFIG)  # fmt: skip


# --- the LLM review (evaluator/review) -------------------------------------------------
@cli.command()
@click.argument("target", metavar="PATH_OR_REPORT")
@click.option(
    "--report", "report_file", type=click.Path(exists=True, path_type=Path),
    help="report.json to update when PATH_OR_REPORT is the submission "
    "[default: reports/<repo name>/report.json].",
)  # fmt: skip
@BASE
@DIFF
@click.option("--samples", type=click.IntRange(1, 9), help="Answers asked (median level).")
@LANG
@click.option("--json", "as_json", is_flag=True, help="Print report.json to stdout.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
def review(
    target: str, report_file: Path | None, base: str | None, diff_file: Path | None,
    samples: int | None, lang: str, as_json: bool, quiet: bool,
) -> None:  # fmt: skip
    """Run only the LLM review again for PATH_OR_REPORT (a report.json, its folder, or the
    submission) and re-decide its judgement criteria; the reports are written in place.

    The model comes from CAPSTONE_EVAL_LLM_MODEL (or [review] in capstone-eval.toml).
    Exit status as for evaluate.
    """
    import dataclasses

    from evaluator.commands import review as command

    def configured() -> EvaluatorConfig:
        loaded = config()
        if samples is None:
            return loaded
        return dataclasses.replace(
            loaded, review=loaded.review.model_copy(update={"samples": samples})
        )

    # The configuration is read inside the error boundary: a bad setting is a message.
    exit_with(lambda: command.run(
        configured(), target=target, report_file=report_file, base=base, diff_file=diff_file,
        lang=lang, as_json=as_json, quiet=quiet,
    ))  # fmt: skip
