"""Rows several gateway instances share through the database: room seats, signaling
messages too large for a NOTIFY payload, and fixed-window rate counters.

Seat and counter updates are single conditional statements (upsert / delete with a
condition), so two instances deciding at the same moment cannot both win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from officer_console.store.db.models import RateWindow, RoomSeat, SignalPayload

__all__ = [
    "Seat",
    "drop_seats",
    "fetch_payload",
    "hit_window",
    "prune_payloads",
    "release_seat",
    "seats_of",
    "seats_of_rooms",
    "store_payload",
    "take_seat",
]


@dataclass(frozen=True)
class Seat:
    room_id: str
    role: str
    instance: str
    code_id: int
    since: datetime


def _insert(session: Session, model: type) -> postgresql.Insert | sqlite.Insert:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)


def seats_of(session: Session, room_id: str) -> dict[str, Seat]:
    rows = session.scalars(select(RoomSeat).where(RoomSeat.room_id == room_id))
    return {r.role: Seat(r.room_id, r.role, r.instance, r.code_id, r.since) for r in rows}


def seats_of_rooms(session: Session, room_ids: list[str]) -> dict[str, dict[str, Seat]]:
    """The seats of many rooms in one query per 1000 ids (the relay's sweep reconciles with
    them); plain rows, no ORM objects — this runs every few seconds for every open room."""
    found: dict[str, dict[str, Seat]] = {}
    columns = (RoomSeat.room_id, RoomSeat.role, RoomSeat.instance, RoomSeat.code_id, RoomSeat.since)
    for start in range(0, len(room_ids), 1000):
        chunk = room_ids[start : start + 1000]
        for room_id, role, instance, code_id, since in session.execute(
            select(*columns).where(RoomSeat.room_id.in_(chunk))
        ):
            found.setdefault(room_id, {})[role] = Seat(room_id, role, instance, code_id, since)
    return found


def take_seat(
    session: Session,
    room_id: str,
    role: str,
    *,
    instance: str,
    code_id: int,
    now: datetime,
    may_replace: set[str],
) -> tuple[bool, Seat | None]:
    """Take the seat unless an instance outside ``may_replace`` holds it with a code at
    least as new. Returns ``(taken, previous holder)``; one conditional upsert, so at most
    one of several simultaneous takers wins."""
    current = seats_of(session, room_id).get(role)
    stmt = _insert(session, RoomSeat).values(
        room_id=room_id, role=role, instance=instance, code_id=code_id, since=now
    )
    condition = RoomSeat.instance.in_(may_replace | {instance}) | (
        (RoomSeat.role == "citizen") & (RoomSeat.code_id < code_id)
    )
    upsert = stmt.on_conflict_do_update(
        index_elements=[RoomSeat.room_id, RoomSeat.role],
        set_={"instance": instance, "code_id": code_id, "since": now},
        where=condition,
    ).returning(RoomSeat.instance)
    taken = session.execute(upsert).scalar_one_or_none() is not None
    return taken, current


def release_seat(session: Session, room_id: str, role: str, instance: str, code_id: int) -> None:
    session.execute(
        delete(RoomSeat).where(
            RoomSeat.room_id == room_id,
            RoomSeat.role == role,
            RoomSeat.instance == instance,
            RoomSeat.code_id == code_id,
        )
    )


def drop_seats(session: Session, instance: str) -> None:
    """Forget a dead (or stopping) instance's seats."""
    session.execute(delete(RoomSeat).where(RoomSeat.instance == instance))


def store_payload(session: Session, room_id: str, body: str, now: datetime) -> int:
    row = SignalPayload(room_id=room_id, body=body, created_at=now)
    session.add(row)
    session.flush()
    return int(row.id)


def fetch_payload(session: Session, payload_id: int) -> str | None:
    return session.scalar(select(SignalPayload.body).where(SignalPayload.id == payload_id))


def prune_payloads(session: Session, now: datetime, keep: timedelta = timedelta(minutes=5)) -> int:
    done = session.execute(delete(SignalPayload).where(SignalPayload.created_at < now - keep))
    return int(getattr(done, "rowcount", 0) or 0)


def hit_window(session: Session, key: str, count: int, seconds: float, now: datetime) -> int:
    """Count one hit of ``key``; 0 when allowed, else the seconds until the window ends."""
    fresh = now - timedelta(seconds=seconds)
    stmt = _insert(session, RateWindow).values(key=key[:160], window_start=now, count=1)
    expired = RateWindow.window_start < fresh
    upsert = stmt.on_conflict_do_update(
        index_elements=[RateWindow.key],
        set_={
            "window_start": case(
                (expired, literal(now, RateWindow.__table__.c.window_start.type)),
                else_=RateWindow.window_start,
            ),
            "count": case((expired, literal(1)), else_=RateWindow.count + 1),
        },
    ).returning(RateWindow.window_start, RateWindow.count)
    start, used = session.execute(upsert).one()
    if used <= count:
        return 0
    return max(1, int((start + timedelta(seconds=seconds) - now).total_seconds() + 0.999))
