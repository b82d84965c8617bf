"""The GitHub Action's entry point (``capstone-eval action``): evaluate the checked-out pull
request head, publish, and leave the exit code to the verdict.

It reads what a runner sets (``GITHUB_EVENT_PATH``, ``GITHUB_REPOSITORY``,
``GITHUB_STEP_SUMMARY``, ``GITHUB_OUTPUT``, ...). A pull request from a fork
runs with a read-only token: the results go to the job summary only, and the
summary says so; so does any refusal of the API (403).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluator.errors import ConfigError

FORK_NOTE = (
    "> **Note:** this pull request comes from a fork, so this workflow's token is read-only: "
    "the results are in this job summary only (no PR comment or check run)."
)
REFUSED_NOTE = (
    "> **Note:** GitHub refused to let this workflow comment or create a check run ({reason}); "
    "the results are in this job summary only. Give the workflow `pull-requests: write` and "
    "`checks: write` permissions."
)


@dataclass(frozen=True, kw_only=True)
class ActionContext:
    """What the runner tells the step about the run."""

    repository: str
    event_name: str
    head_sha: str
    pull_number: int | None
    fork: bool
    token: str | None
    workspace: Path
    summary_path: Path | None
    output_path: Path | None
    run_url: str | None


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the event file {path}: {exc}") from None
    return data if isinstance(data, dict) else {}


def action_context(env: Mapping[str, str]) -> ActionContext:
    """The run's context from a runner's environment variables and event file."""
    repository = env.get("GITHUB_REPOSITORY", "")
    if not repository:
        raise ConfigError(
            "GITHUB_REPOSITORY is not set: `capstone-eval action` runs inside GitHub Actions",
            hint="use `capstone-eval evaluate PATH` elsewhere",
        )
    event = _event(env)
    pull = event.get("pull_request") or {}
    head = pull.get("head") or {}
    head_repo = (head.get("repo") or {}).get("full_name", repository)
    server, run_id = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_RUN_ID")
    summary, output = env.get("GITHUB_STEP_SUMMARY"), env.get("GITHUB_OUTPUT")
    return ActionContext(
        repository=repository,
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        head_sha=head.get("sha") or env.get("GITHUB_SHA", ""),
        pull_number=pull.get("number"),
        fork=bool(pull) and head_repo != repository,
        token=env.get("INPUT_GITHUB_TOKEN") or env.get("GITHUB_TOKEN") or None,
        workspace=Path(env.get("GITHUB_WORKSPACE") or "."),
        summary_path=Path(summary) if summary else None,
        output_path=Path(output) if output else None,
        run_url=f"{server}/{repository}/actions/runs/{run_id}" if server and run_id else None,
    )


def group(title: str) -> str:
    """The workflow command that opens a collapsible log group."""
    return f"::group::{title}"


END_GROUP = "::endgroup::"


def write_outputs(path: Path | None, values: Mapping[str, str]) -> None:
    """Append step outputs (``name=value`` lines) to ``$GITHUB_OUTPUT``."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as handle:
        for key, value in values.items():
            handle.write(f"{key}={value}\n")


def append_summary(path: Path | None, text: str) -> None:
    """Append Markdown to ``$GITHUB_STEP_SUMMARY``."""
    if path is None:
        return
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text.rstrip("\n") + "\n")
