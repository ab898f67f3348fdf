"""The SQL of alerting, on SQLite and PostgreSQL: tables alerts, notification_log, silences and
rule_state (monitor/storage/schema.py). Takes a Store and uses its engine and transactions.

Exactly-once bookkeeping lives here:
- an alert's transition and the notification rows it calls for are written in ONE transaction,
  rows as `pending`, BEFORE anything is sent; `mark_sent` flips them after the target accepted;
- (alert_id, event, target) is unique, so planning the same event twice (a restart, two
  daemons on PostgreSQL) inserts nothing the second time;
- each delivery attempt is claimed by bumping `attempts` from the value read (optimistic), so
  two senders never send the same attempt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from monitor.config.alert_kinds import Labels
from monitor.storage import schema
from monitor.storage.store import Store

A = schema.alerts
N = schema.notification_log
S = schema.silences
R = schema.rule_state


@dataclass(frozen=True)
class Silence:
    id: int
    brand: str | None
    rule: str | None
    source: str | None
    starts_at: datetime
    ends_at: datetime
    comment: str | None
    created_by: str | None

    def matches(self, labels: Labels) -> bool:
        """A matcher left empty matches anything (a wildcard)."""
        return (
            (self.brand is None or self.brand == labels.brand)
            and (self.rule is None or self.rule == labels.rule)
            and (self.source is None or self.source == labels.source)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "brand": self.brand,
            "rule": self.rule,
            "source": self.source,
            "starts_at": self.starts_at.isoformat(),
            "ends_at": self.ends_at.isoformat(),
            "comment": self.comment,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class Episode:
    """One fire-to-resolve stretch of a rule's verdicts that is over."""

    started_at: datetime  # start of the bucket where it fired
    resolved_at: datetime  # end of the bucket where it resolved
    details: dict[str, Any]


class AlertStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _insert(self, table: sa.Table) -> Any:
        return (postgresql if self.store.dialect == "postgresql" else sqlite).insert(table)

    # -- rule_state ---------------------------------------------------------------------------

    def states_with_prefix(self, prefix: str) -> dict[str, dict[str, Any]]:
        """Every rule_state row whose key starts with `prefix`, keyed by the rest of the key (the
        table holds a few rows per rule and brand, so one evaluation reads them in one query)."""
        with self.store.atomic(write=False) as conn:
            rows = conn.execute(
                sa.select(R.c.key, R.c.state).where(R.c.key.startswith(prefix, autoescape=True))
            )
            return {key[len(prefix) :]: state or {} for key, state in rows}

    def lock_state(self, conn: sa.Connection, key: str, now: datetime) -> dict[str, Any] | None:
        """Read a rule_state row, locked until the transaction ends (PostgreSQL: FOR UPDATE on a
        row created if missing; SQLite: the write transaction already excludes other writers).

        This serialises transitions of one alert across threads and daemons."""
        conn.execute(
            self._insert(R)
            .values(key=key, state={}, updated_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
        state = conn.execute(sa.select(R.c.state).where(R.c.key == key).with_for_update()).scalar_one()
        return state or None

    def put_state(self, conn: sa.Connection, key: str, state: dict[str, Any], now: datetime) -> None:
        stmt = self._insert(R).values(key=key, state=state, updated_at=now)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={"state": stmt.excluded.state, "updated_at": stmt.excluded.updated_at},
        )
        conn.execute(stmt)

    # -- alerts ---------------------------------------------------------------------------------

    def open_alert(self, conn: sa.Connection, fingerprint: str) -> sa.RowMapping | None:
        return (
            conn.execute(
                sa.select(A)
                .where(A.c.fingerprint == fingerprint, A.c.state == "firing")
                .order_by(A.c.id.desc())
            )
            .mappings()
            .first()
        )

    def insert_alert(
        self,
        conn: sa.Connection,
        labels: Labels,
        *,
        state: str,
        started_at: datetime,
        details: dict[str, Any],
        resolved_at: datetime | None = None,
    ) -> int:
        return int(
            conn.execute(
                sa.insert(A)
                .values(
                    fingerprint=labels.fingerprint,
                    rule=labels.rule,
                    brand=labels.brand,
                    source_name=labels.source,
                    labels=labels.as_dict(),
                    state=state,
                    started_at=started_at,
                    resolved_at=resolved_at,
                    details=details,
                )
                .returning(A.c.id)
            ).scalar_one()
        )

    def replace_historical(self, labels: Labels, episodes: Sequence[Episode]) -> int:
        """Make `episodes` the historical alerts of `labels`, in one transaction, leaving out any
        that overlaps a live alert of the same labels (seen live, recorded already). Returns how
        many were recorded."""
        with self.store.atomic() as conn:
            live = conn.execute(
                sa.select(A.c.started_at, A.c.resolved_at).where(
                    A.c.fingerprint == labels.fingerprint, A.c.historical.is_(False)
                )
            ).all()
            conn.execute(sa.delete(A).where(A.c.fingerprint == labels.fingerprint, A.c.historical.is_(True)))
            kept = [e for e in episodes if not any(_overlaps(e, start, end) for start, end in live)]
            for e in kept:
                conn.execute(
                    sa.insert(A).values(
                        fingerprint=labels.fingerprint,
                        rule=labels.rule,
                        brand=labels.brand,
                        source_name=labels.source,
                        labels=labels.as_dict(),
                        state="resolved",
                        started_at=e.started_at,
                        resolved_at=e.resolved_at,
                        details=e.details,
                        historical=True,
                    )
                )
        return len(kept)

    def update_alert(self, conn: sa.Connection, alert_id: int, **values: Any) -> None:
        conn.execute(sa.update(A).where(A.c.id == alert_id).values(**values))

    def alert(self, alert_id: int) -> sa.RowMapping | None:
        with self.store.atomic(write=False) as conn:
            return conn.execute(sa.select(A).where(A.c.id == alert_id)).mappings().first()

    def firing(self) -> list[sa.RowMapping]:
        with self.store.atomic(write=False) as conn:
            return list(conn.execute(sa.select(A).where(A.c.state == "firing").order_by(A.c.id)).mappings())

    def recent(self, *, limit: int | None = None, since: datetime | None = None) -> list[sa.RowMapping]:
        """Firing alerts first (oldest first), then the others, newest start first: all of them,
        or the latest `limit`, or those started at or after `since`."""
        started = A.c.started_at >= since if since is not None else sa.true()
        with self.store.atomic(write=False) as conn:
            firing = list(
                conn.execute(
                    sa.select(A).where(A.c.state == "firing", started).order_by(A.c.started_at, A.c.id)
                ).mappings()
            )
            rest = (
                sa.select(A)
                .where(A.c.state != "firing", started)
                .order_by(A.c.started_at.desc(), A.c.id.desc())
            )
            resolved = list(conn.execute(rest.limit(limit) if limit is not None else rest).mappings())
        return firing + resolved

    def close_orphans(self, fingerprints: set[str], now: datetime) -> int:
        """Resolve, without notifying, firing alerts whose rule is no longer configured."""
        closed = 0
        with self.store.atomic() as conn:
            for row in conn.execute(sa.select(A.c.id, A.c.fingerprint).where(A.c.state == "firing")).all():
                if row.fingerprint not in fingerprints:
                    conn.execute(
                        sa.update(A).where(A.c.id == row.id).values(state="resolved", resolved_at=now)
                    )
                    closed += 1
        return closed

    # -- notification log -----------------------------------------------------------------------

    def plan(
        self, conn: sa.Connection, alert_id: int, event: str, targets: Sequence[str], now: datetime
    ) -> int:
        """Record notifications to send as `pending` (before sending). Returns rows inserted:
        an event already planned for a target is not planned again."""
        if not targets:
            return 0
        stmt = (
            self._insert(N)
            .values(
                [
                    {
                        "alert_id": alert_id,
                        "event": event,
                        "target": t,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                    }
                    for t in targets
                ]
            )
            .on_conflict_do_nothing(index_elements=["alert_id", "event", "target"])
        )
        return conn.execute(stmt).rowcount or 0

    def events(self, conn: sa.Connection, alert_id: int) -> list[sa.RowMapping]:
        return list(conn.execute(sa.select(N).where(N.c.alert_id == alert_id).order_by(N.c.id)).mappings())

    def deliverable(self, max_attempts: int) -> list[sa.RowMapping]:
        """Notifications not sent yet (pending: planned or interrupted; failed: retry later), oldest first."""
        with self.store.atomic(write=False) as conn:
            return list(
                conn.execute(
                    sa.select(N)
                    .where(N.c.status.in_(("pending", "failed")), N.c.attempts < max_attempts)
                    .order_by(N.c.id)
                ).mappings()
            )

    def claim(self, row_id: int, attempts_seen: int, attempts: int) -> bool:
        """Take the next `attempts` attempts of a notification; False if another sender took them."""
        with self.store.atomic() as conn:
            done = conn.execute(
                sa.update(N)
                .where(N.c.id == row_id, N.c.attempts == attempts_seen, N.c.status.in_(("pending", "failed")))
                .values(attempts=attempts_seen + attempts)
            )
            return done.rowcount == 1

    def finish(self, row_id: int, *, attempts: int, ok: bool, error: str | None, now: datetime) -> None:
        with self.store.atomic() as conn:
            conn.execute(
                sa.update(N)
                .where(N.c.id == row_id)
                .values(
                    attempts=attempts,
                    status="sent" if ok else "failed",
                    sent_at=now if ok else None,
                    error=None if ok else (error or "failed")[:2000],
                )
            )

    def log(self, *, alert_id: int | None = None) -> list[sa.RowMapping]:
        q = sa.select(N).order_by(N.c.id)
        if alert_id is not None:
            q = q.where(N.c.alert_id == alert_id)
        with self.store.atomic(write=False) as conn:
            return list(conn.execute(q).mappings())

    # -- silences -------------------------------------------------------------------------------

    def add_silence(
        self,
        *,
        brand: str | None,
        rule: str | None,
        source: str | None,
        starts_at: datetime,
        ends_at: datetime,
        comment: str | None,
        created_by: str | None,
    ) -> int:
        with self.store.atomic() as conn:
            return int(
                conn.execute(
                    sa.insert(S)
                    .values(
                        brand=brand,
                        rule=rule,
                        source_name=source,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        comment=comment,
                        created_by=created_by,
                    )
                    .returning(S.c.id)
                ).scalar_one()
            )

    def end_silence(self, silence_id: int, now: datetime) -> bool:
        with self.store.atomic() as conn:
            done = conn.execute(
                sa.update(S).where(S.c.id == silence_id, S.c.ends_at > now).values(ends_at=now)
            )
            return done.rowcount == 1

    def silence_exists(self, silence_id: int) -> bool:
        with self.store.atomic(write=False) as conn:
            return conn.execute(sa.select(S.c.id).where(S.c.id == silence_id)).first() is not None

    def active_silences(self, now: datetime) -> list[Silence]:
        with self.store.atomic(write=False) as conn:
            rows = conn.execute(
                sa.select(S).where(S.c.starts_at <= now, S.c.ends_at > now).order_by(S.c.id)
            ).mappings()
            return [
                Silence(
                    r["id"],
                    r["brand"],
                    r["rule"],
                    r["source_name"],
                    r["starts_at"],
                    r["ends_at"],
                    r["comment"],
                    r["created_by"],
                )
                for r in rows
            ]

    # -- mentions, for messages and per-mention rules --------------------------------------------

    def samples(self, brand: str, start: datetime, end: datetime, *, limit: int = 3) -> list[sa.RowMapping]:
        """The most negative scored mentions of a brand in a window (what a message shows)."""
        m = schema.mentions
        with self.store.atomic(write=False) as conn:
            return list(
                conn.execute(
                    sa.select(*_sample_columns())
                    .where(
                        m.c.brand == brand,
                        m.c.created_at >= start,
                        m.c.created_at < end,
                        m.c.compound.is_not(None),
                    )
                    .order_by(m.c.compound, m.c.id)
                    .limit(limit)
                ).mappings()
            )

    def mention_span(self, brand: str) -> tuple[datetime, datetime] | None:
        """The times of a brand's oldest and newest stored mentions (None: it has none)."""
        m = schema.mentions
        with self.store.atomic(write=False) as conn:
            first, last = conn.execute(
                sa.select(sa.func.min(m.c.created_at), sa.func.max(m.c.created_at)).where(m.c.brand == brand)
            ).one()
        return None if first is None else (first, last)

    def mentions_by_id(self, ids: Sequence[int]) -> list[sa.RowMapping]:
        if not ids:
            return []
        m = schema.mentions
        with self.store.atomic(write=False) as conn:
            return list(
                conn.execute(
                    sa.select(*_sample_columns()).where(m.c.id.in_(list(ids))).order_by(m.c.compound, m.c.id)
                ).mappings()
            )


def _overlaps(e: Episode, start: datetime, end: datetime | None) -> bool:
    return e.started_at < (end or datetime.max.replace(tzinfo=UTC)) and start < e.resolved_at


def _sample_columns() -> list[sa.Column]:
    """What a message shows of a mention."""
    m = schema.mentions
    return [
        m.c.id,
        m.c.source,
        m.c.text,
        m.c.title,
        m.c.url,
        m.c.compound,
        m.c.created_at,
        m.c.rating,
        m.c.reach,
    ]
