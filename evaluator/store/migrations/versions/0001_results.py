"""Results store: evaluations, criteria, checks, metrics, overrides, sources.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _evaluation_fk() -> sa.ForeignKey:
    return sa.ForeignKey("evaluations.id", ondelete="CASCADE")


def upgrade() -> None:
    """Create the first schema (a frozen copy: later changes get their own revision)."""
    op.create_table(
        "evaluations",
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
    op.create_table(
        "criteria",
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
    )
    op.create_table(
        "checks",
        sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
        sa.Column("check_id", sa.String(100), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fault", sa.String(16), nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
    )
    op.create_table(
        "metrics",
        sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
        sa.Column("check_id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )
    op.create_table(
        "overrides",
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
    op.create_table(
        "sources",
        sa.Column("evaluation_id", sa.Integer, _evaluation_fk(), primary_key=True),
        sa.Column("archive", sa.LargeBinary, nullable=False),
        sa.Column("files", sa.Integer, nullable=False),
        sa.Column("bytes", sa.Integer, nullable=False),
        sa.Column("truncated", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    """Drop every table of the first schema."""
    for table in ("sources", "overrides", "metrics", "checks", "criteria", "evaluations"):
        op.drop_table(table)
