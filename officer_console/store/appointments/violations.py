"""The violations an appointment was booked for: the one query the case file
(:mod:`.casefile`) and the procedure's case view (:mod:`.procedure.view`) both read."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.store.db.models import AppointmentViolation, ViolationRecord

__all__ = ["appointment_violations"]


def appointment_violations(session: Session, appointment_id: int) -> Sequence[ViolationRecord]:
    """The appointment's violation records, oldest first (ties by id: a stable order)."""
    return session.scalars(
        select(ViolationRecord)
        .join(AppointmentViolation, AppointmentViolation.violation_id == ViolationRecord.id)
        .where(AppointmentViolation.appointment_id == appointment_id)
        .order_by(ViolationRecord.occurred_at, ViolationRecord.id)
    ).all()
