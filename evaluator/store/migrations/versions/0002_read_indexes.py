"""Indexes for the cohort dashboard's read: criteria by their values, metrics by check.

The dashboard reads criteria grouped by (criterion, kind, check, status, trust) with
their evaluation ids; an index holding exactly those columns in that order gives
the groups without a sort (SQLite otherwise sorts every criterion row). Metrics are
read for one check (the benchmark's), which the primary key cannot look up.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the read indexes (a frozen copy of what ``schema.py`` declares)."""
    op.create_index(
        "ix_criteria_values",
        "criteria",
        ["criterion", "kind", "check_id", "status", "trust", "evaluation_id"],
    )
    op.create_index("ix_metrics_check", "metrics", ["check_id"])


def downgrade() -> None:
    """Drop the read indexes."""
    op.drop_index("ix_metrics_check", table_name="metrics")
    op.drop_index("ix_criteria_values", table_name="criteria")
