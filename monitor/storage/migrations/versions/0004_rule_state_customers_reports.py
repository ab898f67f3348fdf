"""Schema version 4: what alert rules remember between evaluations, customer counts for
retention/churn/CLV, and the weekly reports the daemon has written and sent.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from monitor.storage.types import JSONType, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_state",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("state", JSONType, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rule_state"),
    )
    op.create_table(
        "customer_periods",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_end", sa.Date, nullable=False),
        sa.Column("customers_start", sa.Integer, nullable=False),
        sa.Column("customers_end", sa.Integer, nullable=False),
        sa.Column("customers_new", sa.Integer, nullable=False),
        sa.Column("avg_margin", sa.Float),
        sa.Column("discount_rate", sa.Float),
        sa.Column("origin", sa.String(200), nullable=False),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_periods"),
        sa.UniqueConstraint(
            "brand", "period_start", "period_end", name="uq_customer_periods_brand_period_start_period_end"
        ),
    )
    op.create_table(
        "report_runs",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("week", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("files", JSONType, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_report_runs"),
        sa.UniqueConstraint("week", name="uq_report_runs_week"),
    )
