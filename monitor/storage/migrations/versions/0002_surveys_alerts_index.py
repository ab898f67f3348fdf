"""Schema version 2: extra input columns on mentions, deferral in connector health, and the
tables for survey responses, alerts, the notification log, silences and index snapshots.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from monitor.storage.types import JSONType, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("extra", JSONType))
    op.create_index("ix_mentions_brand_label_created_at", "mentions", ["brand", "label", "created_at"])
    with op.batch_alter_table("connector_health") as batch:
        batch.add_column(sa.Column("deferred_until", UTCDateTime))

    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("metric", sa.String(20), nullable=False),
        sa.Column("respondent_id", sa.String(200), nullable=False),
        sa.Column("submitted_at", UTCDateTime, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("scale", sa.String(20), nullable=False),
        sa.Column("segment", sa.String(100)),
        sa.Column("comment", sa.Text),
        sa.Column("comment_compound", sa.Float),
        sa.Column("comment_label", sa.String(10)),
        sa.Column("extra", JSONType),
        sa.Column("ingested_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_survey_responses"),
        sa.UniqueConstraint(
            "brand", "metric", "respondent_id", "submitted_at",
            name="uq_survey_responses_brand_metric_respondent_id_submitted_at",
        ),
    )
    op.create_index(
        "ix_survey_responses_brand_metric_submitted_at", "survey_responses", ["brand", "metric", "submitted_at"]
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(100), nullable=False),
        sa.Column("brand", sa.String(100)),
        sa.Column("source_name", sa.String(100)),
        sa.Column("labels", JSONType, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("resolved_at", UTCDateTime),
        sa.Column("last_notified_at", UTCDateTime),
        sa.Column("details", JSONType),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
    )
    op.create_index("ix_alerts_fingerprint_state", "alerts", ["fingerprint", "state"])
    op.create_table(
        "notification_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
        sa.Column("event", sa.String(20), nullable=False),
        sa.Column("target", sa.String(100), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_notification_log"),
        sa.UniqueConstraint("alert_id", "event", "target", name="uq_notification_log_alert_id_event_target"),
    )
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("brand", sa.String(100)),
        sa.Column("rule", sa.String(100)),
        sa.Column("source_name", sa.String(100)),
        sa.Column("starts_at", UTCDateTime, nullable=False),
        sa.Column("ends_at", UTCDateTime, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("created_by", sa.String(100)),
        sa.PrimaryKeyConstraint("id", name="pk_silences"),
    )
    op.create_table(
        "index_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("brand", sa.String(100), nullable=False),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("low", sa.Float),
        sa.Column("high", sa.Float),
        sa.Column("components", JSONType, nullable=False),
        sa.Column("drivers", JSONType),
        sa.Column("computed_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_index_snapshots"),
        sa.UniqueConstraint("brand", "period", "period_start", name="uq_index_snapshots_brand_period_period_start"),
    )
