"""Everything the dashboard shows, computed once from the cohort's frames (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from evaluator.cohort import agreement, benchmarks, graduation, kpis, rates, risk
from evaluator.cohort.export import lms_rows
from evaluator.cohort.frames import CohortFrames
from evaluator.cohort.kpis import Kpi
from evaluator.cohort.similarity import SimilarPair
from evaluator.rubrics.model import LevelsFile


@dataclass(frozen=True, kw_only=True)
class SimilarGroup:
    """The similar pairs found among one cohort's submissions of one capstone."""

    cohort: str
    capstone: str
    submissions: int
    pairs: list[SimilarPair]


@dataclass(frozen=True, kw_only=True)
class CohortView:
    """The dashboard's content: tables (DataFrames) and figures."""

    cohort: str | None
    generated_at: datetime
    evaluations: int
    learners: int
    llm_cost_usd: float
    kpis: list[Kpi]
    by_capstone: pd.DataFrame
    by_level: pd.DataFrame
    by_criterion: pd.DataFrame
    attempts: pd.DataFrame
    benchmark_values: pd.DataFrame
    benchmarks: pd.DataFrame
    trends: pd.DataFrame
    at_risk: pd.DataFrame
    graduation: pd.DataFrame
    agreement: pd.DataFrame
    lms: pd.DataFrame
    similarity: list[SimilarGroup]
    similarity_threshold: float
    risk_rules: risk.RiskRules


def build_view(
    frames: CohortFrames,
    *,
    levels: LevelsFile,
    cohort: str | None,
    now: datetime,
    similarity: list[SimilarGroup],
    similarity_threshold: float,
    risk_rules: risk.RiskRules | None = None,
) -> CohortView:
    """Compute every table of the dashboard."""
    done = frames.ran
    risk_rules = risk_rules or risk.RiskRules()
    return CohortView(
        cohort=cohort,
        generated_at=now,
        evaluations=len(frames.evaluations),
        learners=done["learner"].nunique(),
        llm_cost_usd=float(frames.evaluations["llm_cost_usd"].fillna(0).sum()),
        kpis=kpis.programme_kpis(frames),
        by_capstone=rates.by_capstone(frames),
        by_level=rates.by_level(frames),
        by_criterion=rates.by_criterion(frames),
        attempts=rates.attempts_until_pass(frames),
        benchmark_values=benchmarks.benchmark_values(frames),
        benchmarks=benchmarks.distributions(frames),
        trends=rates.trends(frames),
        at_risk=risk.at_risk(frames, now, risk_rules),
        graduation=graduation.standings(frames.pairs, levels),
        agreement=agreement.agreement(frames),
        lms=lms_rows(frames),
        similarity=similarity,
        similarity_threshold=similarity_threshold,
        risk_rules=risk_rules,
    )
