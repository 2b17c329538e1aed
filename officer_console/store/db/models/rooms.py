"""Video rooms and what the citizen gateway instances share through the database: room
seats, oversized signaling payloads and rate-limit windows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from officer_console.store.db.models.base import Base
from officer_console.store.db.types import utcnow


class VideoSession(Base):
    __tablename__ = "video_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    room_id: Mapped[str] = mapped_column(String(64), unique=True)
    console_secret_hash: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    #: HMAC key of citizen room tokens; unlike the console secret it never changes, so a
    #: citizen waiting in the room keeps a valid token when the console opens it (NULL on
    #: rows from before revision 0003: the console secret hash is the key then).
    token_key: Mapped[str | None] = mapped_column(String(64))
    #: when the console opened the room (开始视频); NULL = a waiting room the citizen opened
    console_opened_at: Mapped[datetime | None] = mapped_column()
    #: when the citizen was first admitted to this room (the console shows the waiting time)
    citizen_waiting_since: Mapped[datetime | None] = mapped_column()
    #: the console's last heartbeat while its call on this room is live (revision 0007):
    #: presence needs a fresh one, so a killed console's room stops counting within seconds
    console_alive_at: Mapped[datetime | None] = mapped_column()


class RoomSeat(Base):
    """Who holds a room's console or citizen seat, on which gateway instance (PostgreSQL
    deployments with several instances; a dead instance's rows are taken over)."""

    __tablename__ = "room_seats"
    room_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(8), primary_key=True)
    instance: Mapped[str] = mapped_column(String(64))
    code_id: Mapped[int] = mapped_column(Integer, default=0)
    since: Mapped[datetime] = mapped_column()


class SignalPayload(Base):
    """A relayed signaling message too large for a NOTIFY payload (8000 bytes)."""

    __tablename__ = "signal_payloads"
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    room_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class RateWindow(Base):
    """A fixed-window counter shared by every gateway instance (per phone, per code)."""

    __tablename__ = "rate_windows"
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[datetime] = mapped_column()
    count: Mapped[int] = mapped_column(Integer)
