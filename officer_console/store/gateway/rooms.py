"""Video rooms: the console opens one per appointment; the citizen is admitted by a code.

The console gets a random per-room secret; only ``sha256$salt$hex`` of it is stored in
``video_sessions.console_secret_hash``. A citizen who passed the code check gets a room token
``<room>.<code id>.<expiry>.<mac>`` — an HMAC keyed with that stored hash, so every gateway
instance sharing the database can check it. A token stays valid only while its code is the
newest one the citizen used for the appointment: a fresh code (the reconnect path) retires
the old token.

Waiting room: a citizen with a valid code may arrive before the officer pressed 开始视频.
:func:`admit_citizen` then opens the appointment's room itself (``console_opened_at`` NULL)
and the citizen waits in it; :func:`open_room` adopts that room — a new console secret, the
same room id and token key — so the waiting citizen is connected at once. Since revision 0003
tokens are keyed by ``token_key`` (random, never rotated); older rows fall back to the console
secret hash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.errors import ConflictError, NotFoundError, PermissionDenied
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, VerificationCode, VideoSession

__all__ = [
    "ROOM_HOURS",
    "Admission",
    "RoomInfo",
    "admit_citizen",
    "check_citizen_token",
    "check_console_secret",
    "close_room",
    "mark_citizen",
    "open_room",
    "open_waiting_room",
    "room_states",
    "waiting_since",
]

ROOM_HOURS = 2
TOKEN_MINUTES = 30


@dataclass(frozen=True)
class RoomInfo:
    room_id: str
    appointment_id: int
    expires_at: datetime
    citizen_waiting_since: datetime | None = None


@dataclass(frozen=True)
class Admission:
    room_id: str
    token: str
    appointment_id: int
    expires_at: datetime
    #: the console has not opened the room yet: the citizen waits
    waiting: bool = False


def _hash_secret(secret: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    return f"sha256${salt}${hashlib.sha256(f'{salt}{secret}'.encode()).hexdigest()}"


def _secret_matches(secret: str, stored: str) -> bool:
    scheme, _, rest = stored.partition("$")
    salt = rest.partition("$")[0]
    return (
        scheme == "sha256"
        and bool(salt)
        and hmac.compare_digest(_hash_secret(secret, salt), stored)
    )


def open_room(
    session: Session,
    actor: Actor,
    appointment_id: int,
    *,
    now: datetime | None = None,
    hours: int = ROOM_HOURS,
) -> tuple[str, str]:
    """Open the appointment's room for the console; returns ``(room_id, console_secret)``.

    Earlier open rooms of the appointment end ("replaced"): after a console crash the officer
    simply opens a new one, and the citizen rejoins with a fresh code.
    """
    now = now or datetime.now(UTC)
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    if appt.officer_id is None or appt.officer_id != actor.officer_id:
        raise PermissionDenied("只有认领该预约的民警可以开启视频")
    if appt.status not in rules.VIDEO_ROOM_STATUSES:
        raise ConflictError("该预约当前状态不能开启视频")
    secret = secrets.token_urlsafe(32)
    waiting = _waiting_room(session, appointment_id, now)
    if waiting is not None:  # the citizen is already waiting: keep the room and its tokens
        waiting.console_secret_hash = _hash_secret(secret)
        waiting.console_opened_at = now
        waiting.expires_at = max(waiting.expires_at, now + timedelta(hours=hours))
        room_id = waiting.room_id
    else:
        session.execute(
            update(VideoSession)
            .where(VideoSession.appointment_id == appointment_id, VideoSession.status == "open")
            .values(status="replaced", ended_at=now)
        )
        room_id = _new_room(session, appointment_id, now, hours, secret).room_id
    session.flush()
    audit.record(
        session,
        actor,
        "video.room_open",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={"room": room_id[:6] + "…", "hours": hours, "citizen_waiting": bool(waiting)},
        at=now,
    )
    return room_id, secret


def _new_room(
    session: Session, appointment_id: int, now: datetime, hours: int, secret: str | None
) -> VideoSession:
    """A fresh open room; ``secret`` None = a waiting room no console can enter yet."""
    room = VideoSession(
        appointment_id=appointment_id,
        room_id=secrets.token_urlsafe(18),
        console_secret_hash=_hash_secret(secret or secrets.token_urlsafe(32)),
        token_key=secrets.token_urlsafe(32),
        status="open",
        created_at=now,
        expires_at=now + timedelta(hours=hours),
        console_opened_at=now if secret is not None else None,
    )
    session.add(room)
    session.flush()
    return room


def _open_room_of(session: Session, appointment_id: int, now: datetime) -> VideoSession | None:
    return session.scalar(
        select(VideoSession)
        .where(
            VideoSession.appointment_id == appointment_id,
            VideoSession.status == "open",
            VideoSession.expires_at > now,
        )
        .order_by(VideoSession.id.desc())
        .limit(1)
    )


def _waiting_room(session: Session, appointment_id: int, now: datetime) -> VideoSession | None:
    room = _open_room_of(session, appointment_id, now)
    if room is None or room.console_opened_at is not None or room.token_key is None:
        return None
    return room


def open_waiting_room(
    session: Session, appointment_id: int, *, now: datetime, hours: int = ROOM_HOURS
) -> str:
    """The appointment's open room, opened now for a waiting citizen if there is none.

    Called when a code is verified (and callable at dispatch): the room exists from then on,
    the console adopts it with :func:`open_room`.
    """
    room = _open_room_of(session, appointment_id, now)
    if room is None:
        room = _new_room(session, appointment_id, now, hours, None)
    return room.room_id


def waiting_since(session: Session, appointment_id: int, now: datetime) -> datetime | None:
    """Since when a citizen is connected to the appointment's open room (None: nobody is).

    The console shows "当事人已在等候" and the waiting time from this before 开始视频.
    """
    room = _open_room_of(session, appointment_id, now)
    return None if room is None else room.citizen_waiting_since


def mark_citizen(session: Session, room_id: str, since: datetime | None) -> None:
    """The relay records the citizen's presence: ``since`` on connect, None on leave."""
    query = update(VideoSession).where(VideoSession.room_id == room_id)
    if since is not None:  # keep the first arrival across reconnects
        query = query.where(VideoSession.citizen_waiting_since.is_(None))
    session.execute(query.values(citizen_waiting_since=since))


def close_room(session: Session, room_id: str, *, now: datetime | None = None) -> None:
    """End a room (the console is done); connected sockets are closed by the gateway sweep."""
    session.execute(
        update(VideoSession)
        .where(VideoSession.room_id == room_id, VideoSession.status == "open")
        .values(status="ended", ended_at=now or datetime.now(UTC))
    )


def _live_room(session: Session, room_id: str, now: datetime) -> VideoSession:
    room = session.scalar(select(VideoSession).where(VideoSession.room_id == room_id))
    if room is None:
        raise NotFoundError("视频房间不存在", code="room_not_found")
    if room.status != "open" or room.expires_at <= now:
        raise ConflictError("视频房间已结束或已过期", code="room_closed")
    return room


def check_console_secret(session: Session, room_id: str, secret: str, now: datetime) -> RoomInfo:
    """The console's credential for the relay; raises PermissionDenied on a wrong secret."""
    room = _live_room(session, room_id, now)
    if not _secret_matches(secret, room.console_secret_hash):
        raise PermissionDenied("房间密钥错误", code="auth_failed")
    return RoomInfo(room.room_id, room.appointment_id, room.expires_at, room.citizen_waiting_since)


def _token_key(room: VideoSession) -> str:
    return room.token_key or room.console_secret_hash


def _mac(key: str, payload: str) -> str:
    digest = hmac.new(key.encode(), f"citizen|{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _newest_used_code(session: Session, appointment_id: int) -> int | None:
    return session.scalar(
        select(func.max(VerificationCode.id)).where(
            VerificationCode.appointment_id == appointment_id,
            VerificationCode.used_at.is_not(None),
        )
    )


def admit_citizen(
    session: Session, appointment_id: int, *, now: datetime, actor: Actor | None = None
) -> Admission:
    """After a verified code: the room token for the appointment's open room.

    When the officer has not opened video yet, the room is opened now and the citizen waits
    in it (``Admission.waiting``); the code is consumed either way (single use).
    """
    room = _open_room_of(session, appointment_id, now) or _new_room(
        session, appointment_id, now, ROOM_HOURS, None
    )
    code_id = _newest_used_code(session, appointment_id)
    if code_id is None:
        raise ConflictError("验证码尚未通过核验", code="no_active_code")
    expires = min(room.expires_at, now + timedelta(minutes=TOKEN_MINUTES))
    payload = f"{room.room_id}.{code_id}.{int(expires.timestamp())}"
    token = f"{payload}.{_mac(_token_key(room), payload)}"
    if actor is not None:
        audit.record(
            session,
            actor,
            "video.citizen_admit",
            entity_type="appointment",
            entity_id=appointment_id,
            detail={"code_id": code_id, "waiting": room.console_opened_at is None},
            at=now,
        )
    return Admission(
        room.room_id, token, appointment_id, expires, waiting=room.console_opened_at is None
    )


def check_citizen_token(
    session: Session, room_id: str, token: str, now: datetime
) -> tuple[RoomInfo, int]:
    """Validate a citizen room token; returns the room and the code id the token rests on."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != room_id:
        raise PermissionDenied("房间凭证无效", code="auth_failed")
    room = _live_room(session, room_id, now)
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_mac(_token_key(room), payload), parts[3]):
        raise PermissionDenied("房间凭证无效", code="auth_failed")
    try:
        code_id, expiry = int(parts[1]), int(parts[2])
    except ValueError:
        raise PermissionDenied("房间凭证无效", code="auth_failed") from None
    if expiry <= now.timestamp():
        raise PermissionDenied("房间凭证已过期，请重新输入验证码", code="token_expired")
    if _newest_used_code(session, room.appointment_id) != code_id:
        raise PermissionDenied("已使用新的验证码进入，本凭证已失效", code="token_replaced")
    return RoomInfo(room.room_id, room.appointment_id, room.expires_at), code_id


def room_states(session: Session, room_ids: list[str], now: datetime) -> dict[str, bool]:
    """Which of ``room_ids`` are still open and unexpired (for the relay's sweep)."""
    if not room_ids:
        return {}
    rows = session.execute(
        select(VideoSession.room_id, VideoSession.status, VideoSession.expires_at).where(
            VideoSession.room_id.in_(room_ids)
        )
    )
    alive = {rid: status == "open" and exp > now for rid, status, exp in rows}
    return {rid: alive.get(rid, False) for rid in room_ids}
