"""SQLAlchemy 2 ORM models of the shared case database.

Times are UTC (``UTCDateTime``). Rows that several workstations edit carry a ``version``
column; writers use conditional updates on it (see repositories). Personal data columns are
never written to logs or audit rows unmasked.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from officer_console.store.types import UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


# --- organisation and accounts -------------------------------------------------------------


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


# --- citizens, licences, vehicles, violations ----------------------------------------------


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


class CatalogueEntry(Base):
    """Violation catalogue keyed by region + code, with effective dates (docs/domain.md)."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (UniqueConstraint("region", "code", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(8))
    behaviour: Mapped[str] = mapped_column(String(200))
    conduct_basis: Mapped[str] = mapped_column(String(200))
    penalty_basis: Mapped[str] = mapped_column(String(200))
    fine_min: Mapped[int] = mapped_column(Integer)
    fine_max: Mapped[int] = mapped_column(Integer)
    fine_default: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    points_expressway: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: domain.penalties.PenaltyKind: fine, warning, warning_or_fine (what the article allows)
    penalty_kind: Mapped[str] = mapped_column(String(16), default="fine", server_default="fine")


class ViolationRecord(Base):
    """A captured violation, fed by an import from the national capture system."""

    __tablename__ = "violation_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    region: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column()
    location: Mapped[str] = mapped_column(String(200))
    fine: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="unhandled")
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    vehicle: Mapped[Vehicle] = relationship()


# --- scheduling and the queue --------------------------------------------------------------


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


APPOINTMENT_STATUSES = (
    "waiting",  # booked, nobody has claimed it
    "claimed",  # an officer owns it
    "contacting",  # code + SMS + call dispatched
    "in_call",  # video connected
    "in_procedure",  # the wizard is open
    "completed",
    "cancelled",
    "no_show",
)


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


# --- cases, decisions ----------------------------------------------------------------------


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), unique=True)
    procedure: Mapped[str] = mapped_column(String(8))  # simple | general
    lead_officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    assist_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    current_step: Mapped[str] = mapped_column(String(16), default="inquiry")
    status: Mapped[str] = mapped_column(String(16), default="open")
    state: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()


class CaseStep(Base):
    """One completed procedure step; written once, never edited (resumable wizard)."""

    __tablename__ = "case_steps"
    __table_args__ = (UniqueConstraint("case_id", "step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CosignRequest(Base):
    """General procedure: the lead asks a second officer to co-sign ([157] 48, [XZCF] 42).

    ``status``: pending → approved | declined | withdrawn. The assisting officer decides with
    their own password on their own workstation.
    """

    __tablename__ = "cosign_requests"
    __table_args__ = (Index("ix_cosign_requests_officer", "officer_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    requested_by: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()
    #: The ruling the approver is asked to approve (fines/points/warned by violation id, the
    #: review note); the ruling must then be this one. None for requests without one.
    proposal: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class NumberSequence(Base):
    """Gap-free decision serials: incremented in the same transaction as the decision."""

    __tablename__ = "number_sequences"
    unit_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, default=0)


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (UniqueConstraint("unit_code", "year", "serial"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    unit_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    serial: Mapped[int] = mapped_column(Integer)
    fine_total: Mapped[int] = mapped_column(Integer, default=0)
    points_total: Mapped[int] = mapped_column(Integer, default=0)
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_files.id"))
    # Short random code printed in the QR link (/verify?n=…&c=…); not guessable (store/documents.py).
    verify_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    # 作废: the case was handed over after the ruling and the decision cannot stand; the row
    # (and its number) stays, so the unit's sequence is gap-free and explainable.
    voided_at: Mapped[datetime | None] = mapped_column()
    void_reason: Mapped[str | None] = mapped_column(String(200))


class ServiceRecord(Base):
    """电子送达 record: consent, channel, the download token (hashed) and delivery time."""

    __tablename__ = "service_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    consent: Mapped[bool] = mapped_column(Boolean)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    sent_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


# --- dispatch: codes, SMS, calls -----------------------------------------------------------


class VerificationCode(Base):
    """A one-time citizen code; only its hash is stored."""

    __tablename__ = "verification_codes"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class Dispatch(Base):
    """One click of 'call and text': its steps are retried individually."""

    __tablename__ = "dispatches"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    code_id: Mapped[int | None] = mapped_column(ForeignKey("verification_codes.id"))
    sms_status: Mapped[str] = mapped_column(String(16), default="queued")
    call_status: Mapped[str] = mapped_column(String(16), default="queued")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")  # kept only by the outbox provider
    status: Mapped[str] = mapped_column(String(16), default="queued")
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class CallAttempt(Base):
    __tablename__ = "call_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id"), index=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id"))
    dialer: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- video and evidence --------------------------------------------------------------------


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


class EvidenceFile(Base):
    """A recording, decision PDF, service record or signature, hashed when written."""

    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where a verified copy lives (store kind: local | path | s3); None = only in the spool
    # of the workstation that recorded it (see store/evidence.py, docs/evidence.md).
    stored_in: Mapped[str | None] = mapped_column(String(16))
    stored_at: Mapped[datetime | None] = mapped_column()


# --- audit ---------------------------------------------------------------------------------


class AuditEvent(Base):
    """Append-only, hash-chained: ``hash = SHA-256(canonical row ‖ prev_hash)``.

    One chain per workstation (``chain``), numbered gap-free by ``chain_seq``: workstations
    append without waiting for each other, and each chain still breaks visibly if a row is
    changed, removed or inserted. ``id`` gives the global order.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id"),
        UniqueConstraint("chain", "chain_seq"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(32))
    officer_id: Mapped[int | None] = mapped_column(Integer)
    workstation: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    entity_type: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(32), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """Each chain's tip; its row lock serialises appends within one chain only."""

    __tablename__ = "audit_head"
    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
