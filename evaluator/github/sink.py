"""The GitHub App's result sink: the worker clones with a read-only token and publishes
the comment and check run with a second token, both narrowed to the one repository."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from github.GithubException import GithubException
from github.Repository import Repository
from pydantic import JsonValue
from requests.exceptions import RequestException

from evaluator.config import EvaluatorConfig
from evaluator.github.client import (
    PUBLISH,
    READ_CONTENTS,
    auth_header_config,
    installation_token,
    token_client,
)
from evaluator.github.publish import fail_check, publish_report, start_check
from evaluator.model.base import FrozenModel
from evaluator.model.report import Report
from evaluator.queue.model import Job
from evaluator.queue.run import RetryLater
from evaluator.queue.sinks import parse_options


class GitHubOptions(FrozenModel):
    """Options of the ``github`` target (set by the webhook server)."""

    installation_id: int
    repository: str
    clone_url: str
    """The repository's clone URL: the token's header is sent to its host only."""
    head_sha: str
    pull_number: int | None = None


class GitHubSink:
    """Publishes one job's result on its repository."""

    def __init__(self, options: Mapping[str, JsonValue], config: EvaluatorConfig) -> None:
        self.options = parse_options(GitHubOptions, options, "github")
        self.config = config.github

    @cached_property
    def _repo(self) -> Repository:
        """The repository, through a publishing token (made once per job attempt)."""
        token = installation_token(
            self.config, self.options.installation_id, self.options.repository, PUBLISH
        )
        return token_client(self.config, token.value).get_repo(self.options.repository)

    def git_config(self) -> tuple[tuple[str, str], ...]:
        """A read-only token for the one repository, as an HTTP header for git."""
        token = installation_token(
            self.config, self.options.installation_id, self.options.repository, READ_CONTENTS
        )
        return auth_header_config(self.options.clone_url, token.value)

    def started(self, job: Job) -> None:
        """The check run goes in progress (GitHub unreachable: retried later)."""
        try:
            start_check(self._repo, self.config.check_name, self.options.head_sha)
        except (GithubException, RequestException) as exc:
            raise RetryLater(f"GitHub: {exc}") from None

    def finished(self, job: Job, report: Report, folder: Path) -> None:
        """The sticky comment and the completed check run with its annotations."""
        base = self.config.report_url
        publish_report(
            self._repo,
            report,
            check_name=self.config.check_name,
            head_sha=self.options.head_sha,
            pull_number=self.options.pull_number,
            lang=job.lang,
            report_url=f"{base}/{job.id}/report.html" if base else None,
            app_id=self.config.app_id,
        )

    def failed(self, job: Job, message: str) -> None:
        """The check run is completed as failed with the reason."""
        repo = self._repo
        fail_check(start_check(repo, self.config.check_name, self.options.head_sha), message)
