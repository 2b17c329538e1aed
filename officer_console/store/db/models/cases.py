"""The procedure's record: cases and their steps, co-sign requests, decisions with their
gap-free numbers, and the electronic service (电子送达) of a decision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officer_console.store.db.models.base import Base
from officer_console.store.db.types import utcnow


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
    # Short random code printed in the QR link (/verify?n=…&c=…); not guessable (store/evidence/documents.py).
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
