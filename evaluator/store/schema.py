"""Tables of the results store (SQLAlchemy Core); migrations create exactly these.

``evaluations`` holds one row per evaluation with the full report.json; the other
tables index what aggregation needs so it never parses JSON: each criterion's
status and trust, each numeric check metric, each check's status, mentor
overrides (the evaluator's and the mentor's level side by side) and the archive of
the submission's source files that the similarity run reads.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _evaluation_fk() -> sa.ForeignKey:
    return sa.ForeignKey("evaluations.id", ondelete="CASCADE")


evaluations = sa.Table(
    "evaluations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_key", sa.String(64), nullable=False, unique=True),
    sa.Column("learner", sa.String(200), nullable=False, index=True),
    sa.Column("cohort", sa.String(200), nullable=True, index=True),
    sa.Column("capstone", sa.String(200), nullable=True, index=True),
    sa.Column("level", sa.String(50), nullable=True),
    sa.Column("attempt", sa.Integer, nullable=True),
    sa.Column("source_kind", sa.String(10), nullable=False),
    sa.Column("source_location", sa.Text, nullable=False),
    sa.Column("ref", sa.String(250), nullable=True),
    sa.Column("commit_sha", sa.String(64), nullable=True, index=True),
    sa.Column("check_verdict", sa.String(16), nullable=False),
    sa.Column("verdict", sa.String(32), nullable=False, index=True),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("min_score", sa.Float, nullable=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("total_s", sa.Float, nullable=False),
    sa.Column("phases", sa.JSON, nullable=False),
    sa.Column("llm_model", sa.String(200), nullable=True),
    sa.Column("llm_tokens", sa.Integer, nullable=True),
    sa.Column("llm_cost_usd", sa.Float, nullable=True),
    sa.Column("evaluator_version", sa.String(50), nullable=False),
    sa.Column("schema_version", sa.String(20), nullable=False),
    sa.Column("report", sa.Text, nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_evaluations_learner_capstone", "learner", "capstone"),
)

criteria = sa.Table(
    "criteria",
    metadata,
    sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
    sa.Column("criterion", sa.String(200), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("check_id", sa.String(100), nullable=True),
    sa.Column("must_pass", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("level", sa.Integer, nullable=True),
    sa.Column("pass_level", sa.Integer, nullable=True),
    sa.Column("trust", sa.String(20), nullable=False),
    # The dashboard reads criteria grouped by these values (see store.reading): in
    # this order the index hands over the groups without sorting every row.
    sa.Index(
        "ix_criteria_values", "criterion", "kind", "check_id", "status", "trust", "evaluation_id"
    ),
)

checks = sa.Table(
    "checks",
    metadata,
    sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
    sa.Column("check_id", sa.String(100), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("fault", sa.String(16), nullable=True),
    sa.Column("duration_s", sa.Float, nullable=True),
)

metrics = sa.Table(
    "metrics",
    metadata,
    sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
    sa.Column("check_id", sa.String(100), primary_key=True),
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("value", sa.Float, nullable=False),
    sa.Index("ix_metrics_check", "check_id"),  # the dashboard reads one check's metrics
)

overrides = sa.Table(
    "overrides",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), nullable=False, index=True),
    sa.Column("criterion", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("evaluator_status", sa.String(16), nullable=False),
    sa.Column("evaluator_level", sa.Integer, nullable=True),
    sa.Column("evaluator_trust", sa.String(20), nullable=False),
    sa.Column("mentor_level", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("mentor", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("evaluation_id", "criterion", "at", name="uq_overrides_once"),
)

sources = sa.Table(
    "sources",
    metadata,
    sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
    sa.Column("archive", sa.LargeBinary, nullable=False),
    sa.Column("files", sa.Integer, nullable=False),
    sa.Column("bytes", sa.Integer, nullable=False),
    sa.Column("truncated", sa.Boolean, nullable=False),
)
