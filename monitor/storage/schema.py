"""The tables, as of the newest migration (the Alembic scripts in migrations/ create them).

`tests/storage/test_migrations.py` checks that a database migrated to head matches these definitions,
so a change here without a migration fails the suite.
"""

from __future__ import annotations

import sqlalchemy as sa

from monitor.storage.types import JSONType, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

mentions = sa.Table(
    "mentions",
    metadata,
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
    sa.Column("extra", JSONType),
    sa.Column("ingested_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "native_id", "brand"),
    sa.Index(None, "brand", "created_at"),
    sa.Index(None, "brand", "label", "created_at"),
)

cursors = sa.Table(
    "cursors",
    metadata,
    sa.Column("source_name", sa.String(100), primary_key=True),
    sa.Column("brand", sa.String(100), primary_key=True),
    sa.Column("cursor", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# The one health model of every source: the daemon, `monitor status` and (later) the
# "connector down" alert rule all read this table.
connector_health = sa.Table(
    "connector_health",
    metadata,
    sa.Column("source_name", sa.String(100), primary_key=True),
    sa.Column("source_type", sa.String(40), nullable=False),
    sa.Column("last_attempt_at", UTCDateTime),
    sa.Column("last_success_at", UTCDateTime),
    sa.Column("last_error_at", UTCDateTime),
    sa.Column("last_error", sa.Text),
    sa.Column("consecutive_failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_stored", sa.Integer, nullable=False, server_default="0"),
    sa.Column("deferred_until", UTCDateTime),  # rate limited: come back then
    sa.Column("circuit_open_until", UTCDateTime),  # failing repeatedly: do not poll before then
)

# Items read per source and month, for APIs that cap reads (X's paid tiers).
read_budget = sa.Table(
    "read_budget",
    metadata,
    sa.Column("source_name", sa.String(100), primary_key=True),
    sa.Column("period", sa.String(7), primary_key=True),  # YYYY-MM, UTC
    sa.Column("reads", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

survey_responses = sa.Table(
    "survey_responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("brand", sa.String(100), nullable=False),
    sa.Column("metric", sa.String(20), nullable=False),  # csat, nps, ces
    sa.Column("respondent_id", sa.String(200), nullable=False),
    sa.Column("submitted_at", UTCDateTime, nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("scale", sa.String(20), nullable=False),  # e.g. "1-5", "0-10", "1-7-easy"
    sa.Column("segment", sa.String(100)),
    sa.Column("comment", sa.Text),
    sa.Column("comment_compound", sa.Float),
    sa.Column("comment_label", sa.String(10)),
    sa.Column("extra", JSONType),
    sa.Column("ingested_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("brand", "metric", "respondent_id", "submitted_at"),
    sa.Index(None, "brand", "metric", "submitted_at"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # hash of rule, brand, source labels
    sa.Column("rule", sa.String(100), nullable=False),
    sa.Column("brand", sa.String(100)),
    sa.Column("source_name", sa.String(100)),
    sa.Column("labels", JSONType, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # firing, resolved
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("last_notified_at", UTCDateTime),
    sa.Column("details", JSONType),
    # Found by running the rules over mentions that arrived late (an import, a first poll): listed
    # and reported, never notified.
    sa.Column("historical", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index(None, "fingerprint", "state"),
)

notification_log = sa.Table(
    "notification_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), nullable=False),
    sa.Column("event", sa.String(20), nullable=False),  # firing, repeat-N, resolved
    sa.Column("target", sa.String(100), nullable=False),  # target name, never its URL
    sa.Column("status", sa.String(10), nullable=False),  # pending, sent, failed
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("alert_id", "event", "target"),
)

silences = sa.Table(
    "silences",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("brand", sa.String(100)),
    sa.Column("rule", sa.String(100)),
    sa.Column("source_name", sa.String(100)),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=False),
    sa.Column("comment", sa.Text),
    sa.Column("created_by", sa.String(100)),
)

index_snapshots = sa.Table(
    "index_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("brand", sa.String(100), nullable=False),
    sa.Column("period", sa.String(10), nullable=False),  # week, month
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("value", sa.Float),
    sa.Column("low", sa.Float),
    sa.Column("high", sa.Float),
    sa.Column("components", JSONType, nullable=False),
    sa.Column("drivers", JSONType),
    sa.Column("computed_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("brand", "period", "period_start"),
)

# What a rule remembers between evaluations (hysteresis state, the last bucket judged, the last
# mention a per-mention rule has seen), keyed by the rule's identity. JSON so rules can evolve.
rule_state = sa.Table(
    "rule_state",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("state", JSONType, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Customer counts per period (retention, churn) and the CLV inputs, from a CSV or settings.toml.
customer_periods = sa.Table(
    "customer_periods",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("brand", sa.String(100), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("customers_start", sa.Integer, nullable=False),  # S
    sa.Column("customers_end", sa.Integer, nullable=False),  # E
    sa.Column("customers_new", sa.Integer, nullable=False),  # N
    sa.Column("avg_margin", sa.Float),  # m, per period
    sa.Column("discount_rate", sa.Float),  # d, per period
    sa.Column("origin", sa.String(200), nullable=False),  # file name or "settings"
    sa.Column("ingested_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("brand", "period_start", "period_end"),
)

# Weekly reports the daemon wrote, and when they were delivered, so a restart neither rewrites
# nor re-sends a week.
report_runs = sa.Table(
    "report_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(8), nullable=False),  # ISO week, e.g. 2026-W47
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("files", JSONType, nullable=False),
    sa.Column("delivered_at", UTCDateTime),
    sa.UniqueConstraint("week"),
)
