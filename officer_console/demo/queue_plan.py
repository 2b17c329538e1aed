"""The demo detachment's queue, planned in memory before anything is written.

Urgent bookings are built backwards from a due date and re-checked with the domain rules the
booking path uses; with ``now`` the day's queue surrounds that moment (``detachment``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from officer_console.demo import data as demo_data
from officer_console.demo.data import District, Draws
from officer_console.domain.appointment import Status
from officer_console.domain.booking import SlotTemplate, check_booking_date, generate_slots
from officer_console.domain.catalogue import CatalogueEntry
from officer_console.domain.dates import inspection_due_date, month_end, urgent_reason
from officer_console.domain.errors import RuleViolation
from officer_console.store.appointments.queue import STATUS_LABELS

REGION = "370100"  # 济南市: the catalogue region of every demo violation
WINDOWS = ((time(9, 0), time(12, 0)), (time(13, 30), time(17, 30)))  # local, Mon–Sun
AROUND_THE_CLOCK = ((time(0, 0), time(23, 59)),)  # demo seeded with ``now``
PAST, AHEAD = timedelta(hours=3), timedelta(hours=4)  # today's queue around ``now``
SLOT_MINUTES, CAPACITY = 30, 2
# Row version after the transitions that lead to each status (domain/appointment.py).
_VERSIONS = dict(zip(STATUS_LABELS, (1, 2, 3, 4, 5, 6, 2, 4, 5), strict=True))
_WITH_OFFICER = (
    "claimed",
    "contacting",
    "in_call",
    "in_procedure",
    "completed",
    "no_show",
    "handed_over",
)
_WORKING = ("in_procedure", "in_call", "contacting")  # one per officer at a time
_NOTES = {
    "cancelled": "群众通过小程序取消预约",
    "no_show": "三次呼叫未接通，群众未到场",
    "handed_over": "当事人有异议，转窗口办理",
}


@dataclass(frozen=True)
class _Dates:
    booked: date  # the day the citizen booked
    first_issue: date
    registration: date
    inspection: date
    reason: str | None
    due: date | None


@dataclass
class Ctx:
    rng: random.Random
    today: date
    tz: ZoneInfo
    entries: list[CatalogueEntry]
    draws: Draws = field(default_factory=Draws)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    serial: int = 0
    now: datetime | None = None  # UTC; the queue is built around it when given

    def at(self, day: date, first_hour: int, last_hour: int) -> datetime:
        """A random local time on ``day`` in ``[first_hour, last_hour)``, as UTC."""
        minutes = self.rng.randrange(first_hour * 60, last_hour * 60)
        local = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=self.tz)
        return local.astimezone(UTC)


def templates(around_the_clock: bool = False) -> list[SlotTemplate]:
    windows = AROUND_THE_CLOCK if around_the_clock else WINDOWS
    return [SlotTemplate(wd, a, b, SLOT_MINUTES, CAPACITY) for wd in range(7) for a, b in windows]


def _statuses_around(slots: list[Any], now: datetime, rng: random.Random) -> list[str]:
    """Ended slots: done, the last two still claimed/waiting (overdue); then three being
    worked (they start around now); later ones claimed or waiting (upcoming, due)."""
    ended = sum(slot.end <= now for slot in slots)
    finished = ["no_show", "cancelled"] + ["completed"] * max(0, ended - 4)
    rng.shuffle(finished)
    past = [*finished, "claimed", "waiting"][-ended:] if ended else []
    rest = len(slots) - ended - 3
    claimed = max(1, rest // 3)
    return [*past, *_WORKING, *["claimed"] * claimed, *["waiting"] * (rest - claimed)]


def _places_around(ctx: Ctx, count: int) -> list[Any]:
    """``count`` slot places from ``now - PAST`` to ``now + AHEAD`` (maybe across midnight),
    at least a third of them already ended."""
    assert ctx.now is not None
    now, rng, tz = ctx.now, ctx.rng, str(ctx.tz)
    days = [ctx.today + timedelta(days=d) for d in (-1, 0, 1)]
    places = [
        s
        for day in days
        for s in generate_slots(day, templates(True), tz)
        for _ in range(s.capacity)
        if now - PAST <= s.start < now + AHEAD
    ]
    ended = [i for i, s in enumerate(places) if s.end <= now]
    later = [i for i, s in enumerate(places) if s.end > now]
    n_past = min(len(ended), max(3, count // 3))
    # Ended slots of today first: the queue's default view starts at today (local), so just
    # after midnight yesterday's overdue slots would not show.
    on_today = [i for i in ended if places[i].start.astimezone(ctx.tz).date() == ctx.today]
    earlier = [i for i in ended if i not in on_today]
    past = rng.sample(on_today, min(n_past, len(on_today)))
    past += rng.sample(earlier, n_past - len(past))
    running = later[:CAPACITY]  # the slot under way now: its places are being worked
    rest = later[CAPACITY:]
    chosen = past + running + rng.sample(rest, count - n_past - len(running))
    return [places[i] for i in sorted(chosen)]


def _today_statuses(n: int, rng: random.Random) -> list[str]:
    """By slot time: the earliest are finished, three are being worked, the latest wait."""
    done = max(4, round(n * 0.35))
    finished = ["no_show", "cancelled", "handed_over"] + ["completed"] * (done - 3)
    rng.shuffle(finished)
    claimed = max(1, (n - done - 3) // 3)
    return [*finished, *_WORKING, *["claimed"] * claimed, *["waiting"] * (n - done - 3 - claimed)]


def _dates(ctx: Ctx, slot_day: date, urgent: bool, vehicle_class: str) -> _Dates:
    """Booking day, licence first issue and vehicle dates consistent with the booking rules.

    Normal bookings were made the day before the slot. Urgent ones up to three days before,
    for a citizen whose cycle end (or inspection month end) lies between the slot and the
    booking day + 3; ``urgent_reason`` then computes reason and due date from the stored
    dates, and ``check_booking_date`` must accept the booking.
    """
    rng, today = ctx.rng, ctx.today
    for _ in range(200):
        first_issue = today - timedelta(days=rng.randint(60, 30 * 365))
        registration = today - timedelta(days=rng.randint(120, 14 * 365))
        booked = slot_day - timedelta(days=1)
        if urgent:
            earliest = max(slot_day, today) - timedelta(days=3)
            booked = min(booked, today - timedelta(days=rng.randint(0, (today - earliest).days)))
            window = [slot_day + timedelta(days=i) for i in range((booked - slot_day).days + 4)]
            month_ends = [d for d in window if d == month_end(d.year, d.month)]
            if month_ends and rng.random() < 0.5:
                due = rng.choice(month_ends)
                registration = demo_data.registration_for_due(rng, due, vehicle_class)
            else:
                first_issue = demo_data.first_issue_for_cycle_end(rng, rng.choice(window))
        inspection = inspection_due_date(registration, today, vehicle_class=vehicle_class)
        eligibility = urgent_reason(
            booked,
            licence_first_issue=first_issue,
            vehicle_registration=registration,
            inspection_valid_until=inspection,
            vehicle_class=vehicle_class,
        )
        try:
            check_booking_date(slot_day, booked, urgent=urgent, eligibility=eligibility)
        except RuleViolation:
            continue  # e.g. the vehicle falls due before the slot: draw again
        found = (eligibility.reason, eligibility.due_date) if urgent else (None, None)
        return _Dates(booked, first_issue, registration, inspection, *found)
    raise AssertionError("no consistent demo dates found")


def _violations(ctx: Ctx, booked: date, budget: int, count: int) -> list[dict[str, Any]]:
    """Unhandled records from the last 90 days before ``booked``, at catalogue fine and points;
    their points stay within ``budget`` so that no demo driver reaches 12."""
    rng, rows = ctx.rng, []
    for _ in range(count):
        day = ctx.today - timedelta(days=rng.randint((ctx.today - booked).days + 1, 90))
        pool = [e for e in ctx.entries if e.points <= budget and e.effective_on(day)]
        entry = rng.choices(pool, [demo_data.CODE_WEIGHTS.get(e.code, 2) for e in pool])[0]
        budget -= entry.points
        ctx.serial += 1
        ref = f"DEMO-{entry.region}-{day:%Y%m%d}-{ctx.serial:06d}"  # local day of the offence
        rows.append(demo_data.violation_row(rng, entry, ctx.at(day, 7, 22), ref))
    return rows


def _booking(ctx: Ctx, district: District, day: date, urgent: bool, points: int | None) -> None:
    """One citizen with licence and vehicle, their violations, and a booking for ``day``."""
    rng = ctx.rng
    classes = demo_data.LICENCE_CLASSES
    licence_class = rng.choices(list(classes), [share for share, _ in classes.values()])[0]
    kind = rng.choice(demo_data.VEHICLE_KINDS[licence_class])
    d = _dates(ctx, day, urgent, kind[1])
    if points is None:
        points = rng.choices(range(9), (30, 12, 10, 12, 8, 6, 8, 4, 3))[0]
    created = ctx.at(d.booked, 7, 8) if d.booked == ctx.today else ctx.at(d.booked, 8, 22)
    if ctx.now is not None and created > ctx.now:  # booked earlier today, before "now"
        midnight = datetime.combine(d.booked, time(0), tzinfo=ctx.tz).astimezone(UTC)
        created = midnight + (ctx.now - midnight) * rng.uniform(0.1, 0.9)
        created = created.replace(microsecond=0)
    citizen, licence = demo_data.citizen_and_licence(
        rng,
        ctx.draws,
        district,
        licence_class=licence_class,
        first_issue=d.first_issue,
        cycle_points=points,
        today=ctx.today,
        bound_at=created,
    )
    vehicle = demo_data.vehicle(
        rng, ctx.draws, kind, registration=d.registration, inspection_valid_until=d.inspection
    )
    linked = rng.choice((1, 1, 1, 2, 2, 3))
    extra = int(rng.random() < 0.15)  # one more unhandled record the citizen did not book
    ctx.bookings.append(
        {
            "citizen": citizen,
            "licence": licence,
            "vehicle": vehicle,
            "linked": linked,
            "violations": _violations(ctx, d.booked, 11 - points, linked + extra),
            "appointment": {
                "urgent": urgent,
                "urgent_reason": d.reason,
                "urgent_due_date": d.due,
                "created_at": created,
            },
        }
    )


def plan_queue(
    ctx: Ctx, district: District, *, squad_id: int, officers: list[int], per_day: int, seq: int
) -> None:
    """Today and the next three days; only urgent bookings reach beyond tomorrow."""
    rng, tz, now = ctx.rng, str(ctx.tz), ctx.now
    for offset, count in enumerate((per_day, per_day, max(2, per_day // 3), max(1, per_day // 4))):
        day = ctx.today + timedelta(days=offset)
        if now is not None and offset == 0:
            slots = _places_around(ctx, count)
            statuses = _statuses_around(slots, now, rng)
        else:
            places = [
                s
                for s in generate_slots(day, templates(now is not None), tz)
                for _ in range(s.capacity)
                if now is None or s.start >= now + AHEAD  # not the places of today's queue
            ]
            slots = [places[i] for i in sorted(rng.sample(range(len(places)), count))]
            statuses = (
                _today_statuses(count, rng)
                if offset == 0
                else rng.choices(("waiting", "claimed", "cancelled"), (7, 2, 1), k=count)
            )
        for i, (slot, status) in enumerate(zip(slots, statuses, strict=True)):
            points = {(0, 1): 9, (1, 2): 10}.get((offset, i))  # a couple near the 12 limit
            slot_day = slot.start.astimezone(ctx.tz).date()
            urgent = offset >= 2 or rng.random() < 0.15
            _booking(ctx, district, slot_day, urgent=urgent, points=points)
            officer = (
                officers[_WORKING.index(status)]
                if status in _WORKING
                else rng.choice(officers)
                if status in _WITH_OFFICER
                else None
            )
            claimed_at = None
            appointment = ctx.bookings[-1]["appointment"]
            if officer is not None:
                claimed_at = (
                    slot.start - timedelta(minutes=rng.randint(10, 40))
                    if offset == 0
                    else ctx.at(ctx.today, 8, 9) + timedelta(minutes=30)
                )
                if now is not None:  # claimed before now, after the booking
                    claimed_at = min(claimed_at, now - timedelta(minutes=rng.randint(15, 40)))
                    claimed_at = max(claimed_at, appointment["created_at"] + timedelta(minutes=1))
            appointment.update(
                squad_id=squad_id,
                slot_start=slot.start,
                slot_end=slot.end,
                status=status,
                officer_id=officer,
                claimed_at=claimed_at,
                version=_VERSIONS[status],
                changed_seq=seq,
                note=_NOTES.get(status, ""),
                updated_at=max(appointment["created_at"], claimed_at or appointment["created_at"]),
            )


def hearing_threshold_booking(ctx: Ctx) -> None:
    """One claimed booking becomes a 2000-yuan speeding case (code 1721), so the demo can show
    the hearing right (听证) being waived. Its record keeps time, place and key; no random
    draw is taken, so the rest of the demo stays as seeded."""
    entry = next((e for e in ctx.entries if e.code == "1721" and e.effective_on(ctx.today)), None)
    for booking in ctx.bookings:
        appt, rows = booking["appointment"], booking["violations"]
        fits = booking["licence"]["cycle_points"] + (entry.points if entry else 0) < 12
        if entry is None or appt["status"] != Status.CLAIMED or len(rows) != 1 or not fits:
            continue
        old = rows[0]
        rows[0] = {**old, "code": entry.code, "fine": entry.fine_default, "points": entry.points}
        return
