"""What one evaluation is asked to do, and what its steps share while it runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evaluator.checks.install import InstallOutcome
from evaluator.config import EvaluatorConfig
from evaluator.intake.manifest import Manifest
from evaluator.intake.source import FetchedSource, Source
from evaluator.intake.workspace import Workspace
from evaluator.integrity.scan import StaticScan
from evaluator.model.report import CheckResult, Finding, Status, Timings
from evaluator.model.review import Review
from evaluator.progress import ProgressFn
from evaluator.pycode.files import Codebase
from evaluator.rubrics.evidence import PresenceEvidence
from evaluator.rubrics.model import Rubric
from evaluator.sandbox.engine import DockerEngine
from evaluator.sandbox.interpreters import SandboxTarget


@dataclass(frozen=True, kw_only=True)
class EvaluationRequest:
    """What to evaluate."""

    source: Source
    capstone: str | None = None
    """Capstone id that overrides the manifest's (``--capstone``)."""
    rubrics: Path | None = None
    """Folder of rubric files [default: the bundled rubrics]."""
    on_workspace: Callable[[Path], None] | None = None
    """Called with the sanitised workspace before it is removed (the results store
    archives its source files for the similarity run)."""
    base: str | None = None
    """Pull request base (branch, tag, commit): the LLM review reads the diff against it first."""
    diff: str | None = None
    """A pull request's unified diff, given by the caller (e.g. from GitHub's API)."""


class Clock:
    """Wall time per phase, for the report's timings."""

    def __init__(self) -> None:
        self.started_at = datetime.now(UTC)
        self.start = time.monotonic()
        self.phases: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        began = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = round(time.monotonic() - began, 3)

    def timings(self) -> Timings:
        return Timings(
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            total_s=round(time.monotonic() - self.start, 3),
            phases=self.phases,
        )


def skipped(check_id: str, why: str) -> CheckResult:
    """A check that did not run, and why."""
    return CheckResult(id=check_id, status=Status.SKIPPED, summary=f"not run: {why}")


@dataclass(kw_only=True)
class Run:
    """What the steps of one evaluation share; each step appends its checks."""

    request: EvaluationRequest
    config: EvaluatorConfig
    engine: DockerEngine
    progress: ProgressFn
    clock: Clock
    image_id: str
    targets: tuple[SandboxTarget, ...]
    """The interpreters built on this engine; the first is the default image's."""
    scratch: Path
    fetched: FetchedSource
    workspace: Workspace
    checks: list[CheckResult] = field(default_factory=list)
    manifest: Manifest | None = None
    capstone: str | None = None
    rubric: Rubric | None = None
    install: InstallOutcome | None = None
    presence: PresenceEvidence = field(default_factory=PresenceEvidence)
    review: Review | None = None
    integrity_findings: list[Finding] = field(default_factory=list)
    """Findings any step makes about the trustworthiness of the evidence (code 'integrity/...');
    the integrity step reports them together."""
    codebase: Codebase | None = None
    """The workspace's Python code, parsed once (syntax trees; nothing runs)."""
    scan: StaticScan | None = None
    """The static scan of the workspace (hooks, marks, assertion-free tests, ...)."""

    @property
    def root(self) -> Path:
        """The workspace folder."""
        return self.workspace.root

    @property
    def image(self) -> str:
        """The image learner code runs in: the dependency layer when there is one."""
        return self.install.image if self.install is not None else self.config.sandbox_image

    @property
    def target(self) -> SandboxTarget:
        """The interpreter the learner code runs on (the default until the install chose)."""
        chosen = self.install.target if self.install is not None else None
        return chosen or self.targets[0]

    @property
    def installed(self) -> bool:
        """Whether the learner's dependencies are in place (or none were needed)."""
        return self.install is not None and self.install.check.status in (
            Status.PASS,
            Status.SKIPPED,
        )
