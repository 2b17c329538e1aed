"""Queue GUI test helpers: sign a Services in without a password round, shape appointments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from officer_console.gui.common.services import Services
from officer_console.store.appointments import queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, Officer
from officer_console.store.people import accounts


def sign_in(services: Services, police_number: str) -> int:
    """Set ``services.officer`` directly (login itself is tested elsewhere); returns the id."""
    with services.factory() as s:
        officer = s.scalar(select(Officer).where(Officer.police_number == police_number))
        assert officer is not None
        services.officer = accounts.officer_info(s, officer)
        return officer.id


def officer_id(services: Services, police_number: str) -> int:
    with services.factory() as s:
        found = s.scalar(select(Officer.id).where(Officer.police_number == police_number))
        assert found is not None
        return int(found)


def set_fields(services: Services, appointment_id: int, **values: Any) -> None:
    """Change an appointment as another workstation would (stamped, so watchers see it)."""
    with transaction(services.factory) as s:
        s.execute(update(Appointment).where(Appointment.id == appointment_id).values(**values))
        queue._stamp(s, appointment_id, int(s.get(Appointment, appointment_id).squad_id))  # type: ignore[union-attr]


def claim_as(services: Services, police_number: str, appointment_id: int) -> None:
    with transaction(services.factory) as s:
        officer = s.scalar(select(Officer).where(Officer.police_number == police_number))
        assert officer is not None and officer.squad_id is not None
        actor = Actor(police_number, officer.id, "ws-other")
        queue.claim(s, actor, officer.squad_id, appointment_id)


def shift_slots(services: Services, appointment_id: int, delta: timedelta) -> None:
    with transaction(services.factory) as s:
        appt = s.get(Appointment, appointment_id)
        assert appt is not None
        appt.slot_start += delta
        appt.slot_end += delta


FULL_NAME, FULL_PHONE, FULL_ID = "欧阳娜娜", "13912345678", "11010519491231002X"


def add_case_details(services: Services, appointment_id: int) -> None:
    """Known citizen data, a licence, a catalogue entry and two linked violations."""
    from datetime import UTC, date, datetime

    from officer_console.store.db.models import (
        AppointmentViolation,
        CatalogueEntry,
        Citizen,
        Licence,
        ViolationRecord,
    )

    with transaction(services.factory) as s:
        appt = s.get(Appointment, appointment_id)
        assert appt is not None and appt.vehicle_id is not None
        citizen = s.get(Citizen, appt.citizen_id)
        assert citizen is not None
        citizen.name, citizen.phone, citizen.id_number = FULL_NAME, FULL_PHONE, FULL_ID
        appt.urgent, appt.urgent_reason, appt.urgent_due_date = (
            True,
            "inspection",
            date(2030, 5, 31),
        )
        s.add(
            Licence(
                citizen_id=citizen.id,
                licence_number=FULL_ID,
                file_number="370100654321",
                licence_class="C1",
                first_issue_date=date(2012, 8, 20),
                issuing_authority="济南市公安局交通警察支队车辆管理所",
                cycle_points=3,
            )
        )
        if s.scalar(select(CatalogueEntry.id).where(CatalogueEntry.code == "1344")) is None:
            s.add(
                CatalogueEntry(
                    region="370100",
                    code="1344",
                    behaviour="违反禁令标志指示的",
                    conduct_basis="DJF38",
                    penalty_basis="DJF90",
                    fine_min=100,
                    fine_max=200,
                    fine_default=200,
                    points=1,
                    effective_from=date(2022, 4, 1),
                )
            )
        for n, (code, location) in enumerate((("1344", "经十路与舜耕路路口"), ("1039", "泉城路"))):
            rec = ViolationRecord(
                vehicle_id=appt.vehicle_id,
                region="370100",
                code=code,
                occurred_at=datetime(2025, 3, 1 + n, 2, 15, tzinfo=UTC),
                location=location,
                fine=200 if code == "1344" else 100,
                points=1 if code == "1344" else 0,
                source_ref=f"case-{appointment_id}-{n}",
            )
            s.add(rec)
            s.flush()
            s.add(AppointmentViolation(appointment_id=appointment_id, violation_id=rec.id))
