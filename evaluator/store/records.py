"""From one report.json to the rows the store indexes (pure: no database here).

report.json is read defensively: top-level sections this version does not know
(the LLM review's ``review`` section with its cost, sections added by later
evaluator versions) are kept in the stored document and never make it invalid.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from evaluator.errors import ConfigError
from evaluator.model.report import Report, Verdict


@dataclass(frozen=True, kw_only=True)
class Membership:
    """Who an evaluation belongs to: the learner and, when known, their cohort."""

    learner: str
    cohort: str | None = None


@dataclass(frozen=True, kw_only=True)
class LlmUsage:
    """What the LLM review of an evaluation cost, as far as report.json says."""

    model: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None


@dataclass(frozen=True, kw_only=True)
class EvaluationRecord:
    """One evaluation as rows of the store's tables (the evaluation id is added on insert)."""

    run_key: str
    evaluation: dict[str, Any]
    criteria: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    overrides: list[dict[str, Any]] = field(default_factory=list)


def parse_report(text: str | bytes, *, where: str) -> tuple[Report, dict[str, Any]]:
    """The report (known sections validated) and the whole document as parsed JSON.

    An optional section this version reads differently (say, the review's record from
    another evaluator version) is left out of the validated report rather than
    refusing it; it stays in the stored document.
    """
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where} is not JSON: {exc}", hint="give a report.json") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} is not a report (not a JSON object)", hint="give a report.json")
    known = {key: value for key, value in raw.items() if key in Report.model_fields}
    try:
        return Report.model_validate(known), raw
    except ValidationError as exc:
        optional = {
            str(err["loc"][0])
            for err in exc.errors()
            if err["loc"] and not Report.model_fields[str(err["loc"][0])].is_required()
        }
        if optional and len(optional) == len({str(e["loc"][0]) for e in exc.errors()}):
            trimmed = {key: value for key, value in known.items() if key not in optional}
            with contextlib.suppress(ValidationError):
                return Report.model_validate(trimmed), raw
        first = exc.errors()[0]
        at = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"{where} is not a valid report: {at}: {first['msg']}",
            hint="give a report.json written by `capstone-eval evaluate`",
        ) from None


def run_key(report: Report) -> str:
    """What identifies one evaluation run: source, commit, capstone and start time.

    Re-importing the same report.json (say after a mentor override) updates the
    stored evaluation instead of adding a second one.
    """
    parts = (
        report.source.location,
        report.source.commit or "",
        report.capstone or "",
        report.timings.started_at.isoformat(),
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def llm_usage(raw: Mapping[str, Any]) -> LlmUsage:
    """Model, tokens and cost from the ``review`` section, whatever of it is present."""
    review = raw.get("review")
    if not isinstance(review, Mapping):
        return LlmUsage()
    nested = review.get("usage")
    usage: Mapping[str, Any] = nested if isinstance(nested, Mapping) else review
    tokens_raw = usage.get("tokens", usage.get("total_tokens"))
    if isinstance(tokens_raw, Mapping):
        tokens_raw = sum(v for v in tokens_raw.values() if isinstance(v, int))
    elif tokens_raw is None:
        parts = [usage.get(k) for k in ("input_tokens", "output_tokens")]
        counted = [p for p in parts if isinstance(p, int)]
        tokens_raw = sum(counted) if counted else None
    model = review.get("model")
    return LlmUsage(
        model=model if isinstance(model, str) else None,
        tokens=int(tokens_raw) if isinstance(tokens_raw, int | float) else None,
        cost_usd=_number(usage.get("cost_usd", usage.get("cost"))),
    )


def _criteria_rows(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "criterion": c.id,
            "kind": c.kind,
            "check_id": c.check,
            "must_pass": c.must_pass,
            "weight": c.weight,
            "status": c.status.value,
            "level": c.level,
            "pass_level": c.pass_level,
            "trust": c.trust.value,
        }
        for c in report.criteria
    ]


def _override_rows(report: Report) -> list[dict[str, Any]]:
    """Each override with the evaluator's (or LLM's) outcome it replaced, kept beside it."""
    by_id = {c.id: c for c in report.criteria}
    rows = []
    for override in report.overrides:
        criterion = by_id.get(override.criterion)
        if criterion is None:
            continue
        before = criterion.original or criterion.outcome()
        rows.append(
            {
                "criterion": override.criterion,
                "kind": criterion.kind,
                "evaluator_status": before.status.value,
                "evaluator_level": before.level,
                "evaluator_trust": before.trust.value,
                "mentor_level": override.level,
                "note": override.note,
                "mentor": override.by,
                "at": override.at,
            }
        )
    return rows


def record_of(
    report: Report, raw: Mapping[str, Any], membership: Membership, *, text: str, now: datetime
) -> EvaluationRecord:
    """The store's rows for one report; ``text`` is the report.json kept verbatim."""
    decision = report.decision
    usage = llm_usage(raw)
    key = run_key(report)
    evaluation: dict[str, Any] = {
        "run_key": key,
        "learner": membership.learner,
        "cohort": membership.cohort,
        "capstone": report.capstone,
        "level": report.rubric.level if report.rubric else None,
        "source_kind": report.source.kind,
        "source_location": report.source.location,
        "ref": report.source.ref,
        "commit_sha": report.source.commit,
        "check_verdict": report.verdict.value,
        "verdict": decision.verdict.value if decision else report.verdict.value,
        "score": decision.score if decision else None,
        "min_score": decision.min_score if decision else None,
        "started_at": report.timings.started_at,
        "finished_at": report.timings.finished_at,
        "total_s": report.timings.total_s,
        "phases": dict(report.timings.phases),
        "llm_model": usage.model,
        "llm_tokens": usage.tokens,
        "llm_cost_usd": usage.cost_usd,
        "evaluator_version": report.evaluator_version,
        "schema_version": report.schema_version,
        "report": text,
        "stored_at": now,
    }
    metrics = [
        {"check_id": check.id, "name": name, "value": number}
        for check in report.checks
        for name, value in check.metrics.items()
        if (number := _number(value)) is not None
    ]
    checks = [
        {
            "check_id": c.id,
            "status": c.status.value,
            "fault": c.fault.value if c.fault else None,
            "duration_s": c.duration_s,
        }
        for c in report.checks
    ]
    return EvaluationRecord(
        run_key=key,
        evaluation=evaluation,
        criteria=_criteria_rows(report),
        checks=checks,
        metrics=metrics,
        overrides=_override_rows(report),
    )


def ran(check_verdict: str) -> bool:
    """Whether an evaluation ran (an attempt), rather than failing before it could."""
    return check_verdict != Verdict.ERROR.value
