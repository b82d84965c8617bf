"""A generated cohort with known answers, for the aggregation tests and the benchmark script.

The generator draws a plan per learner and capstone (how many attempts, on which one
the learner first passes, how each evaluation's review and benchmark went) and
writes the store's rows from it. It computes the expected figures from the plan
itself, in plain Python: never from the DataFrames the code under test reads.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from evaluator.cohort.frames import CohortFrames
from evaluator.rubrics.model import LevelsFile

NOW = datetime(2026, 12, 1, tzinfo=UTC)
START = NOW - timedelta(days=120)
COHORTS = ("2026-spring", "2026-autumn")
#: capstone -> (level, benchmark metric, op, threshold) ; no benchmark when metric is None.
CAPSTONES: dict[str, tuple[str, str | None, str, float]] = {
    "c1-basics": ("A", None, "", 0.0),
    "c2-data": ("A", None, "", 0.0),
    "c3-vision": ("B", "accuracy", ">=", 0.9),
    "c4-kaggle": ("B", "percentile", "<=", 10.0),
    "c5-agents": ("B", None, "", 0.0),
}
LEVELS = LevelsFile.model_validate(
    {
        "levels": [
            {"id": "A", "title": "Basics", "requires": {"all-of": ["c1-basics", "c2-data"]}},
            {
                "id": "B",
                "title": "Models",
                "requires": {"all-of": ["c3-vision", {"any-of": ["c4-kaggle", "c5-agents"]}]},
            },
        ]
    }
)
JUDGEMENT = ("structure", "tests-quality")


@dataclass
class Evaluation:
    """One planned evaluation."""

    id: int
    learner: str
    cohort: str
    capstone: str
    at: datetime
    ran: bool
    attempt: int | None
    verdict: str
    review: str  # "pass", "fail" or "pending"
    review_trust: str  # "llm" or "mentor"
    bench_value: float | None = None
    bench_status: str = "fail"
    bench_trust: str = "verified"
    overrides: list[tuple[str, int, int]] = field(default_factory=list)  # criterion, llm, mentor


@dataclass
class Cohort:
    """The generated rows and the plan they came from."""

    evaluations: list[Evaluation]

    def frames(self) -> CohortFrames:
        """The DataFrames the store would hand to aggregation."""
        ev, crit, met, over = rows(self.evaluations)
        from evaluator.cohort.frames import normalise

        thresholds = pd.DataFrame(
            [
                (cap, "benchmark-min", "benchmark", metric, op, value)
                for cap, (_, metric, op, value) in CAPSTONES.items()
                if metric
            ],
            columns=["capstone", "criterion", "check_id", "metric", "op", "value"],
        )
        return normalise(
            CohortFrames(
                evaluations=pd.DataFrame(ev),
                criteria=pd.DataFrame(crit),
                metrics=pd.DataFrame(met),
                overrides=pd.DataFrame(over),
                thresholds=thresholds,
            )
        )


def _criteria(e: Evaluation) -> list[dict[str, Any]]:
    status = {"pass": "pass", "fail": "fail", "pending": "undecided"}[e.review]
    out = [
        {"criterion": "tests-pass", "kind": "metric", "check_id": "tests", "must_pass": True,
         "status": "pass" if e.verdict == "graduation-ready" else "fail", "level": None,
         "trust": "self-reported"},
    ]  # fmt: skip
    for i, name in enumerate(JUDGEMENT):
        # A failed review fails the first judgement criterion only.
        mine = "pass" if (e.review == "fail" and i > 0) else status
        out.append(
            {"criterion": name, "kind": "judgement", "check_id": None, "must_pass": False,
             "status": mine, "level": {"pass": 3, "fail": 1}.get(mine),
             "trust": e.review_trust if mine != "undecided" else "llm"}
        )  # fmt: skip
    if e.bench_value is not None:
        out.append(
            {"criterion": "benchmark-min", "kind": "metric", "check_id": "benchmark",
             "must_pass": True, "status": e.bench_status, "level": None, "trust": e.bench_trust}
        )  # fmt: skip
    return [{**row, "evaluation_id": e.id} for row in out]


def rows(evaluations: list[Evaluation]) -> tuple[list[dict[str, Any]], ...]:
    """Rows of the evaluations, criteria, metrics and overrides tables."""
    ev, crit, met, over = [], [], [], []
    for e in evaluations:
        ev.append(
            {"id": e.id, "learner": e.learner, "cohort": e.cohort, "capstone": e.capstone,
             "level": CAPSTONES[e.capstone][0], "attempt": e.attempt,
             "check_verdict": "pass" if e.ran else "error", "verdict": e.verdict,
             "score": 0.8 if e.verdict == "graduation-ready" else 0.4, "started_at": e.at,
             "commit_sha": f"{e.id:040x}", "llm_cost_usd": 0.01}
        )  # fmt: skip
        if not e.ran:
            continue
        crit += _criteria(e)
        met.append({"evaluation_id": e.id, "check_id": "tests", "name": "passed", "value": 20.0})
        metric = CAPSTONES[e.capstone][1]
        if metric and e.bench_value is not None:
            met.append(
                {"evaluation_id": e.id, "check_id": "benchmark", "name": metric,
                 "value": e.bench_value}
            )  # fmt: skip
        for criterion, llm, mentor in e.overrides:
            over.append(
                {"evaluation_id": e.id, "criterion": criterion, "kind": "judgement",
                 "evaluator_level": llm, "evaluator_trust": "llm", "mentor_level": mentor,
                 "at": e.at + timedelta(hours=1)}
            )  # fmt: skip
    return ev, crit, met, over


def _bench(rng: random.Random, e: Evaluation) -> None:
    metric = CAPSTONES[e.capstone][1]
    if metric is None:
        return
    meets = rng.random() < 0.7
    if metric == "accuracy":
        e.bench_value = round(rng.uniform(0.9, 0.99) if meets else rng.uniform(0.5, 0.89), 4)
    else:
        e.bench_value = round(rng.uniform(1, 10) if meets else rng.uniform(10.5, 60), 2)
    e.bench_status = "pass" if meets else "fail"
    # A few passes come from a mentor's say-so: they do not count for the benchmark KPI.
    e.bench_trust = "mentor" if meets and rng.random() < 0.1 else "verified"


def _overrides(rng: random.Random, e: Evaluation) -> None:
    if e.review == "pending" or rng.random() > 0.3:
        return
    for name in JUDGEMENT:
        llm = rng.randint(0, 4)
        mentor = min(4, max(0, llm + rng.choice([-2, -1, 0, 0, 0, 1])))
        e.overrides.append((name, llm, mentor))


def generate(learners: int = 200, seed: int = 7) -> Cohort:
    """A cohort of ``learners`` (about 5.5 evaluations each)."""
    rng = random.Random(seed)  # noqa: S311  (test data, reproducible by seed)
    evaluations: list[Evaluation] = []
    for n in range(learners):
        learner, cohort = f"learner-{n:05d}", COHORTS[n % 2]
        at = START + timedelta(days=rng.uniform(0, 30))
        idle = rng.random() < 0.1  # stops early: their last attempt is long ago
        for capstone in rng.sample(list(CAPSTONES), k=rng.randint(1, 4)):
            attempts = rng.randint(1, 5)
            pass_at = rng.choice([None, *range(1, attempts + 1)])
            for k in range(1, (pass_at or attempts) + 1):
                at += timedelta(days=rng.uniform(0.5, 3 if not idle else 0.6))
                if rng.random() < 0.05:  # an evaluation that could not run: no attempt
                    evaluations.append(
                        Evaluation(id=len(evaluations) + 1, learner=learner, cohort=cohort,
                                   capstone=capstone, at=at, ran=False, attempt=None,
                                   verdict="error", review="pending", review_trust="llm")
                    )  # fmt: skip
                    at += timedelta(hours=1)
                ready = k == pass_at
                verdict = (
                    "graduation-ready"
                    if ready
                    else rng.choice(["not-yet", "not-yet", "needs-mentor"])
                )
                e = Evaluation(
                    id=len(evaluations) + 1, learner=learner, cohort=cohort, capstone=capstone,
                    at=at, ran=True, attempt=k, verdict=verdict,
                    review=rng.choice(["pass", "pass", "fail", "pending"]),
                    review_trust=rng.choice(["llm", "llm", "mentor"]),
                )  # fmt: skip
                _bench(rng, e)
                _overrides(rng, e)
                evaluations.append(e)
    return Cohort(evaluations=evaluations)


# --- expected figures, from the plan ---------------------------------------------------------


def _by_pair(cohort: Cohort) -> dict[tuple[str, str], list[Evaluation]]:
    pairs: dict[tuple[str, str], list[Evaluation]] = defaultdict(list)
    for e in sorted(cohort.evaluations, key=lambda e: e.at):
        if e.ran:
            pairs[(e.learner, e.capstone)].append(e)
    return pairs


def expected_kpis(cohort: Cohort) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of each KPI."""
    pairs = _by_pair(cohort)
    done = sum(any(e.verdict == "graduation-ready" for e in evs) for evs in pairs.values())
    reviewed = [evs for evs in pairs.values() if any(e.review != "pending" for e in evs)]
    review_ok = sum(any(e.review == "pass" for e in evs) for evs in reviewed)
    bench = [evs for evs in pairs.values() if CAPSTONES[evs[0].capstone][1]]
    bench_ok = sum(
        any(e.bench_status == "pass" and e.bench_trust == "verified" for e in evs) for evs in bench
    )
    return {
        "completion": (done, len(pairs)),
        "code-review": (review_ok, len(reviewed)),
        "benchmark": (bench_ok, len(bench)),
    }


def expected_by_capstone(cohort: Cohort) -> dict[str, dict[str, float]]:
    """Per capstone: learners, completed, first_attempt, median attempts to pass."""
    out: dict[str, dict[str, float]] = {}
    for capstone in CAPSTONES:
        pairs = [evs for (_, c), evs in _by_pair(cohort).items() if c == capstone]
        firsts = [
            next(e.attempt for e in evs if e.verdict == "graduation-ready")
            for evs in pairs
            if any(e.verdict == "graduation-ready" for e in evs)
        ]
        out[capstone] = {
            "learners": len(pairs),
            "completed": len(firsts),
            "first_attempt": sum(1 for f in firsts if f == 1),
            "median": statistics.median(firsts) if firsts else float("nan"),
            "buckets": Counter(min(f, 4) for f in firsts),  # type: ignore[dict-item]
        }
    return out


def expected_at_risk(
    cohort: Cohort, *, fails: int = 3, idle_days: int = 21
) -> dict[str, tuple[bool, str]]:
    """learner -> (idle, comma-joined capstones failed ``fails``+ times, not completed)."""
    pairs = _by_pair(cohort)
    result: dict[str, tuple[bool, str]] = {}
    for learner in sorted({learner for learner, _ in pairs}):
        mine = {c: evs for (lr, c), evs in pairs.items() if lr == learner}
        open_caps = {
            c for c, evs in mine.items() if not any(e.verdict == "graduation-ready" for e in evs)
        }
        stuck = sorted(
            c for c in open_caps if sum(e.verdict == "not-yet" for e in mine[c]) >= fails
        )
        last = max(e.at for evs in mine.values() for e in evs)
        idle = bool(open_caps) and last < NOW - timedelta(days=idle_days)
        if idle or stuck:
            result[learner] = (idle, ", ".join(stuck))
    return result


def expected_graduation(cohort: Cohort) -> dict[tuple[str, str], bool]:
    """(learner, level) -> graduated, by the LEVELS rules written out by hand."""
    ready: dict[str, set[str]] = defaultdict(set)
    learners = set()
    for e in cohort.evaluations:
        if e.ran:
            learners.add(e.learner)
            if e.verdict == "graduation-ready":
                ready[e.learner].add(e.capstone)
    out = {}
    for learner in learners:
        r = ready[learner]
        out[(learner, "A")] = {"c1-basics", "c2-data"} <= r
        out[(learner, "B")] = "c3-vision" in r and bool({"c4-kaggle", "c5-agents"} & r)
    return out


def expected_benchmark(cohort: Cohort) -> dict[str, tuple[int, float, float]]:
    """capstone -> (n, median, share meeting) of each learner's latest benchmark value."""
    out = {}
    for capstone, (_, metric, op, threshold) in CAPSTONES.items():
        if metric is None:
            continue
        latest = [evs[-1].bench_value for (_, c), evs in _by_pair(cohort).items() if c == capstone]
        values = [v for v in latest if v is not None]
        meets = [v >= threshold if op == ">=" else v <= threshold for v in values]
        out[capstone] = (len(values), statistics.median(values), sum(meets) / len(meets))
    return out


def quadratic_kappa(a: list[int], b: list[int], k: int = 5) -> float:
    """Cohen's kappa with quadratic weights, from its textbook definition."""
    n = len(a)
    observed = [[0.0] * k for _ in range(k)]
    for x, y in zip(a, b, strict=True):
        observed[x][y] += 1 / n
    pa = [sum(row) for row in observed]
    pb = [sum(observed[i][j] for i in range(k)) for j in range(k)]
    w = [[(i - j) ** 2 / (k - 1) ** 2 for j in range(k)] for i in range(k)]
    num = sum(w[i][j] * observed[i][j] for i in range(k) for j in range(k))
    den = sum(w[i][j] * pa[i] * pb[j] for i in range(k) for j in range(k))
    return 1 - num / den


def expected_kappa(cohort: Cohort) -> dict[tuple[str, str], tuple[int, float | None]]:
    """(capstone, criterion) -> (n, quadratic kappa), LLM versus mentor; ("(all)", "(all)")
    pools everything. None where kappa is undefined (under two ratings, or no variation)."""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for e in cohort.evaluations:
        for criterion, llm, mentor in e.overrides:
            groups[(e.capstone, criterion)].append((llm, mentor))
            groups[("(all)", "(all)")].append((llm, mentor))
    out: dict[tuple[str, str], tuple[int, float | None]] = {}
    for key, pairs in groups.items():
        a, b = [p[0] for p in pairs], [p[1] for p in pairs]
        defined = len(pairs) > 1 and len(set(a) | set(b)) > 1
        out[key] = (len(pairs), quadratic_kappa(a, b) if defined else None)
    return out


def records(cohort: Cohort) -> list[Any]:
    """The cohort as the store's records (report text is a stub: aggregation never reads it)."""
    from evaluator.store.records import EvaluationRecord

    ev, crit, met, over = rows(cohort.evaluations)
    by_id: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for name, table in (("criteria", crit), ("metrics", met), ("overrides", over)):
        for row in table:
            by_id[row["evaluation_id"]][name].append(
                {k: v for k, v in row.items() if k != "evaluation_id"}
            )
    out = []
    for row in ev:
        key = f"generated-{row['id']}"
        evaluation = {
            "run_key": key, "learner": row["learner"], "cohort": row["cohort"],
            "capstone": row["capstone"], "level": row["level"], "source_kind": "git",
            "source_location": f"https://example.org/{row['learner']}/{row['capstone']}",
            "ref": None, "commit_sha": row["commit_sha"], "check_verdict": row["check_verdict"],
            "verdict": row["verdict"], "score": row["score"], "min_score": 0.6,
            "started_at": row["started_at"], "finished_at": row["started_at"], "total_s": 30.0,
            "phases": {}, "llm_model": None, "llm_tokens": None,
            "llm_cost_usd": row["llm_cost_usd"], "evaluator_version": "0.1.0",
            "schema_version": "1.2", "report": "{}", "stored_at": NOW,
        }  # fmt: skip
        parts = by_id[row["id"]]
        checks = [{"check_id": "tests", "status": "pass", "fault": None, "duration_s": 1.0}]
        criteria = [{**c, "weight": 1.0, "pass_level": None} for c in parts["criteria"]]
        out.append(
            EvaluationRecord(
                run_key=key, evaluation=evaluation, criteria=criteria,
                checks=checks if row["check_verdict"] != "error" else [],
                metrics=parts["metrics"],
                overrides=[
                    {**o, "evaluator_status": "pass", "note": "generated", "mentor": "m"}
                    for o in parts["overrides"]
                ],
            )
        )  # fmt: skip
    return out
