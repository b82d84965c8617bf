"""Which capstone an evaluation grades, and by which rubric.

An operator's pin (``--capstone``; later a roster or repository setting) wins
over the learner's ``capstone.yaml``: a learner cannot pick an easier rubric by
editing their manifest. When the two disagree, the evaluation goes on with the
pin, the manifest is read as if it named the pin, and an
``integrity/capstone-mismatch`` finding says so. An id that names no rubric is
an error of the evaluation (exit 2) that lists the known ids; only an
evaluation with no id at all runs without a rubric.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from evaluator.errors import ConfigError
from evaluator.intake.manifest import MANIFEST_NAME, Manifest
from evaluator.integrity.kinds import finding
from evaluator.model.report import CheckResult, Finding, Status
from evaluator.rubrics.loader import find_rubric_path, load_rubric, rubric_paths
from evaluator.rubrics.model import Rubric

#: Id of the check that says why no rubric was applied (present only then).
RUBRIC_CHECK = "rubric"


class UnknownCapstone(ConfigError):
    """A capstone id (pinned or from capstone.yaml) that names no rubric."""


@dataclass(frozen=True, kw_only=True)
class CapstoneChoice:
    """The capstone graded, its rubric, and what the choice found."""

    capstone: str | None
    rubric: Rubric | None = None
    manifest: Manifest | None = None
    """The manifest as the evaluation reads it: naming the pinned capstone."""
    check: CheckResult | None = None
    """A skipped ``rubric`` check when there is no capstone id at all."""
    findings: tuple[Finding, ...] = ()
    """``integrity/capstone-mismatch`` when the manifest names another capstone."""


def rubric_path(capstone: str, folder: Path) -> Path:
    """The rubric file of ``capstone`` (full or short id), or :class:`UnknownCapstone`."""
    try:
        return find_rubric_path(capstone, folder)
    except ConfigError as exc:
        known = ", ".join(p.stem for p in rubric_paths(folder)) or "(none)"
        raise UnknownCapstone(
            f"capstone {capstone!r} is not one this evaluator grades ({exc.message}); "
            f"known capstones: {known}",
            hint="fix `capstone:` in capstone.yaml or --capstone; "
            "`capstone-eval rubrics list` shows every capstone",
        ) from None


def _same(pinned: str, named: str, folder: Path) -> bool:
    if pinned == named:
        return True
    try:
        return find_rubric_path(named, folder) == find_rubric_path(pinned, folder)
    except ConfigError:
        return False


def choose_capstone(
    pinned: str | None,
    manifest: Manifest | None,
    folder: Path,
    *,
    manifest_line: int | None = None,
) -> CapstoneChoice:
    """Pick the capstone and load its rubric (``manifest_line``: where capstone.yaml names it).

    Raises :class:`UnknownCapstone` when the id that decides names no rubric, and
    :class:`~evaluator.errors.ConfigError` when that rubric file is invalid.
    """
    named = manifest.capstone if manifest is not None else None
    capstone = pinned or named
    if capstone is None:
        why = "no capstone id; add capstone.yaml or pass --capstone"
        return CapstoneChoice(
            capstone=None,
            check=CheckResult(id=RUBRIC_CHECK, status=Status.SKIPPED, summary=f"not run: {why}"),
        )
    rubric = load_rubric(rubric_path(capstone, folder))
    findings: tuple[Finding, ...] = ()
    if pinned is not None and manifest is not None and named and not _same(pinned, named, folder):
        findings = (
            finding(
                "capstone-mismatch",
                MANIFEST_NAME,
                manifest_line,
                f"capstone.yaml names {named!r} but this evaluation grades {pinned!r} "
                f"({rubric.id}), as the operator set it",
            ),
        )
        manifest = manifest.model_copy(update={"capstone": pinned})
    return CapstoneChoice(capstone=capstone, rubric=rubric, manifest=manifest, findings=findings)
