"""Pictures and picks for the demo cases: which claimed appointments fit which scenario.

Read-only queries over the seeded detachment, kept apart from the case walk (``cases``).
"""

from __future__ import annotations

import io

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from officer_console.domain.appointment import Status
from officer_console.domain.leniency import pick_list
from officer_console.store.db.models import Appointment, AppointmentViolation, ViolationRecord
from officer_console.store.db.types import utcnow
from officer_console.store.procedure import leniency

__all__ = ["candidates", "lenient_appointments", "png"]


def png(kind: str) -> bytes:
    """A small PNG: an 'ID card' for the snapshot or a scribble for a signature."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 200) if kind == "id" else (300, 120), "white")
    draw = ImageDraw.Draw(image)
    if kind == "id":
        draw.rectangle((20, 20, 300, 180), outline=(40, 90, 160), width=4)
        draw.rectangle((220, 50, 285, 130), fill=(200, 200, 200))
    else:  # each document its own stroke: a signature is given for one document only
        dy = sum(kind.encode()) % 25
        pts = [(20, 80), (70, 30), (110, 90), (160, 35), (210, 85), (270, 40)]
        draw.line([(x, y + dy - 12) for x, y in pts], "black", 5)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def candidates(session: Session) -> list[tuple[int, int, int, int]]:
    """(appointment, officer, violation count, fine total) of claimed appointments."""
    rows = session.execute(
        select(
            Appointment.id,
            Appointment.officer_id,
            func.count(ViolationRecord.id),
            func.sum(ViolationRecord.fine),
        )
        .join(AppointmentViolation, AppointmentViolation.appointment_id == Appointment.id)
        .join(ViolationRecord, ViolationRecord.id == AppointmentViolation.violation_id)
        .where(Appointment.status == Status.CLAIMED, Appointment.officer_id.is_not(None))
        .group_by(Appointment.id, Appointment.officer_id)
        .order_by(Appointment.id)
    ).all()
    return [(int(a), int(o or 0), int(n), int(f or 0)) for a, o, n, f in rows]


def lenient_appointments(session: Session) -> set[int]:
    """Claimed appointments with a violation on the 首违警告 list in force (a candidate for
    a warning; whether it is a first violation the case start decides)."""
    rows = session.execute(
        select(Appointment.id, ViolationRecord.region, ViolationRecord.code)
        .join(AppointmentViolation, AppointmentViolation.appointment_id == Appointment.id)
        .join(ViolationRecord, ViolationRecord.id == AppointmentViolation.violation_id)
        .where(Appointment.status == Status.CLAIMED)
    ).all()
    lists, today = leniency.load_lists(), utcnow().date()
    found = set()
    for appointment_id, region, code in rows:
        lst = pick_list(lists, region, today)
        if lst is not None and code in lst.rules:
            found.add(int(appointment_id))
    return found
