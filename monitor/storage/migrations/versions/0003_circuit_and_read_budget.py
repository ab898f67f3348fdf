"""Schema version 3: the circuit breaker in connector health, and per-source read budgets
(X's paid tiers cap the tweets read per month).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from monitor.storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("connector_health") as batch:
        batch.add_column(sa.Column("circuit_open_until", UTCDateTime))
    op.create_table(
        "read_budget",
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),  # YYYY-MM, UTC
        sa.Column("reads", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("source_name", "period", name="pk_read_budget"),
    )
