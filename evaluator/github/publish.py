"""Publishing a report on a pull request with PyGithub: one sticky comment, one check run.

The comment is found again by the hidden marker the Markdown report starts with
and its author: a bot, and as the App, the App itself (``performed_via_github_app``),
so neither a learner's comment quoting the marker nor one posted by the learner's
own workflow or App is ever edited; it is updated in place. The check run goes
``in_progress`` when the evaluation starts and ``completed`` with its annotations in
batches of 50 at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from github.CheckRun import CheckRun
from github.GithubException import GithubException
from github.IssueComment import IssueComment
from github.Repository import Repository

from evaluator.github.checkrun import OUTPUT_LIMIT, batches, check_annotations, conclusion, title
from evaluator.model.report import Report
from evaluator.reporting.mdsafe import md_text
from evaluator.reporting.render import render_markdown

log = logging.getLogger(__name__)

#: The first line of every comment the evaluator writes (see comment.md.j2).
MARKER = "<!-- capstone-evaluator:comment -->"


@dataclass(frozen=True, kw_only=True)
class Published:
    """What was written on GitHub."""

    comment_id: int | None
    check_run_id: int
    annotation_requests: int


def upsert_comment(
    repo: Repository, pull_number: int, body: str, *, app_id: str | None = None
) -> int:
    """Edit the evaluator's comment on the pull request, or create it; returns its id.

    With ``app_id`` (the GitHub App) only a comment that App wrote counts as ours; without
    it (the Action's token) any bot's comment with the marker does.
    """
    issue = repo.get_issue(pull_number)
    for comment in issue.get_comments():
        if _ours(comment, app_id):
            comment.edit(body)
            return int(comment.id)
    return int(issue.create_comment(body).id)


def _ours(comment: IssueComment, app_id: str | None) -> bool:
    if not (comment.body or "").startswith(MARKER) or comment.user.type != "Bot":
        return False
    if app_id is None:
        return True
    app = comment.performed_via_github_app
    return app is not None and str(app.id) == app_id


def start_check(repo: Repository, name: str, head_sha: str) -> CheckRun:
    """The check run of ``head_sha`` marked in progress (an unfinished one is reused, so a
    retried job does not leave a second run spinning)."""
    for run in repo.get_commit(head_sha).get_check_runs(check_name=name):
        if run.status != "completed":
            return run
    return repo.create_check_run(
        name=name, head_sha=head_sha, status="in_progress", started_at=datetime.now(UTC)
    )


def complete_check(
    run: CheckRun, report: Report, lang: str, *, report_url: str | None = None
) -> int:
    """Complete ``run`` with the verdict, the comment as summary and the annotations;
    returns how many update requests the annotations took.

    Annotation paths come from learner files; should GitHub refuse a batch (422), the
    run is completed without the rest of them rather than left in progress.
    """
    summary = render_markdown(report, lang, report_url=report_url, limit=OUTPUT_LIMIT)
    output = {"title": title(report, lang), "summary": summary}
    parts = batches(check_annotations(report))
    sent = 0
    try:
        for part in parts[:-1]:
            run.edit(output={**output, "annotations": part})
            sent += 1
        last = {**output, "annotations": parts[-1]} if parts[-1] else output
        _complete(run, report, last)
    except GithubException as exc:
        if exc.status != 422:
            raise
        log.warning("GitHub refused annotations of check run %s: %s", run.id, exc.data)
        _complete(run, report, output)
    return sent + 1


def _complete(run: CheckRun, report: Report, output: Mapping[str, object]) -> None:
    run.edit(
        status="completed",
        conclusion=conclusion(report),
        completed_at=datetime.now(UTC),
        output=dict(output),
    )


def fail_check(run: CheckRun, message: str) -> None:
    """Complete ``run`` as failed with ``message`` (the job was given up)."""
    run.edit(
        status="completed",
        conclusion="failure",
        completed_at=datetime.now(UTC),
        # The reason can quote what GitHub or git answered: inert, like all the comment's text.
        output={"title": "The evaluation could not run", "summary": md_text(message)},
    )


def publish_report(
    repo: Repository,
    report: Report,
    *,
    check_name: str,
    head_sha: str,
    pull_number: int | None,
    lang: str,
    report_url: str | None = None,
    run: CheckRun | None = None,
    app_id: str | None = None,
) -> Published:
    """The sticky comment (when there is a pull request whose head is still ``head_sha``:
    a late result of an older push never overwrites a newer one) and the check run.

    ``app_id``: the GitHub App publishing, whose own comment alone is edited."""
    comment_id = None
    if pull_number is not None and _still_head(repo, pull_number, head_sha):
        body = render_markdown(report, lang, report_url=report_url)
        comment_id = upsert_comment(repo, pull_number, body, app_id=app_id)
    run = run or start_check(repo, check_name, head_sha)
    requests = complete_check(run, report, lang, report_url=report_url)
    return Published(comment_id=comment_id, check_run_id=int(run.id), annotation_requests=requests)


def _still_head(repo: Repository, pull_number: int, head_sha: str) -> bool:
    current = str(repo.get_pull(pull_number).head.sha)
    if current != head_sha:
        log.info("pull request %s moved on to %s: comment left to that push", pull_number, current)
    return current == head_sha
