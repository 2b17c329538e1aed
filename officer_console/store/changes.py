"""Change notifications for live queues.

Every queue change bumps one counter in the same transaction and stamps the row with it;
SQLite consoles poll the counter (one indexed read), PostgreSQL consoles also get a
``NOTIFY officer_console_queue`` carrying the squad id.
"""

from __future__ import annotations

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from officer_console.store.models import ChangeCounter

CHANNEL = "officer_console_queue"


def bump(session: Session, *squad_ids: int) -> int:
    seq = session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == "appointments")
        .values(value=ChangeCounter.value + 1)
        .returning(ChangeCounter.value)
    ).scalar_one()
    if session.get_bind().dialect.name == "postgresql":
        for squad_id in sorted(set(squad_ids)):
            session.execute(text("SELECT pg_notify(:channel, :payload)"),
                            {"channel": CHANNEL, "payload": f"{squad_id}:{seq}"})
    return int(seq)


def current(session: Session) -> int:
    value = session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == "appointments"))
    return int(value or 0)
