"""Demo data for a Jinan detachment (济南市公安局交通警察支队): squads, schedules, accounts,
the violation catalogue, citizens with licences and vehicles, violations and a live queue.

Only an empty database is seeded, inside the caller's transaction. All demo accounts share
one password given by the caller (``officer-admin seed-demo --password``), hashed once.
Urgent bookings are built backwards from a due date and then re-checked with the domain
functions the booking path uses (``urgent_reason``, ``check_booking_date``), so the demo
never contradicts the rules. The same ``rng_seed`` and ``today`` give the same data.

Given ``now`` (the console's demo does), the squads work around the clock and today's queue
is built around that moment: slots that ended hours ago (done, or still waiting: overdue),
the ones running now (in call, in procedure), and upcoming ones — a demo at 23:00 looks like
one at 10:00. Every appointment's audit history matches its status (``demo_history``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from officer_console.demo import data as demo_data
from officer_console.demo import history as demo_history
from officer_console.demo import queue_plan
from officer_console.demo.data import DISTRICTS
from officer_console.domain.booking import generate_slots
from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.paths import resource
from officer_console.store.appointments.catalogue import (
    ImportReport,
    import_catalogue_file,
    list_entries,
    to_domain,
)
from officer_console.store.appointments.queue import STATUS_LABELS
from officer_console.store.db import audit, changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    Citizen,
    Licence,
    Officer,
    SlotSchedule,
    Squad,
    Vehicle,
    ViolationRecord,
)
from officer_console.store.people import accounts

__all__ = ["DemoAccount", "DemoSummary", "seed_demo"]


@dataclass(frozen=True)
class DemoAccount:
    police_number: str
    name: str
    role: str
    squad_name: str  # "" for the admin and the auditor

    @property
    def role_label(self) -> str:
        return accounts.ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class DemoSummary:
    today: date
    tz: str
    counts: dict[str, int]  # rows written per table
    statuses: dict[str, int]  # appointments per status
    urgent: int
    accounts: list[DemoAccount]
    catalogue: ImportReport

    def render(self) -> str:
        statuses = "，".join(f"{STATUS_LABELS[s]} {n}" for s, n in self.statuses.items())
        lines = [
            f"已写入济南支队演示数据（基准日 {self.today.isoformat()}，时区 {self.tz}）",
            "  " + "，".join(f"{table} {n}" for table, n in self.counts.items()),
            f"  预约状态：{statuses}；加急 {self.urgent}",
            "演示账号（密码均为 seed-demo 的 --password 值，默认值见 officer-admin seed-demo --help）：",
        ]
        lines.extend(
            f"  {a.police_number:<10} {a.name:<4} {a.role_label:<5} {a.squad_name}"
            for a in self.accounts
        )
        return "\n".join(lines)


def _insert_ids(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    stmt = insert(model).returning(model.id, sort_by_parameter_order=True)
    return [int(i) for i in session.scalars(stmt, rows)] if rows else []


def _write_bookings(session: Session, bookings: list[dict[str, Any]]) -> dict[str, int]:
    citizen_ids = _insert_ids(session, Citizen, [b["citizen"] for b in bookings])
    owners = list(zip(bookings, citizen_ids, strict=True))
    session.execute(insert(Licence), [{**b["licence"], "citizen_id": c} for b, c in owners])
    vehicle_ids = _insert_ids(
        session, Vehicle, [{**b["vehicle"], "owner_id": c} for b, c in owners]
    )
    violations = [
        {**v, "vehicle_id": vid}
        for b, vid in zip(bookings, vehicle_ids, strict=True)
        for v in b["violations"]
    ]
    violation_ids = iter(_insert_ids(session, ViolationRecord, violations))
    appointment_ids = _insert_ids(
        session,
        Appointment,
        [
            {**b["appointment"], "citizen_id": c, "vehicle_id": v}
            for b, c, v in zip(bookings, citizen_ids, vehicle_ids, strict=True)
        ],
    )
    links: list[dict[str, int]] = []
    for b, appointment_id in zip(bookings, appointment_ids, strict=True):
        b["appointment_id"] = appointment_id
        ids = [next(violation_ids) for _ in b["violations"]]  # linked first, then the extra
        links.extend(
            {"appointment_id": appointment_id, "violation_id": v} for v in ids[: b["linked"]]
        )
    session.execute(insert(AppointmentViolation), links)
    return {
        "citizens": len(citizen_ids),
        "licences": len(citizen_ids),
        "vehicles": len(vehicle_ids),
        "violation_records": len(violations),
        "appointments": len(appointment_ids),
        "appointment_violations": len(links),
    }


def _write_histories(
    session: Session,
    ctx: queue_plan.Ctx,
    officer_rows: list[dict[str, Any]],
    officer_ids: list[int],
    workstation: str,
) -> None:
    """Each appointment's audit history, then ``updated_at`` = its last event."""
    numbers = {i: str(r["police_number"]) for i, r in zip(officer_ids, officer_rows, strict=True)}
    horizon = ctx.now or datetime.combine(
        ctx.today + timedelta(days=1), time(0), tzinfo=ctx.tz
    ).astimezone(UTC)
    stamps = []
    for b in ctx.bookings:
        appt = b["appointment"]
        officer_id = appt["officer_id"]
        officer = (
            Actor(numbers[officer_id], officer_id, f"{workstation}-{officer_id}")
            if officer_id is not None
            else None
        )
        last = demo_history.write_history(
            session,
            ctx.rng,
            appt,
            b["appointment_id"],
            phone=str(b["citizen"]["phone"]),
            officer=officer,
            now=horizon,
        )
        stamps.append({"b_id": b["appointment_id"], "b_at": last})
    session.connection().execute(
        update(Appointment)
        .where(Appointment.id == bindparam("b_id"))
        .values(updated_at=bindparam("b_at")),
        stamps,
    )


def seed_demo(
    session: Session,
    *,
    today: date,
    password: str,
    tz: str = "Asia/Shanghai",
    rng_seed: int = 20261124,
    appointments_per_squad_day: int = 12,
    workstation: str = "demo-seed",
    now: datetime | None = None,
) -> DemoSummary:
    """Seed an empty database in the caller's transaction; every demo account gets ``password``.

    ``today`` is the squads' local calendar day the queue is built around (today + 3 days);
    with ``now`` (aware; its local day must be ``today``) the squads work around the clock
    and today's queue surrounds ``now`` (see the module docstring).
    Raises RuleViolation when the database already has squads or one of the demo police
    numbers, ValidationError for a weak password or an ``appointments_per_squad_day``
    outside 9 … one day's capacity (28).
    """
    if session.scalar(select(func.count()).select_from(Squad)):
        raise RuleViolation(
            "数据库中已有大队数据，演示数据只能写入空库；请换一个新数据库再试",
            code="demo_not_empty",
        )
    if now is not None and now.astimezone(ZoneInfo(tz)).date() != today:
        raise ValidationError("now", "演示数据的当前时间应在基准日内")
    day_capacity = sum(s.capacity for s in generate_slots(today, queue_plan.templates(), tz))
    if not len(STATUS_LABELS) <= appointments_per_squad_day <= day_capacity:
        raise ValidationError(
            "appointments_per_squad_day",
            f"每个大队每天的演示预约数应在{len(STATUS_LABELS)}至{day_capacity}之间",
        )
    per_day = appointments_per_squad_day
    rng = random.Random(rng_seed)
    plan = demo_data.account_plan(rng)
    numbers = [number for number, *_ in plan]
    taken = session.scalars(select(Officer.police_number).where(Officer.police_number.in_(numbers)))
    if clash := sorted(taken):
        raise RuleViolation(
            f"警号 {'、'.join(clash)} 已存在，不能写入演示账号", code="demo_not_empty"
        )
    for number in numbers:
        accounts.check_password_policy(password, police_number=number)
    password_hash = accounts.hash_password(password)  # once: argon2id is slow on purpose

    actor = Actor.system(workstation)
    report = import_catalogue_file(
        session, actor, resource("catalogue", f"violations_{queue_plan.REGION}.csv")
    )
    entries = [to_domain(r) for r in list_entries(session, queue_plan.REGION)]
    ctx = queue_plan.Ctx(
        rng, today, ZoneInfo(tz), entries, now=now.astimezone(UTC) if now else None
    )
    squad_ids = _insert_ids(session, Squad, [demo_data.squad_row(d, tz) for d in DISTRICTS])
    squad_of = dict(zip(DISTRICTS, squad_ids, strict=True))
    templates = queue_plan.templates(now is not None)
    schedules = [r for sid in squad_ids for r in demo_data.schedule_rows(sid, templates)]
    session.execute(insert(SlotSchedule), schedules)
    officer_rows = demo_data.officer_rows(plan, squad_of, password_hash)
    officer_ids = _insert_ids(session, Officer, officer_rows)

    seq = changes.bump(session, *squad_ids)  # once; every seeded appointment carries it
    for d in DISTRICTS:
        officers = [
            oid
            for oid, (_, _, role, od) in zip(officer_ids, plan, strict=True)
            if od == d and role == "officer"
        ]
        queue_plan.plan_queue(
            ctx, d, squad_id=squad_of[d], officers=officers, per_day=per_day, seq=seq
        )
    queue_plan.hearing_threshold_booking(ctx)
    written = _write_bookings(session, ctx.bookings)
    _write_histories(session, ctx, officer_rows, officer_ids, workstation)

    counts = {
        "squads": len(squad_ids),
        "slot_schedules": len(schedules),
        "officers": len(officer_ids),
        "catalogue_entries": len(ctx.entries),
        **written,
    }
    appointments = [b["appointment"] for b in ctx.bookings]
    statuses = {s: sum(a["status"] == s for a in appointments) for s in STATUS_LABELS}
    urgent = sum(bool(a["urgent"]) for a in appointments)
    audit.record(
        session,
        actor,
        "demo.seed",
        detail={
            **counts,
            "statuses": statuses,
            "urgent": urgent,
            "today": today.isoformat(),
            "rng_seed": rng_seed,
        },
    )
    return DemoSummary(
        today=today,
        tz=tz,
        counts=counts,
        statuses=statuses,
        urgent=urgent,
        accounts=[
            DemoAccount(n, name, role, d.squad_name if d else "") for n, name, role, d in plan
        ],
        catalogue=report,
    )
