"""The queue: slot schedules, appointments with their violations, and the change counter
that lets SQLite workstations poll for live updates cheaply.

An appointment's status values and transitions belong to
:mod:`officer_console.domain.appointment`; this is only the row.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from officer_console.store.db.models.base import Base
from officer_console.store.db.models.people import Citizen, Officer, Squad, Vehicle
from officer_console.store.db.types import utcnow


class SlotSchedule(Base):
    """A weekly template: on ``weekday`` the squad offers slots of ``slot_minutes``."""

    __tablename__ = "slot_schedules"
    id: Mapped[int] = mapped_column(primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    capacity: Mapped[int] = mapped_column(Integer, default=2)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_queue", "squad_id", "slot_start", "id"),
        Index("ix_appointments_status", "squad_id", "status"),
        Index("ix_appointments_changed", "changed_seq"),
        # Claim-next scans only waiting rows; without this it walks every claimed row first.
        Index(
            "ix_appointments_waiting",
            "squad_id",
            "slot_start",
            "id",
            postgresql_where=text("status = 'waiting'"),
            sqlite_where=text("status = 'waiting'"),
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    squad_id: Mapped[int] = mapped_column(ForeignKey("squads.id"))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizens.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
    slot_start: Mapped[datetime] = mapped_column()
    slot_end: Mapped[datetime] = mapped_column()
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent_reason: Mapped[str | None] = mapped_column(String(16))
    urgent_due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="waiting")
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    citizen: Mapped[Citizen] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    officer: Mapped[Officer | None] = relationship()
    squad: Mapped[Squad] = relationship()


class AppointmentViolation(Base):
    __tablename__ = "appointment_violations"
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), primary_key=True)
    violation_id: Mapped[int] = mapped_column(
        ForeignKey("violation_records.id"), primary_key=True, index=True
    )


class ChangeCounter(Base):
    """One row per counter; bumped in the same transaction as a change (cheap SQLite polling)."""

    __tablename__ = "change_counters"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
