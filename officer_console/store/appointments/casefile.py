"""The case file behind the case panel: one appointment with its citizen, licence, vehicle,
violations and history — personal data masked — plus the audited reveal of the full data.

Denials are audited. The audit row lives in the caller's transaction, so a caller must commit
even when ``PermissionDenied`` is raised (the GUI does that through ``run_keeping_denials``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.dates import inspection_due_date, scoring_cycle_end
from officer_console.domain.errors import DomainError, NotFoundError, PermissionDenied
from officer_console.domain.events import CITIZEN, OUTCOME_LABELS, event_label
from officer_console.domain.masking import mask_id_number, mask_name, mask_phone
from officer_console.store.appointments.violations import appointment_violations
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    CatalogueEntry,
    Citizen,
    Licence,
    Officer,
    Squad,
    Vehicle,
)
from officer_console.store.db.types import utcnow

URGENT_REASONS = {"scoring_cycle": "清分", "inspection": "年审"}
# Roles that see every squad's appointments (read-only, masked).
ALL_SQUAD_ROLES = ("admin", "auditor")


@dataclass(frozen=True)
class CitizenPart:
    name_masked: str
    phone_masked: str
    id_masked: str


@dataclass(frozen=True)
class LicencePart:
    licence_class: str
    first_issue_date: date
    cycle_points: int
    cycle_end: date | None
    issuing_authority: str


@dataclass(frozen=True)
class VehiclePart:
    plate: str
    vehicle_type: str
    registration_date: date
    inspection_due: date | None


@dataclass(frozen=True)
class ViolationPart:
    occurred_at: datetime
    location: str
    code: str
    behaviour: str  # catalogue text; "" when the catalogue has no entry for that date
    fine: int
    points: int


@dataclass(frozen=True)
class AppointmentPart:
    id: int
    version: int
    squad_id: int
    squad_name: str
    slot_start: datetime
    slot_end: datetime
    status: str
    urgent: bool
    urgent_reason: str  # 清分 / 年审 / ""
    urgent_due_date: date | None
    officer_id: int | None
    officer_name: str
    note: str

    @property
    def status_label(self) -> str:
        return rules.label(self.status)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    action: str  # Chinese label
    actor: str
    outcome: str  # Chinese label
    detail: str


@dataclass(frozen=True)
class CaseFile:
    appointment: AppointmentPart
    citizen: CitizenPart
    licence: LicencePart | None
    vehicle: VehiclePart | None
    violations: tuple[ViolationPart, ...]
    history: tuple[HistoryEntry, ...]
    can_reveal: bool  # the viewer is the assigned officer

    @property
    def fine_total(self) -> int:
        return sum(v.fine for v in self.violations)

    @property
    def points_total(self) -> int:
        return sum(v.points for v in self.violations)


@dataclass(frozen=True)
class RevealedCitizen:
    name: str
    phone: str
    id_number: str

    def __repr__(self) -> str:  # keep full values out of logs and tracebacks
        return "RevealedCitizen(<hidden>)"


def _appointment(session: Session, appointment_id: int) -> Appointment:
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在或已被删除")
    return appt


def _actor_for(session: Session, officer_id: int, actor: Actor | None) -> Actor:
    if actor is not None:
        return actor
    officer = session.get(Officer, officer_id)
    return Actor(officer.police_number if officer else "?", officer_id, "console")


def _safe(fn: Callable[..., date], *args: Any, **kwargs: Any) -> date | None:
    """A date rule that refuses odd data (future dates, unknown class) yields no date."""
    try:
        return fn(*args, **kwargs)
    except DomainError:
        return None


def _violations(session: Session, appt: Appointment, tz: ZoneInfo) -> tuple[ViolationPart, ...]:
    records = appointment_violations(session, appt.id)
    parts = []
    for v in records:
        on = v.occurred_at.astimezone(tz).date()
        behaviour = session.scalar(
            select(CatalogueEntry.behaviour)
            .where(
                CatalogueEntry.region == v.region,
                CatalogueEntry.code == v.code,
                CatalogueEntry.effective_from <= on,
                or_(CatalogueEntry.effective_to.is_(None), CatalogueEntry.effective_to > on),
            )
            .order_by(CatalogueEntry.effective_from.desc())
            .limit(1)
        )
        parts.append(
            ViolationPart(v.occurred_at, v.location, v.code, behaviour or "", v.fine, v.points)
        )
    return tuple(parts)


def _detail_text(action: str, detail: dict[str, object], names: dict[int, str]) -> str:
    """One plain Chinese line per event: status moves, reasons, attempts; never raw names."""
    reason = str(detail.get("reason") or "")
    if action == "appointment.reassign":
        to_officer = detail.get("to_officer")
        target = names.get(int(to_officer), "") if isinstance(to_officer, int) else "其他大队"
        return f"改派给 {target}：{reason}"
    if action == "appointment.no_show":
        return f"已联系 {detail.get('dispatches', 0)} 次，拨打电话 {detail.get('calls', 0)} 次"
    if action.startswith("appointment.") and "to" in detail:
        src, dst = rules.label(str(detail.get("from", ""))), rules.label(str(detail.get("to")))
        move = f"{src} → {dst}" if src != dst else dst
        return move + (f"（{reason}）" if reason else "")
    if reason and action.startswith("appointment."):
        return reason
    return ""


def _system_actor(name: str) -> str:
    """Events without an officer: the citizen's own (gateway) or the console's system jobs."""
    return CITIZEN if name in ("citizen", "gateway", "miniprogram") else "系统"


def _history(session: Session, appt: Appointment) -> tuple[HistoryEntry, ...]:
    events = audit.events_for(session, "appointment", appt.id)
    ids = {e.officer_id for e in events if e.officer_id is not None}
    for e in events:
        target = e.detail.get("to_officer") if isinstance(e.detail, dict) else None
        if isinstance(target, int):
            ids.add(target)
    names = {
        int(i): f"{n}（{p}）"
        for i, n, p in session.execute(
            select(Officer.id, Officer.name, Officer.police_number).where(Officer.id.in_(ids))
        )
    }
    entries = [HistoryEntry(appt.created_at, event_label("appointment.book"), CITIZEN, "成功", "")]
    entries.extend(
        HistoryEntry(
            at=e.at,
            action=event_label(e.action),
            actor=names.get(e.officer_id, e.actor) if e.officer_id else _system_actor(e.actor),
            outcome=OUTCOME_LABELS.get(e.outcome, e.outcome),
            detail=_detail_text(e.action, e.detail or {}, names),
        )
        for e in events
    )
    return tuple(entries)


def load_case_file(
    session: Session,
    appointment_id: int,
    viewer_officer_id: int,
    viewer_role: str,
    viewer_squad_id: int | None,
    *,
    actor: Actor | None = None,
    today: date | None = None,
) -> CaseFile:
    """The masked case file; officers and shift leads see their own squad's appointments only."""
    appt = _appointment(session, appointment_id)
    if viewer_role not in ALL_SQUAD_ROLES and appt.squad_id != viewer_squad_id:
        audit.record(
            session,
            _actor_for(session, viewer_officer_id, actor),
            "case.open",
            entity_type="appointment",
            entity_id=appointment_id,
            outcome="denied",
            detail={"reason": "other_squad"},
        )
        raise PermissionDenied("只能查看本大队的预约")
    squad = session.get(Squad, appt.squad_id)
    tz = ZoneInfo(squad.timezone if squad else "Asia/Shanghai")
    day = today or utcnow().astimezone(tz).date()
    citizen = session.get(Citizen, appt.citizen_id)
    assert citizen is not None  # foreign key
    licence = session.scalar(select(Licence).where(Licence.citizen_id == citizen.id))
    vehicle = session.get(Vehicle, appt.vehicle_id) if appt.vehicle_id else None
    officer = session.get(Officer, appt.officer_id) if appt.officer_id else None
    return CaseFile(
        appointment=AppointmentPart(
            id=appt.id,
            version=appt.version,
            squad_id=appt.squad_id,
            squad_name=squad.name if squad else "",
            slot_start=appt.slot_start,
            slot_end=appt.slot_end,
            status=appt.status,
            urgent=appt.urgent,
            urgent_reason=URGENT_REASONS.get(appt.urgent_reason or "", appt.urgent_reason or ""),
            urgent_due_date=appt.urgent_due_date,
            officer_id=appt.officer_id,
            officer_name=f"{officer.name}（{officer.police_number}）" if officer else "",
            note=appt.note,
        ),
        citizen=CitizenPart(
            mask_name(citizen.name), mask_phone(citizen.phone), mask_id_number(citizen.id_number)
        ),
        licence=None
        if licence is None
        else LicencePart(
            licence.licence_class,
            licence.first_issue_date,
            licence.cycle_points,
            _safe(scoring_cycle_end, licence.first_issue_date, day),
            licence.issuing_authority,
        ),
        vehicle=None
        if vehicle is None
        else VehiclePart(
            vehicle.plate,
            vehicle.vehicle_type,
            vehicle.registration_date,
            _safe(
                inspection_due_date,
                vehicle.registration_date,
                day,
                vehicle_class=vehicle.vehicle_class,
                inspection_valid_until=vehicle.inspection_valid_until,
            ),
        ),
        violations=_violations(session, appt, tz),
        history=_history(session, appt),
        can_reveal=appt.officer_id is not None and appt.officer_id == viewer_officer_id,
    )


def reveal_citizen(session: Session, actor: Actor, appointment_id: int) -> RevealedCitizen:
    """Full name, phone and ID for the assigned officer only; audited either way."""
    appt = _appointment(session, appointment_id)
    if actor.officer_id is None or appt.officer_id != actor.officer_id:
        audit.record(
            session,
            actor,
            "citizen.reveal",
            entity_type="appointment",
            entity_id=appointment_id,
            outcome="denied",
            detail={"reason": "not_assigned"},
        )
        raise PermissionDenied("只有认领该预约的民警可以查看当事人完整信息")
    citizen = session.get(Citizen, appt.citizen_id)
    assert citizen is not None  # foreign key
    audit.record(
        session,
        actor,
        "citizen.reveal",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={"citizen_id": citizen.id, "fields": ["name", "phone", "id_number"]},
    )
    return RevealedCitizen(citizen.name, citizen.phone or "", citizen.id_number)
