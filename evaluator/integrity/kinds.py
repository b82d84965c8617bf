"""Integrity finding kinds: what each one means for the evidence it touches.

A finding ``integrity/<kind>`` says a piece of evidence may be forged. Its kind
decides which checks it casts doubt on: a rubric criterion that passed on such a
check is held undecided for a mentor (see :mod:`evaluator.rubrics.decision`);
a failed criterion stays failed. Informational kinds (``noqa``) are reported
and change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from evaluator.model.report import Finding

PREFIX = "integrity/"

TESTS, COVERAGE = "tests", "coverage"
_SUITE = (TESTS, COVERAGE)


@dataclass(frozen=True, kw_only=True)
class Kind:
    """One kind of integrity finding."""

    title: str
    """What it is, in a few words (reports group findings under it)."""
    doubts: tuple[str, ...] = ()
    """Check ids whose passing criteria the finding holds for a mentor; empty: informational."""


#: Every kind in use. Kinds other steps add are listed so the decision knows their effect.
KINDS: dict[str, Kind] = {
    "conftest-hook": Kind(title="pytest hook or plugin that can change results", doubts=_SUITE),
    "pytest-patch": Kind(title="pytest internals patched at run time", doubts=_SUITE),
    "xfail-no-reason": Kind(title="test marked xfail without a reason", doubts=(TESTS,)),
    "skip-no-reason": Kind(title="test skipped without a reason", doubts=(TESTS,)),
    "assertion-free": Kind(title="test that asserts nothing", doubts=(TESTS,)),
    "pragma-no-cover": Kind(title="code excluded from coverage", doubts=(COVERAGE,)),
    "narrow-source": Kind(title="coverage source narrower than the code", doubts=(COVERAGE,)),
    "noconftest-diff": Kind(title="results change without conftest.py", doubts=_SUITE),
    "filtered-tests": Kind(title="tests filtered out of the run", doubts=_SUITE),
    "result-stream": Kind(title="test results written by learner code", doubts=_SUITE),
    "test-set-copy": Kind(title="copy of a public test set", doubts=("benchmark",)),
    "capstone-mismatch": Kind(title="manifest names another capstone", doubts=("manifest",)),
    "prompt-injection": Kind(title="instructions aimed at the grader", doubts=("review",)),
    "hidden-characters": Kind(title="hidden or bidirectional characters", doubts=("review",)),
    "noqa": Kind(title="lint suppression comment (ignored by the lint check)"),
}

#: A kind nobody registered still casts doubt on nothing but is shown as a flag.
UNKNOWN = Kind(title="integrity finding")


def kind_of(finding: Finding) -> str | None:
    """``conftest-hook`` for a finding coded ``integrity/conftest-hook``, else None."""
    return finding.code.removeprefix(PREFIX) if finding.code.startswith(PREFIX) else None


def describe(kind: str) -> Kind:
    """The registered meaning of a kind (an unregistered one is a flag with no effect)."""
    return KINDS.get(kind, UNKNOWN)


def is_flag(kind: str) -> bool:
    """Whether a kind questions evidence (as opposed to being reported for information)."""
    return kind not in KINDS or bool(KINDS[kind].doubts)


def finding(kind: str, path: str, line: int | None, message: str) -> Finding:
    """An ``integrity/<kind>`` finding at ``path:line``."""
    return Finding(path=path, line=line, code=f"{PREFIX}{kind}", message=message)
