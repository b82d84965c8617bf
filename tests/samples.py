"""Sample reports for rendering tests: a full evaluation with hostile learner text."""

from __future__ import annotations

from datetime import UTC, datetime

from evaluator.integrity.check import integrity_check
from evaluator.integrity.kinds import finding
from evaluator.model.criteria import Override
from evaluator.model.report import CheckResult, Finding, Report, SourceInfo, Status, Verdict
from evaluator.model.review import (
    CitedLines,
    CriterionReview,
    ModelCall,
    Review,
    ReviewedFile,
    ReviewStatus,
    SkippedFile,
)
from evaluator.review.evidence import judgement_scores
from evaluator.rubrics.apply import apply_rubric, record_override
from evaluator.rubrics.code_evidence import CodeEvidence
from evaluator.rubrics.evidence import Evidence, JudgementScore, PresenceEvidence, RuleEvidence
from evaluator.rubrics.loader import find_rubric
from tests.factories import report

HOSTILE_NAME = "test_x<script>alert('pwned')</script>{{ 7*7 }}"
HOSTILE_MESSAGE = (
    "```\n</details>\n# Graduated! @octocat [click](javascript:alert(1)) "
    "<img src=x onerror=alert(1)>"
)


def _checks(passed: int, violations: int, percent: float) -> list[CheckResult]:
    return [
        CheckResult(id="manifest", status=Status.PASS, summary="capstone.yaml names 1.1"),
        CheckResult(
            id="workspace", status=Status.PASS, summary="42 files",
            metrics={"files": 42, "bytes": 81234, "skipped_links": 0},
        ),
        CheckResult(id="install", status=Status.PASS, summary="dependencies installed"),
        CheckResult(
            id="tests", status=Status.FAIL, summary=f"{passed} passed, 2 failed",
            metrics={"passed": passed, "failed": 2, "errors": 0, "skipped": 1, "duration_s": 3.2},
            findings=[
                Finding(
                    path="tests/test_mover.py", line=12, code="test-failure",
                    message="test_moves_images: AssertionError: assert 'a.png' in []",
                    detail="def test_moves_images(tmp_path):\n>       assert 'a.png' in moved\n"
                    "E       AssertionError: assert 'a.png' in []\n",
                ),
                Finding(
                    path="tests/test_evil.py", line=3, code="test-failure",
                    message=f"{HOSTILE_NAME}: {HOSTILE_MESSAGE}", detail=HOSTILE_MESSAGE,
                ),
            ],
        ),
        CheckResult(
            id="hidden-tests", status=Status.PASS, summary="8 of 8 hidden tests passed",
            metrics={"passed": 8, "failed": 0, "errors": 0, "total": 8},
        ),
        CheckResult(
            id="coverage", status=Status.PASS, summary=f"{percent}% of lines covered",
            metrics={"percent": percent},
            details={"files": {"organizer/cli.py": 41.0, "organizer/mover.py": 92.5,
                               "organizer/<b>odd</b>.py": 100.0}},
        ),
        CheckResult(
            id="lint", status=Status.PASS, summary=f"{violations} violations (budget 10)",
            metrics={"violations": violations},
            findings=[
                Finding(path="organizer/cli.py", line=7, column=1, code="F401",
                        message="`os` imported but unused"),
                Finding(path="organizer/mover.py", line=30, code="E501",
                        message="Line too long (120 > 100) <!-- hidden -->"),
            ],
        ),
        integrity_check([
            finding("pragma-no-cover", "organizer/<b>mover</b>.py", 40,
                    "`pragma: no cover` hides these lines from coverage"),
            finding("noqa", "organizer/cli.py", 7, "lint suppression comment"),
        ]),
    ]  # fmt: skip


def _evidence(logging_found: bool) -> Evidence:
    found = RuleEvidence(count=3, locations=("organizer/__init__.py",))
    modules = CodeEvidence(count=5, locations=("organizer/cli.py (organizer.cli)",))
    return Evidence(
        presence=PresenceEvidence(
            files={"multi-module": (found,), "logging": (), "error-handling": (), "readme": ()},
            patterns={
                "multi-module": (),
                "logging": (),
                "error-handling": (),
                "readme": (RuleEvidence(count=0),),
            },
            code={
                "multi-module": (modules,),
                "logging": (
                    CodeEvidence(
                        count=int(logging_found),
                        locations=("organizer/cli.py:3 (logging.getLogger)",),
                    ),
                ),
                "error-handling": (
                    CodeEvidence(count=4, locations=("organizer/mover.py:22 (OSError)",)),
                ),
                "readme": (),
            },
        ),
        judgements=judgement_scores(sample_review()),
    )


def sample_review() -> Review:
    """An LLM review: two levels decided, one a proposal (the mentor overrides it later)."""
    cli = CitedLines(
        path="organizer/cli.py",
        line_start=1,
        line_end=3,
        quote="import argparse",
        excerpt="import argparse\nimport logging\nlog = '<b>not bold</b>'",
    )
    mover = CitedLines(
        path="organizer/mover.py",
        line_start=22,
        line_end=22,
        quote="except PermissionError",
        excerpt="    except PermissionError:",
    )
    test = CitedLines(
        path="tests/test_mover.py",
        line_start=12,
        line_end=12,
        quote="def test_",
        excerpt="def test_moves_images(tmp_path):",
    )
    return Review(
        status=ReviewStatus.REVIEWED, model="openai/gpt-4o-mini", samples=3, prompt_hash="ab" * 32,
        prompt_tokens=8412, input_tokens=8412, output_tokens=611, cost_usd=0.0016, latency_s=4.2,
        calls=[ModelCall(sample=1, attempt=1, cached=False, input_tokens=8412, output_tokens=611,
                         cost_usd=0.0016, latency_s=4.2, outcome="valid")],
        files=[ReviewedFile(path="README.md", tokens=310), ReviewedFile(path="organizer/cli.py",
               tokens=820, truncated=True)],
        skipped=[SkippedFile(path="data/photos.csv", reason="too large (9000000 bytes > 200000)")],
        citations_dropped=3,
        criteria=[
            CriterionReview(id="structure", level=3, proposal=3, samples=[3],
                            justification="Clear split into cli, scanner and mover. "
                            "<script>x()</script>", citations=[cli], dropped_citations=1),
            CriterionReview(id="error-handling-quality", proposal=2, samples=[1, 2, 4],
                            justification="Handles a missing folder.", citations=[mover],
                            to_mentor="the samples disagree (levels 1, 2, 4)"),
            CriterionReview(id="test-quality", level=1, proposal=1, samples=[1],
                            justification="Happy path only.", citations=[test],
                            dropped_citations=2),
        ],
    )  # fmt: skip


def _reviewed(*checks: CheckResult) -> Report:
    """A report of the learner's GitHub repository, with its LLM review."""
    return report(*checks).model_copy(
        update={
            "review": sample_review(),
            "source": SourceInfo(kind="git", location="https://github.com/learner/organizer.git",
                                 commit="0123456789abcdef0123456789abcdef01234567"),
        }
    )  # fmt: skip


def previous_attempt() -> Report:
    """The learner's earlier attempt: fewer tests, more lint, no logging."""
    base = _reviewed(*_checks(passed=14, violations=12, percent=55.0))
    return apply_rubric(base, find_rubric("1.1"), _evidence(logging_found=False))


def full_report() -> Report:
    """A decided 1.1 report with failures, review scores and a mentor override."""
    base = _reviewed(*_checks(passed=21, violations=2, percent=71.5))
    decided = apply_rubric(base, find_rubric("1.1"), _evidence(logging_found=True))
    override = Override(
        criterion="error-handling-quality",
        level=3,
        note="Walked me through the <b>retry</b> logic.",
        by="Mentor @ada",
        at=datetime(2026, 11, 23, 10, 30, tzinfo=UTC),
    )
    return record_override(decided, override)


def mnist_report() -> Report:
    """A 3.1 report with a hidden-label benchmark above the 97% threshold."""
    checks = [
        CheckResult(id="tests", status=Status.PASS, summary="8 passed",
                    metrics={"passed": 8, "failed": 0, "errors": 0, "skipped": 0}),
        CheckResult(id="benchmark", status=Status.PASS, summary="accuracy 0.9712 >= 0.97",
                    metrics={"benchmark": "mnist", "accuracy": 0.9712, "threshold": 0.97}),
    ]  # fmt: skip
    evidence = Evidence(
        presence=PresenceEvidence(
            files={"pure-pytorch": ()},
            patterns={"pure-pytorch": ()},
            code={
                "pure-pytorch": (
                    CodeEvidence(count=0),
                    CodeEvidence(
                        count=2, locations=("mnist/model.py:1 (torch)", "mnist/train.py:1 (torch)")
                    ),
                )
            },
        ),
        judgements={
            "architecture-experiments": JudgementScore(level=2, justification="Two widths tried."),
            "feature-visualisation": JudgementScore(level=2, justification="Weights plotted."),
        },
    )
    return apply_rubric(report(*checks, capstone="3.1-mnist-mlp"), find_rubric("3.1"), evidence)


def no_rubric_report() -> Report:
    """A report the pipeline renders before any rubric applies: checks only."""
    return report(*_checks(passed=21, violations=2, percent=71.5), capstone=None).model_copy(
        update={"verdict": Verdict.FAIL}
    )
