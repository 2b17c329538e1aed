"""Change notifications for live queues.

Every queue change stamps the row with a new change number in the same transaction. SQLite
consoles poll for rows stamped after the last number they saw (one indexed read). On
PostgreSQL the number comes from a sequence (no hot row, so concurrent claims never wait on
each other) and a transactional ``NOTIFY officer_console_queue`` carries squad, appointment
and number — delivered on commit, never for a rolled-back change. Sequence numbers can
commit out of order, so PostgreSQL fallback polls look back ``POLL_LOOKBACK`` numbers.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, text, update
from sqlalchemy.orm import Session

from officer_console.store.db.models import ChangeCounter

CHANNEL = "officer_console_queue"
PG_SEQUENCE = "appointment_change_seq"
POLL_LOOKBACK = 1000  # how far back a PostgreSQL fallback poll re-reads


def stamp_value(session: Session) -> ColumnElement[int] | int:
    """The change number to write into a changed row, inside the changing statement.

    PostgreSQL: ``nextval`` evaluated by the UPDATE itself (no extra round trip). SQLite: the
    counter is bumped first (writers are serialised anyway by ``BEGIN IMMEDIATE``).
    """
    if session.get_bind().dialect.name == "postgresql":
        return func.nextval(PG_SEQUENCE)
    value = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == "appointments")
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one()
    return int(value)


def notify(session: Session, seq: int, appointment_id: int, *squad_ids: int) -> None:
    """Queue a transactional NOTIFY (PostgreSQL; delivered on commit). No-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for squad_id in sorted(set(squad_ids)):
        session.execute(
            text("SELECT pg_notify(:c, :p)"),
            {"c": CHANNEL, "p": f"{squad_id}:{appointment_id}:{seq}"},
        )


def bump(session: Session, *squad_ids: int, appointment_id: int = 0) -> int:
    """Return a fresh change number and notify listening consoles on commit."""
    value = stamp_value(session)
    if not isinstance(value, int):
        value = int(session.execute(select(value)).scalar_one())
    notify(session, value, appointment_id, *squad_ids)
    return value


def current(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(text(f"SELECT last_value, is_called FROM {PG_SEQUENCE}")).one()
        return int(row.last_value) if row.is_called else 0
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == "appointments"))
    return int(value or 0)
