"""The decision engine: evidence and a rubric in, criterion results and a verdict out.

Pure functions only: no files, no clock, no network. Missing evidence (a check
that did not run, a judgement nobody scored) is an undecided criterion with its
reason; a check that errored on learner code is a failed one, a check that
errored on the operator's side (hidden data not imported, engine error) leaves
the criterion undecided with the operator's fix. A criterion that passed on
evidence an integrity finding questions (a conftest hook that can rewrite
outcomes, ``pragma: no cover``) is held undecided for a mentor, with the findings
as the reason: a forged number never passes a criterion automatically; a failed
criterion stays failed. Nothing here raises on learner data.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence

from evaluator.integrity.check import doubts as integrity_doubts
from evaluator.model.criteria import (
    CriterionResult,
    CriterionStatus,
    Decision,
    GraduationVerdict,
    Override,
    Trust,
)
from evaluator.model.report import CheckResult, Fault, Finding, MetricValue, Status
from evaluator.rubrics.code_evidence import CodeEvidence
from evaluator.rubrics.evidence import Evidence, PresenceEvidence, RuleEvidence
from evaluator.rubrics.model import (
    MAX_LEVEL,
    JudgementCriterion,
    MentorCriterion,
    MetricCriterion,
    Operator,
    PresenceCriterion,
    Rubric,
)
from evaluator.rubrics.rules import CodeRule, PatternRule

#: A mentor override on a pass/fail criterion passes it from this level on, the
#: default pass level of scored criteria, so one scale serves every criterion.
BINARY_PASS_LEVEL = 2

_COMPARE: dict[Operator, Callable[[float, float], bool]] = {
    Operator.GE: operator.ge,
    Operator.GT: operator.gt,
    Operator.LE: operator.le,
    Operator.LT: operator.lt,
    Operator.EQ: operator.eq,
    Operator.NE: operator.ne,
}

_Criterion = MetricCriterion | PresenceCriterion | JudgementCriterion | MentorCriterion
_Outcome = tuple[CriterionStatus, str]

PASS, FAIL, UNDECIDED = CriterionStatus.PASS, CriterionStatus.FAIL, CriterionStatus.UNDECIDED


def _number(value: MetricValue) -> float | None:
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, int | float) else None


def _shown(value: MetricValue | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _unmeasured(
    criterion: MetricCriterion, check: CheckResult | None, observed: MetricValue
) -> _Outcome | None:
    """The outcome when there is no measurement to compare, else None."""
    name = criterion.check
    if check is None:
        return UNDECIDED, f"the {name} check did not run, so {criterion.expression} is unknown"
    if check.status is Status.ERROR:
        return _errored(name, check)
    if check.status is Status.SKIPPED:
        return UNDECIDED, f"the {name} check was skipped: {check.summary}"
    if observed is None and check.status is Status.FAIL:
        # e.g. a benchmark whose entry point is missing: nothing measured, and the
        # learner's side is at fault, so the criterion fails with the check's reason.
        return FAIL, f"the {name} check failed before measuring {criterion.metric}: {check.summary}"
    if observed is None:
        return UNDECIDED, f"the {name} check reported no {criterion.metric!r} metric"
    return None


def _errored(name: str, check: CheckResult) -> _Outcome:
    """An errored check fails the criterion unless the evaluator's own setup failed."""
    if check.fault is Fault.OPERATOR:
        return UNDECIDED, (
            f"the {name} check could not run on the evaluator's side (not the learner's "
            f"fault); the operator must fix it: {check.summary}"
        )
    return FAIL, f"the {name} check errored: {check.summary}"


def _metric_outcome(criterion: MetricCriterion, check: CheckResult | None) -> _Outcome:
    name = criterion.check
    observed: MetricValue = None
    if check is not None:
        observed = (
            check.status.value
            if criterion.metric == "status"
            else check.metrics.get(criterion.metric)
        )
    unmeasured = _unmeasured(criterion, check, observed)
    if unmeasured is not None:
        return unmeasured
    compare = _COMPARE[criterion.op]
    if isinstance(criterion.value, str):
        passed = compare(str(observed), criterion.value)  # type: ignore[arg-type]
    else:
        number = _number(observed)
        if number is None:
            return UNDECIDED, f"{name}.{criterion.metric} is {observed!r}, not a number"
        passed = compare(number, criterion.value)
    measured = f"{name}.{criterion.metric} = {_shown(observed)}"
    needs = f"{criterion.op.value} {_shown(criterion.value)}"
    return (PASS, f"{measured} ({needs})") if passed else (FAIL, f"{measured}, needs {needs}")


def _presence_outcome(
    criterion: PresenceCriterion, presence: PresenceEvidence
) -> tuple[CriterionStatus, str, list[str]]:
    files = presence.files.get(criterion.id)
    patterns = presence.patterns.get(criterion.id)
    code = presence.code.get(criterion.id, () if not criterion.code else None)
    if files is None or patterns is None or code is None:
        return UNDECIDED, "the workspace was not searched for this criterion", []
    problems: list[str] = []
    found: list[str] = []
    for rule, seen in zip(criterion.files, files, strict=True):
        found.extend(seen.locations)
        if seen.count < rule.min_count:
            problems.append(f"{seen.count} file(s) match {rule.glob!r}, needs {rule.min_count}")
    for pattern, seen in zip(criterion.patterns, patterns, strict=True):
        found.extend(seen.locations)
        problems.extend(_pattern_problems(pattern, seen))
    for code_rule, fact in zip(criterion.code, code, strict=True):
        found.extend(fact.locations)
        found.extend([f"note: {fact.note}"] if fact.note else [])
        problems.extend(_code_problems(code_rule, fact))
    if problems:
        return FAIL, "; ".join(problems), found
    return PASS, f"found in {len(found)} place(s)" if found else "nothing forbidden found", found


def _bound_problems(what: str, count: int, least: int, most: int | None) -> list[str]:
    if count < least:
        return [f"{what}, needs at least {least}"]
    if most is not None and count > most:
        return [f"{what}, allows at most {most}"]
    return []


def _pattern_problems(rule: PatternRule, seen: RuleEvidence) -> list[str]:
    what = f"{seen.count} match(es) of /{rule.regex}/ in {rule.glob!r}"
    return _bound_problems(what, seen.count, rule.min_count, rule.max_count)


def _code_problems(rule: CodeRule, seen: CodeEvidence) -> list[str]:
    what = f"found {seen.count} for '{rule.expression}'"
    return _bound_problems(what, seen.count, rule.min_count, rule.max_count)


def _scored_outcome(
    criterion: JudgementCriterion | MentorCriterion, evidence: Evidence
) -> tuple[CriterionStatus, int | None, str, list[str]]:
    if isinstance(criterion, MentorCriterion):
        return UNDECIDED, None, "a mentor decides this criterion", []
    score = evidence.judgements.get(criterion.id)
    if score is None:
        return UNDECIDED, None, f"not scored: {evidence.unscored}; a mentor decides", []
    if not 0 <= score.level <= MAX_LEVEL:
        return UNDECIDED, None, f"the review gave level {score.level}, outside 0-4", []
    lines = [score.justification, *score.citations] if score.justification else [*score.citations]
    descriptor = criterion.levels[score.level]
    if score.proposal_only is not None:
        reason = (
            f"the LLM review proposes level {score.level}/4 ({descriptor}); a mentor decides: "
            f"{score.proposal_only}"
        )
        return UNDECIDED, None, reason, lines
    status = PASS if score.level >= criterion.pass_level else FAIL
    reason = f"level {score.level}/4 ({descriptor}); passes at {criterion.pass_level}"
    return status, score.level, reason, lines


def _measured_by(
    criterion: MetricCriterion, checks: Mapping[str, CheckResult]
) -> tuple[CheckResult | None, _Outcome | None]:
    """The check that measures ``criterion``: for a benchmark criterion, the check of the
    benchmark it names (``benchmark`` or ``benchmark-<name>``), never another benchmark's."""
    if criterion.benchmark is None:
        return checks.get(criterion.check), None
    prefix = f"{criterion.check}-"
    candidates = [
        check
        for check_id, check in checks.items()
        if check_id == criterion.check or check_id.startswith(prefix)
    ]
    named = [c for c in candidates if c.metrics.get("benchmark") == criterion.benchmark]
    if named or not candidates:
        return (named[0] if named else None), None
    measured = ", ".join(sorted(str(c.metrics.get("benchmark")) for c in candidates))
    return None, (
        UNDECIDED,
        f"this criterion is measured on benchmark {criterion.benchmark}, but the benchmark "
        f"check measured {measured}; a result from another benchmark never counts",
    )


#: Pseudo check ids the integrity kinds use for evidence that is not a check.
REVIEW, PRESENCE = "review", "presence"
#: Locations of questioning findings shown with a held criterion.
MAX_DOUBT_LOCATIONS = 5


def evidence_source(criterion: _Criterion) -> str | None:
    """The check id (or pseudo id) whose evidence decides ``criterion``."""
    if isinstance(criterion, MetricCriterion):
        return criterion.check
    if isinstance(criterion, PresenceCriterion):
        return PRESENCE
    return REVIEW if isinstance(criterion, JudgementCriterion) else None


def _held(reason: str, findings: Sequence[Finding]) -> tuple[str, list[str]]:
    """The reason of a passed criterion held for a mentor, and where the findings are."""
    kinds = sorted({f.code.removeprefix("integrity/") for f in findings})
    where = [f"{f.path}:{f.line}" if f.line else f.path for f in findings]
    shown = where[:MAX_DOUBT_LOCATIONS]
    more = f" and {len(where) - len(shown)} more" if len(where) > len(shown) else ""
    return (
        f"{reason}, but {len(findings)} integrity finding(s) question this evidence "
        f"({', '.join(kinds)} at {', '.join(shown)}{more}); a mentor decides",
        [f"{w}: {f.message}" for w, f in zip(shown, findings, strict=False)],
    )


def evaluate_criterion(
    rubric: Rubric,
    criterion: _Criterion,
    checks: Mapping[str, CheckResult],
    evidence: Evidence,
    *,
    doubts: Mapping[str, Sequence[Finding]] | None = None,
) -> CriterionResult:
    """Decide one criterion from the checks (by id) and the other evidence.

    ``doubts`` holds, per check id, the integrity findings that question it
    (default: those of the ``integrity`` check in ``checks``).
    """
    level: int | None = None
    pass_level: int | None = None
    lines: list[str] = []
    check_id: str | None = None
    if isinstance(criterion, MetricCriterion):
        check, mismatch = _measured_by(criterion, checks)
        check_id = check.id if check is not None else criterion.check
        status, reason = mismatch or _metric_outcome(criterion, check)
    elif isinstance(criterion, PresenceCriterion):
        status, reason, lines = _presence_outcome(criterion, evidence.presence)
    else:
        pass_level = criterion.pass_level
        status, level, reason, lines = _scored_outcome(criterion, evidence)
    source = evidence_source(criterion)
    questioned = (integrity_doubts(checks) if doubts is None else doubts).get(source or "", ())
    if status is PASS and questioned:
        status = UNDECIDED
        reason, held = _held(reason, questioned)
        lines = [*held, *lines]
    return CriterionResult(
        id=criterion.id,
        title=criterion.title or criterion.id,
        kind=criterion.kind,
        must_pass=criterion.must_pass,
        weight=criterion.weight,
        status=status,
        level=level,
        pass_level=pass_level,
        trust=rubric.trust_of(criterion),
        reason=reason,
        next_step=criterion.next_step,
        check=check_id,
        evidence=lines,
        llm_level=_llm_level(criterion, evidence),
    )


def _llm_level(criterion: _Criterion, evidence: Evidence) -> int | None:
    score = evidence.judgements.get(criterion.id)
    if not isinstance(criterion, JudgementCriterion) or score is None:
        return None
    return score.level if 0 <= score.level <= MAX_LEVEL else None


def evaluate_criteria(
    rubric: Rubric, checks: Sequence[CheckResult], evidence: Evidence
) -> list[CriterionResult]:
    """Decide every criterion of ``rubric``, in rubric order."""
    by_id = {check.id: check for check in checks}
    doubts = integrity_doubts(by_id)
    return [evaluate_criterion(rubric, c, by_id, evidence, doubts=doubts) for c in rubric.criteria]


def apply_override(result: CriterionResult, override: Override) -> CriterionResult:
    """The result as the mentor decided it; the evaluator's own outcome is kept as ``original``.

    Overriding an overridden result replaces the mentor decision, never the original.
    """
    threshold = result.pass_level if result.pass_level is not None else BINARY_PASS_LEVEL
    return result.model_copy(
        update={
            "status": PASS if override.level >= threshold else FAIL,
            "level": override.level,
            "trust": Trust.MENTOR,
            "reason": f"mentor {override.by}: {override.note}",
            "original": result.original or result.outcome(),
            "override": override,
        }
    )


def apply_overrides(
    results: Sequence[CriterionResult], overrides: Sequence[Override]
) -> list[CriterionResult]:
    """Apply overrides in order (the latest per criterion wins); unknown ids are ignored."""
    latest = {override.criterion: override for override in overrides}
    return [apply_override(r, latest[r.id]) if r.id in latest else r for r in results]


def _credit(result: CriterionResult, *, undecided: float = 0.0) -> float:
    if result.status is UNDECIDED:
        return undecided
    if result.level is not None and result.pass_level is not None:
        return result.level / MAX_LEVEL
    return 1.0 if result.status is PASS else 0.0


def weighted_score(results: Sequence[CriterionResult], *, undecided: float = 0.0) -> float | None:
    """Weighted score 0-1 of the weighted criteria; None if there are none.

    Undecided criteria count ``undecided`` (0: the score so far; 1: the best reachable).
    """
    weighted = [r for r in results if not r.must_pass and r.weight > 0]
    total = sum(r.weight for r in weighted)
    if not total:
        return None
    earned = sum(r.weight * _credit(r, undecided=undecided) for r in weighted)
    return round(earned / total, 4)


def decide(results: Sequence[CriterionResult], *, min_score: float) -> Decision:
    """The verdict: a failed must-pass criterion, or a score that cannot reach ``min_score``
    even with full marks on every undecided criterion, is ``not-yet``; otherwise anything
    undecided is ``needs-mentor``; otherwise ``graduation-ready``."""
    failing = [r.id for r in results if r.status is FAIL]
    undecided = [r.id for r in results if r.status is UNDECIDED]
    score = weighted_score(results)
    reachable = weighted_score(results, undecided=1.0)
    blocked = any(r.must_pass and r.status is FAIL for r in results)
    low = reachable is not None and reachable < min_score
    if blocked or low:
        verdict = GraduationVerdict.NOT_YET
    elif undecided:
        verdict = GraduationVerdict.NEEDS_MENTOR
    else:
        verdict = GraduationVerdict.READY
    return Decision(
        verdict=verdict,
        score=score,
        min_score=min_score,
        failing=failing,
        undecided=undecided,
        reachable=reachable,
    )
