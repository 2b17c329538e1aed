"""Is the citizen on video *now*? The store's answer, from the gateway's shared tables.

Steps that need the citizen — 询问 (and the ID snapshot), 告知, 确认 (signature *or* refusal)
and the e-service consent — are refused here, not only in the widgets.

Definition (documented in docs/procedure.md): the appointment's newest open, unexpired room
(``video_sessions``)

1. was opened by the console (``console_opened_at`` set — 开始视频 was pressed), and
2. has the citizen connected: the relay sets ``citizen_waiting_since`` when the citizen's page
   joins and clears it when it leaves (:func:`store.rooms.mark_citizen`), and
3. where the gateway keeps seats in ``room_seats`` (several instances on PostgreSQL), both the
   ``citizen`` and the ``console`` seat of that room are held, and
4. the console that holds the call is alive: it beats (:func:`console_beat`, every
   :data:`BEAT_SECONDS` while its call is attached) and the newest of ``console_alive_at`` and
   ``console_opened_at`` is at most :data:`FRESH` old.

A hang-up closes the room (1 fails); a citizen drop clears the presence (2 fails) — the relay
does it when the page's socket goes, and the console does it as soon as its media connection
to the citizen fails (:func:`console_saw`: a phone that lost its network may keep the socket
for a while); a dead gateway instance's seats are dropped by the survivors (3 fails). A single
gateway instance keeps no console seat row, and a console killed by -9 leaves its room open
with the citizen still marked: its beats stop, so 4 fails within :data:`FRESH` — another
workstation cannot pass the check on the dead console's room.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain.errors import RuleViolation
from officer_console.store.db.models import RoomSeat, VideoSession
from officer_console.store.db.types import utcnow

__all__ = [
    "ABSENT",
    "BEAT_SECONDS",
    "FRESH",
    "citizen_on_video",
    "console_beat",
    "console_saw",
    "require_citizen",
]

#: the console beats this often while its call is attached …
BEAT_SECONDS = 5
#: … and a room whose console has not beaten for this long has no console (3 beats missed:
#: a busy op runner or a slow database round does not make a live call absent)
FRESH = timedelta(seconds=20)

ABSENT = (
    "当事人不在视频中（未接通或已断开）：本步骤须当事人在视频中完成，请重新发送验证码并开始视频"
)


def citizen_on_video(session: Session, appointment_id: int, now: datetime | None = None) -> bool:
    """True while the citizen and the console are connected to the appointment's room."""
    now = now or utcnow()
    room = session.scalar(
        select(VideoSession)
        .where(
            VideoSession.appointment_id == appointment_id,
            VideoSession.status == "open",
            VideoSession.expires_at > now,
        )
        .order_by(VideoSession.id.desc())
        .limit(1)
    )
    if room is None or room.console_opened_at is None or room.citizen_waiting_since is None:
        return False
    alive = max(room.console_opened_at, room.console_alive_at or room.console_opened_at)
    if alive < now - FRESH:  # the console holding the call stopped beating (killed, frozen)
        return False
    seats = set(session.scalars(select(RoomSeat.role).where(RoomSeat.room_id == room.room_id)))
    return not seats or {"citizen", "console"} <= seats


def require_citizen(session: Session, appointment_id: int, what: str) -> None:
    """Refuse ``what`` (e.g. 「询问」) unless the citizen is on video now."""
    if not citizen_on_video(session, appointment_id):
        raise RuleViolation(f"{what}：{ABSENT}", code="citizen_absent")


def console_beat(
    session: Session, room_id: str | None, appointment_id: int, *, now: datetime | None = None
) -> bool:
    """The console holding ``room_id``'s call is alive (called every :data:`BEAT_SECONDS`;
    ``room_id`` None: the appointment's newest open room). False when that room is no longer
    open (hung up, replaced, expired): nothing is refreshed then."""
    if room_id is None:
        room_id = session.scalar(
            select(VideoSession.room_id)
            .where(VideoSession.appointment_id == appointment_id, VideoSession.status == "open")
            .order_by(VideoSession.id.desc())
            .limit(1)
        )
    result = session.execute(
        update(VideoSession)
        .where(
            VideoSession.room_id == room_id,
            VideoSession.appointment_id == appointment_id,
            VideoSession.status == "open",
            VideoSession.console_opened_at.is_not(None),
        )
        .values(console_alive_at=now or utcnow())
    )
    return bool(getattr(result, "rowcount", 0))


def console_saw(session: Session, appointment_id: int, *, connected: bool) -> None:
    """The console's media connection to the citizen came up (``connected``) or failed: the
    presence of the appointment's open room follows it (the first arrival is kept)."""
    now = utcnow()
    query = update(VideoSession).where(
        VideoSession.appointment_id == appointment_id,
        VideoSession.status == "open",
        VideoSession.console_opened_at.is_not(None),
    )
    if connected:
        query = query.where(VideoSession.citizen_waiting_since.is_(None))
    session.execute(query.values(citizen_waiting_since=now if connected else None))
