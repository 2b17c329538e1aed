"""Issue 3 figures: queue page query time on 100,000 appointments (10 squads), both backends.

Each query runs in a read-only session like the GUI's op runner; 50-row pages. "keyset" is
what the queue model uses (queue_pages.list_page); "offset" is queue.list_queue, for contrast.
Target: ≤ 20 ms per page. PostgreSQL runs with fsync on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from _common import databases, median, pct
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from officer_console.store.appointments import queue, queue_pages
from officer_console.store.appointments.queue import QueueFilter
from officer_console.store.db.engine import make_engine, read_session, session_factory, transaction
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    ViolationRecord,
)
from tests.support import builders

APPOINTMENTS, SQUADS, PAGE, RUNS = 100_000, 10, 50, 40
TZ = "Asia/Shanghai"


def seed(url: str, total: int = APPOINTMENTS, squads: int = SQUADS) -> tuple[list[int], int]:
    """Squads with one officer each, ``total`` appointments spread over ±35 days, a violation
    each; statuses like a live detachment (past slots mostly finished). Returns squad and
    officer ids of squad 0."""
    engine = make_engine(url)
    factory = session_factory(engine)
    per = total // squads
    rng = random.Random(7)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    squad_ids: list[int] = []
    officer_id = 0
    for q in range(squads):
        with transaction(factory) as s:
            squad = builders.squad(s, f"3701{q:02d}", f"第{q + 1}大队")
            officer = builders.officer(s, squad, f"3701{q:02d}001", name=f"民警{q}")
            squad_ids.append(squad.id)
            officer_id = officer_id or officer.id
            # 10 minutes apart → per squad ≈ 70 days; start 35 days ago.
            for chunk in range(0, per, 5000):
                n = min(5000, per - chunk)
                first = q * per + chunk
                ids = builders.appointments(
                    s,
                    squad,
                    n,
                    start=now - timedelta(days=35) + timedelta(minutes=10 * chunk),
                    first_citizen=first,
                )
                vids = dict(
                    s.execute(
                        select(Appointment.id, Appointment.vehicle_id).where(
                            Appointment.id.in_(ids)
                        )
                    ).all()
                )
                records = [
                    {
                        "vehicle_id": vids[a],
                        "region": "370100",
                        "code": "1344",
                        "occurred_at": now - timedelta(days=60),
                        "location": "经十路",
                        "fine": 200,
                        "points": 1,
                        "source_ref": f"b{a}",
                    }
                    for a in ids
                ]
                rids = list(
                    s.scalars(
                        insert(ViolationRecord).returning(
                            ViolationRecord.id, sort_by_parameter_order=True
                        ),
                        records,
                    )
                )
                s.execute(
                    insert(AppointmentViolation),
                    [
                        {"appointment_id": a, "violation_id": r}
                        for a, r in zip(ids, rids, strict=True)
                    ],
                )
            # Past slots finished or cancelled, today's mixed, future mostly waiting.
            s.execute(
                update(Appointment)
                .where(
                    Appointment.squad_id == squad.id,
                    Appointment.slot_start < now - timedelta(hours=2),
                )
                .values(status="completed", officer_id=officer.id, version=6)
            )
            for status, share in (("claimed", 0.15), ("cancelled", 0.05)):
                future = s.scalars(
                    select(Appointment.id).where(
                        Appointment.squad_id == squad.id, Appointment.status == "waiting"
                    )
                ).all()
                picked = rng.sample(list(future), int(len(future) * share))
                s.execute(
                    update(Appointment)
                    .where(Appointment.id.in_(picked))
                    .values(status=status, officer_id=officer.id if status == "claimed" else None)
                )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return squad_ids, officer_id


def timed(factory: Any, fn: Callable[[Session], object], runs: int = RUNS) -> list[float]:
    out = []
    with read_session(factory) as s:
        fn(s)  # warm the statement cache
        for _ in range(runs):
            t0 = time.perf_counter()
            fn(s)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(label: str, url: str) -> None:
    t0 = time.perf_counter()
    squad_ids, _ = seed(url)
    seeded = time.perf_counter() - t0
    engine = make_engine(url)
    factory = session_factory(engine)
    squad = squad_ids[0]
    today = datetime.now(ZoneInfo(TZ)).date()
    upcoming = QueueFilter(from_day=today)
    waiting = QueueFilter(from_day=today, statuses=("waiting",))
    claimed = QueueFilter(from_day=today, statuses=("claimed",))
    with read_session(factory) as s:
        rows = queue_pages.list_page(s, squad, upcoming, limit=5000, tz=TZ)
        deep_key = queue_pages.sort_key(rows[-1])
        plate = rows[1234].plate[-5:]
        some_ids = [r.id for r in rows[:20]]
    by_plate = QueueFilter(plate=plate)

    def page(
        flt: QueueFilter, after: queue_pages.SortKey | None = None
    ) -> Callable[[Session], object]:
        return lambda s: queue_pages.list_page(s, squad, flt, after=after, limit=PAGE, tz=TZ)

    cases: list[tuple[str, Callable[[Session], object]]] = [
        ("first page (today+upcoming)", page(upcoming)),
        ("deep page, keyset (row 5,000)", page(upcoming, deep_key)),
        (
            "deep page, OFFSET 5,000",
            lambda s: queue.list_queue(s, squad, upcoming, offset=5000, limit=PAGE, tz=TZ),
        ),
        ("status = waiting", page(waiting)),
        ("status = claimed", page(claimed)),
        (f"plate contains {plate}", page(by_plate)),
        ("count (today+upcoming)", lambda s: queue.count_queue(s, squad, upcoming, tz=TZ)),
        ("get_rows(20 ids) live refresh", lambda s: queue.get_rows(s, some_ids)),
    ]
    print(f"{label}: seeded {APPOINTMENTS:,} appointments in {SQUADS} squads in {seeded:.0f} s")
    for name, fn in cases:
        ms = timed(factory, fn)
        flag = "" if pct(ms, 95) <= 20 else "  > 20 ms"
        print(f"  {name:34s} median {median(ms):6.2f} ms  p95 {pct(ms, 95):6.2f} ms{flag}")
    engine.dispose()


def main() -> None:
    with databases() as urls:
        for label, url in urls:
            measure(label, url)


if __name__ == "__main__":
    main()
