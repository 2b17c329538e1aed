"""Who: squads and officer accounts, citizens with their licence and vehicles.

Personal data columns here (``name``, ``id_number``, ``phone``, ``address``) are never written
to logs or audit rows unmasked.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from officer_console.store.db.models.base import Base
from officer_console.store.db.types import utcnow


class Squad(Base):
    """A 大队: owns an appointment queue, slot schedules and issues decisions."""

    __tablename__ = "squads"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    unit_name: Mapped[str] = mapped_column(String(128))
    division_code: Mapped[str] = mapped_column(String(6))
    review_authority: Mapped[str] = mapped_column(String(128), default="")
    court: Mapped[str] = mapped_column(String(128), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Officer(Base):
    """A console account. ``role``: officer, shift_lead, admin, auditor."""

    __tablename__ = "officers"
    id: Mapped[int] = mapped_column(primary_key=True)
    police_number: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    squad_id: Mapped[int | None] = mapped_column(ForeignKey("squads.id"))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_required: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    first_failed_at: Mapped[datetime | None] = mapped_column()
    locked_at: Mapped[datetime | None] = mapped_column()
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    squad: Mapped[Squad | None] = relationship()


class Citizen(Base):
    """当事人. ``wechat_openid`` and ``phone`` are bound together at the first booking."""

    __tablename__ = "citizens"
    id: Mapped[int] = mapped_column(primary_key=True)
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    bound_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Licence(Base):
    __tablename__ = "licences"
    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), unique=True)
    licence_number: Mapped[str] = mapped_column(String(18))
    file_number: Mapped[str] = mapped_column(String(16))
    licence_class: Mapped[str] = mapped_column(String(16))
    first_issue_date: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    issuing_authority: Mapped[str] = mapped_column(String(128))
    cycle_points: Mapped[int] = mapped_column(Integer, default=0)


class Vehicle(Base):
    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("citizens.id"))
    plate: Mapped[str] = mapped_column(String(12), unique=True)
    vehicle_type: Mapped[str] = mapped_column(String(32))
    vehicle_class: Mapped[str] = mapped_column(String(32), default="private_small")
    registration_date: Mapped[date] = mapped_column(Date)
    inspection_valid_until: Mapped[date | None] = mapped_column(Date)
