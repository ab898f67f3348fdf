"""Schema version 1: mentions, connector cursors and connector health.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from monitor.storage.types import JSONType, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("native_id", sa.String(200), nullable=False),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("url", sa.Text),
        sa.Column("author", sa.String(200)),
        sa.Column("lang", sa.String(12)),
        sa.Column("rating", sa.SmallInteger),
        sa.Column("engagement", sa.BigInteger),
        sa.Column("reach", sa.BigInteger),
        sa.Column("compound", sa.Float),
        sa.Column("pos", sa.Float),
        sa.Column("neu", sa.Float),
        sa.Column("neg", sa.Float),
        sa.Column("label", sa.String(10), nullable=False),
        sa.Column("scored", sa.Boolean, nullable=False),
        sa.Column("raw", JSONType),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_mentions"),
        sa.UniqueConstraint("source", "native_id", "brand", name="uq_mentions_source_native_id_brand"),
    )
    op.create_index("ix_mentions_brand_created_at", "mentions", ["brand", "created_at"])
    op.create_table(
        "cursors",
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("cursor", sa.Text),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("source_name", "brand", name="pk_cursors"),
    )
    op.create_table(
        "connector_health",
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("source_type", sa.String(40), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime),
        sa.Column("last_success_at", UTCDateTime),
        sa.Column("last_error_at", UTCDateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_stored", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("source_name", name="pk_connector_health"),
    )
