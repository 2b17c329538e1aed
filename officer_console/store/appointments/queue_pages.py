"""Keyset pages and change feeds for the live queue model.

``queue.list_queue`` pages by OFFSET: a row claimed or inserted above the offset between two
page requests shifts every later page, and deep offsets walk (and join) every skipped row.
A live model needs pages that stay correct while rows move, so it asks for "the next rows
after (slot_start, id)" — an index range scan on ``ix_appointments_queue`` at any depth.
``matches`` is the same filter in Python, so a changed row can be placed without a query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from officer_console.store.appointments import queue
from officer_console.store.appointments.queue import QueueFilter, QueueRow
from officer_console.store.db.models import Appointment

SortKey = tuple[datetime, int]


def sort_key(row: QueueRow) -> SortKey:
    return (row.slot_start, row.id)


def list_page(
    session: Session,
    squad_id: int,
    flt: QueueFilter | None = None,
    *,
    after: SortKey | None = None,
    limit: int = 100,
    tz: str = "Asia/Shanghai",
) -> list[QueueRow]:
    """Up to ``limit`` queue rows sorted by slot, strictly after ``after``."""
    stmt = queue._queue_select(squad_id, flt or QueueFilter(), tz)
    if after is not None:
        stmt = stmt.where(tuple_(Appointment.slot_start, Appointment.id) > tuple_(*after))
    stmt = stmt.order_by(Appointment.slot_start, Appointment.id).limit(limit)
    return [queue._row(r) for r in session.execute(stmt)]


def matches(row: QueueRow, squad_id: int, flt: QueueFilter, tz: str = "Asia/Shanghai") -> bool:
    """Whether ``row`` belongs in the queue listing ``squad_id`` under ``flt`` (as the SQL does)."""
    if row.squad_id != squad_id:
        return False
    if flt.day is not None:
        start, end = queue._local_day_bounds(flt.day, tz)
        if not start <= row.slot_start < end:
            return False
    elif flt.from_day is not None:
        start, _ = queue._local_day_bounds(flt.from_day, tz)
        if row.slot_start < start:
            return False
    if flt.statuses and row.status not in flt.statuses:
        return False
    if flt.officer_id is not None and row.officer_id != flt.officer_id:
        return False
    needle = flt.plate.strip().upper()
    return not needle or needle in row.plate


def changes_after(session: Session, seq: int) -> list[tuple[int, int, int]]:
    """(appointment id, squad id, change number) stamped after ``seq``, oldest first."""
    stmt = (
        select(Appointment.id, Appointment.squad_id, Appointment.changed_seq)
        .where(Appointment.changed_seq > seq)
        .order_by(Appointment.changed_seq)
    )
    return [(int(a), int(b), int(c)) for a, b, c in session.execute(stmt)]
