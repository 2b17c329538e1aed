"""Change notifications for live queues.

Every queue change stamps the row with a new change number in the same transaction. SQLite
consoles poll for rows stamped after the last number they saw (one indexed read). On
PostgreSQL the number comes from a sequence (no hot row, so concurrent claims never wait on
each other) and a transactional ``NOTIFY officer_console_queue`` carries squad, appointment
and number — delivered on commit, never for a rolled-back change. Sequence numbers can
commit out of order, so PostgreSQL fallback polls look back ``POLL_LOOKBACK`` numbers.
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from officer_console.store.models import ChangeCounter

CHANNEL = "officer_console_queue"
PG_SEQUENCE = "appointment_change_seq"
POLL_LOOKBACK = 1000  # how far back a PostgreSQL fallback poll re-reads


def bump(session: Session, *squad_ids: int, appointment_id: int | None = None) -> int:
    """Return a fresh change number and, on PostgreSQL, notify listening consoles on commit."""
    if session.get_bind().dialect.name == "postgresql":
        seq = int(session.execute(text(f"SELECT nextval('{PG_SEQUENCE}')")).scalar_one())
        for squad_id in sorted(set(squad_ids)):
            session.execute(
                text("SELECT pg_notify(:c, :p)"),
                {"c": CHANNEL, "p": f"{squad_id}:{appointment_id or 0}:{seq}"},
            )
        return seq
    value = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == "appointments")
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one()
    return int(value)


def current(session: Session) -> int:
    if session.get_bind().dialect.name == "postgresql":
        row = session.execute(text(f"SELECT last_value, is_called FROM {PG_SEQUENCE}")).one()
        return int(row.last_value) if row.is_called else 0
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == "appointments"))
    return int(value or 0)
