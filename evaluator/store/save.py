"""Store a report.json: the one entry point ``evaluate``, ``override``, ``cohort import`` and
``batch`` use."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from evaluator.store import schema
from evaluator.store.database import Store, Stored
from evaluator.store.identity import learner_from_source
from evaluator.store.records import Membership, parse_report, record_of, run_key
from evaluator.store.sources import SourceArchive


def known_membership(store: Store, key: str) -> Membership | None:
    """Learner and cohort an evaluation run was stored under, if it was."""
    table = schema.evaluations
    query = sa.select(table.c.learner, table.c.cohort).where(table.c.run_key == key)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return Membership(learner=row.learner, cohort=row.cohort) if row else None


def save_report(
    store: Store,
    text: str,
    *,
    membership: Membership | None,
    now: datetime,
    where: str = "report.json",
    sources: SourceArchive | None = None,
) -> Stored:
    """Store (or update) the evaluation ``text`` holds.

    Without ``membership`` the evaluation keeps the learner and cohort it was
    stored under, else the learner comes from its source (see
    :mod:`evaluator.store.identity`).
    """
    report, raw = parse_report(text, where=where)
    who = (
        membership
        or known_membership(store, run_key(report))
        or Membership(learner=learner_from_source(report.source.location))
    )
    record = record_of(report, raw, who, text=text, now=now)
    return store.add(record, sources=sources)
