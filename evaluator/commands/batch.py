"""``capstone-eval batch ROSTER.csv``: evaluate a cohort on the job queue, in parallel.

The roster is validated first (every problem listed, nothing run). Lines already
evaluated at their current commit are skipped. The rest become jobs on the job
queue with the ``store`` target; local worker processes (``capstone-eval worker``)
run them unless ``--no-local-workers`` says workers elsewhere take them (Redis).
The batch follows the job records and shows done, running, failed and the ETA.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO

import click

from evaluator.cohort.batch import (
    default_workers,
    failed,
    job_id,
    progress_line,
    status,
    verdict_counts,
)
from evaluator.cohort.roster import RosterEntry, read_roster
from evaluator.config import EvaluatorConfig
from evaluator.errors import SourceError, split_hint
from evaluator.intake.gitfiles import differs_from_index, read_local_repo
from evaluator.intake.gitsafe import credentials_apart, run_git
from evaluator.intake.source import Source, check_url
from evaluator.intake.workspace import SKIPPED_DIRS
from evaluator.queue.jobqueue import JobQueue
from evaluator.queue.model import Job, JobRecord, JobSource, ResultTarget
from evaluator.reporting.files import REPORT_JSON, try_read_report
from evaluator.rubrics.loader import rubric_paths, rubrics_dir
from evaluator.store.database import Store, open_store
from evaluator.store.sink import report_folder

_SHA40 = re.compile(r"^[0-9a-f]{40}$")


def _local_commit(folder: Path) -> str | None:
    """HEAD's commit of a local folder, read as files (no git process, as the evaluation
    reads it); None when it has none or its files differ from the index."""
    local = read_local_repo(folder)
    if local is None or local.commit is None or local.index is None:
        return None
    copied: set[str] = set()
    for here, dirs, files in os.walk(folder):  # never follows links into other folders
        dirs[:] = [d for d in dirs if d not in SKIPPED_DIRS]
        relative = Path(here).relative_to(folder)
        copied.update((relative / name).as_posix() for name in files)
        copied.update((relative / d).as_posix() for d in dirs if (Path(here) / d).is_symlink())
    changed = differs_from_index(local.index, folder, frozenset(copied), skip=SKIPPED_DIRS)
    return None if changed else local.commit


def remote_commit(
    entry: RosterEntry, host_env: Mapping[str, str], timeout_s: float = 30.0
) -> str | None:
    """The commit a roster line names now, without cloning; None when unknown.

    A git URL is asked with ``git ls-remote`` through the evaluator's safe git runner; a
    local folder is read as files, and one whose files differ from its index has no
    commit to compare (it is always evaluated again).
    """
    if entry.ref and _SHA40.match(entry.ref):
        return entry.ref
    if not Source(location=entry.repo).is_url:
        return _local_commit(Path(entry.repo))
    try:
        check_url(entry.repo)
    except SourceError:
        return None  # the evaluation reports why
    url, credentials = credentials_apart(entry.repo)
    done = run_git(
        ["ls-remote", url, entry.ref or "HEAD"],
        host_env=tuple(host_env.items()),
        settings=credentials,
        timeout_s=timeout_s,
    )
    words = done.stdout.decode("utf-8", "replace").split()
    return words[0] if done.ok and words and _SHA40.match(words[0]) else None


def _submit(
    queue: JobQueue, entry: RosterEntry, commit: str | None, out: Path | None, lang: str
) -> str:
    """Queue the line's job, or find it queued already; a finished one gets a fresh id."""
    options: dict[str, str | None] = {"learner": entry.learner, "cohort": entry.cohort}
    if out is not None:
        options["out"] = str(out.resolve())
    for retry in range(1000):
        job = Job(
            id=job_id(entry, commit, retry),
            source=JobSource(location=entry.repo, ref=entry.ref, capstone=entry.capstone),
            target=ResultTarget(kind="store", options=options),
            lang="nl" if lang == "nl" else "en",
            labels={"learner": entry.learner, "capstone": entry.capstone, "via": "batch"},
        )
        submitted = queue.submit(job)
        if submitted.created or not submitted.record.finished:
            return job.id
    raise RuntimeError("no free job id")  # 1000 re-runs of one line: not reached in practice


def _plan(
    store: Store, entries: list[RosterEntry], host_env: Mapping[str, str]
) -> tuple[list[tuple[RosterEntry, str | None]], int]:
    """(line, commit) pairs to evaluate, and how many lines are evaluated already."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        commits = list(pool.map(lambda entry: remote_commit(entry, host_env), entries))
    todo = [
        (entry, commit)
        for entry, commit in zip(entries, commits, strict=True)
        if commit is None
        or not store.evaluated(learner=entry.learner, capstone=entry.capstone, commit=commit)
    ]
    return todo, len(entries) - len(todo)


def _start_workers(count: int, env: Mapping[str, str], log: IO[str]) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "evaluator", "worker", "--workers", str(count)]
    return subprocess.Popen(argv, env=dict(env), stdout=log, stderr=log)


def _stop_workers(process: subprocess.Popen[bytes], *, now: bool) -> None:
    """SIGINT lets running evaluations finish; SIGTERM puts them back on the queue."""
    process.send_signal(signal.SIGTERM if now else signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class _Display:
    """One live line on a terminal; a line per change (at most every 10 s) otherwise."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()
        self.last, self.shown_at = "", 0.0

    def show(self, line: str, *, changed: bool) -> None:
        if self.live:
            click.echo(f"\r\033[K{line}", err=True, nl=False)
        elif changed or time.monotonic() - self.shown_at > 10:
            click.echo(line, err=True)
        self.shown_at = time.monotonic() if changed or not self.live else self.shown_at

    def end(self) -> None:
        if self.live:
            click.echo("", err=True)


def _follow(
    queue: JobQueue, ids: list[str], *, total: int, skipped: int, timeout_s: float
) -> list[JobRecord]:
    display, began, last = _Display(), time.monotonic(), None
    while True:
        records = [r for r in (queue.get(i) for i in ids) if r is not None]
        state = status(records, total=total, skipped=skipped)
        counts = (state.done, state.failed, state.running)
        display.show(progress_line(state, time.monotonic() - began), changed=counts != last)
        last = counts
        if state.finished or time.monotonic() - began > timeout_s:
            display.end()
            return records
        time.sleep(0.5)


def _report_error(record: JobRecord) -> str | None:
    """Why an evaluation could not run, as its report says."""
    if record.report_dir is None:
        return None
    report = try_read_report(Path(record.report_dir) / REPORT_JSON)
    return report.error if report is not None else None


def _summary(entries: dict[str, RosterEntry], records: list[JobRecord], out: Path | None) -> int:
    """Print each line that could not be evaluated, why, what to do and its report."""
    bad = [r for r in records if failed(r) or not r.finished]
    for record in sorted(bad, key=lambda r: entries[r.job.id].line):
        entry = entries[record.job.id]
        why, hint = split_hint(
            record.error or _report_error(record) or "the evaluation could not run"
        )
        if not record.finished:
            why, hint = "still queued or running", "run the same command again to follow it"
        click.echo(f"line {entry.line}: {entry.learner} {entry.capstone}: {why}")
        if hint:
            click.echo(f"  hint: {hint}")
        report = report_folder(out, entry.learner, entry.capstone) if out else record.report_dir
        if report and record.finished:
            click.echo(f"  report: {report}")
    return len(bad)


def run(
    config: EvaluatorConfig,
    env: Mapping[str, str],
    roster: Path,
    *,
    workers: int | None,
    local_workers: bool,
    out: Path | None,
    lang: str,
    timeout_s: float,
) -> int:
    """Run the batch; exit 0 when every line was evaluated, 1 when some could not be."""
    entries = read_roster(roster, [p.stem for p in rubric_paths(rubrics_dir())])
    store, queue = open_store(config.store_url), JobQueue.open(config)
    count = workers or default_workers(os.cpu_count() or 1, _memory_bytes(), config.limits)
    log_path = config.data_dir.parent / "batch-worker.log"
    with ExitStack() as stack:
        process = None
        if local_workers:
            # Started first: the workers load while the roster's commits are looked up.
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log = stack.enter_context(log_path.open("a", encoding="utf-8"))
            process = _start_workers(count, env, log)
            click.echo(f"{count} local workers (log: {log_path})", err=True)
        try:
            click.echo(f"{len(entries)} roster lines; checking which are evaluated", err=True)
            todo, skipped = _plan(store, entries, env)
            ids = {_submit(queue, entry, commit, out, lang): entry for entry, commit in todo}
            click.echo(f"{len(ids)} to evaluate, {skipped} evaluated already; queue "
                       f"{queue.where}", err=True)  # fmt: skip
            records = _follow(
                queue, list(ids), total=len(entries), skipped=skipped, timeout_s=timeout_s
            )
        except KeyboardInterrupt:
            if process is not None:
                _stop_workers(process, now=True)
            click.echo("interrupted: run the same command again to resume", err=True)
            return 130
        if process is not None:
            _stop_workers(process, now=False)
    bad = _summary(ids, records, out)
    verdicts = verdict_counts(records)
    click.echo(
        f"{len(records) - bad} evaluated{f' ({verdicts})' if verdicts else ''}, "
        f"{bad} could not be, {skipped} skipped"
    )
    where = f"reports in {out}; " if out else ""
    click.echo(f"{where}`capstone-eval cohort report` writes the cohort's dashboard", err=True)
    return 1 if bad else 0


def _memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        return 4 * 1024**3
