"""Capacity under concurrency: many clients, two gateway instances, one slot's last seats.

Both instances have their own engine (like two processes behind a proxy); clients are
threads with their own HTTP connections. On PostgreSQL this exercises the advisory slot
lock, on SQLite the ``BEGIN IMMEDIATE`` serialisation.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.db.models import Appointment, AppointmentViolation
from tests.gateway.world import (
    TODAY,
    booking_body,
    build_world,
    live_gateway,
    settings_for,
    slot_iso,
)

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)

CAPACITY, PREBOOKED, CLIENTS = 5, 2, 14
RACERS = 8


def test_parallel_clients_never_overbook(
    factory: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    world = build_world(factory, capacity=CAPACITY, plates=PREBOOKED + CLIENTS)
    start = slot_iso(TODAY + timedelta(days=1), 10, 30)
    settings = settings_for(tmp_path)
    second_engine = make_engine(db_url, pool_size=8)
    try:
        with (
            live_gateway(factory, settings, workers=8) as url_a,
            live_gateway(session_factory(second_engine), settings, workers=8) as url_b,
        ):
            for n in range(PREBOOKED):
                r = requests.post(
                    f"{url_a}/api/v1/bookings", json=booking_body(world, n, n, start), timeout=30
                )
                assert r.status_code == 201, r.text
            barrier = threading.Barrier(CLIENTS)
            results: list[tuple[int, str]] = []
            lock = threading.Lock()

            def client(n: int) -> None:
                body = booking_body(world, PREBOOKED + n, PREBOOKED + n, start)
                base = url_a if n % 2 else url_b
                with requests.Session() as http:
                    http.get(f"{base}/api/v1/health", timeout=30)  # connect before the race
                    barrier.wait(30)
                    r = http.post(f"{base}/api/v1/bookings", json=body, timeout=60)
                code = r.json()["error"]["code"] if r.status_code != 201 else "ok"
                with lock:
                    results.append((r.status_code, code))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
    finally:
        second_engine.dispose()
    outcomes = Counter(results)
    assert outcomes[(201, "ok")] == CAPACITY - PREBOOKED, outcomes
    assert outcomes[(409, "slot_full")] == CLIENTS - (CAPACITY - PREBOOKED), outcomes
    with factory() as s:
        booked = s.scalar(select(func.count()).select_from(Appointment))
    assert booked == CAPACITY


def test_one_violation_is_booked_once_under_a_race(
    factory: sessionmaker[Session], db_url: str, tmp_path: Path
) -> None:
    """Eight citizens, eight different slots, the same violation id, two instances: one wins."""
    world = build_world(factory, capacity=2, plates=1)
    plate = next(iter(world.violations))
    violation = world.violations[plate][0]
    starts = [slot_iso(TODAY + timedelta(days=1), 9 + n // 2, 30 * (n % 2)) for n in range(6)]
    settings = settings_for(tmp_path)
    second_engine = make_engine(db_url, pool_size=8)
    results: list[tuple[int, str]] = []
    try:
        with (
            live_gateway(factory, settings, workers=8) as url_a,
            live_gateway(session_factory(second_engine), settings, workers=8) as url_b,
        ):
            barrier = threading.Barrier(RACERS)
            lock = threading.Lock()

            def client(n: int) -> None:
                body = booking_body(world, 100 + n, 0, starts[n % len(starts)])
                body["violation_ids"] = [violation]
                base = url_a if n % 2 else url_b
                with requests.Session() as http:
                    http.get(f"{base}/api/v1/health", timeout=30)
                    barrier.wait(30)
                    r = http.post(f"{base}/api/v1/bookings", json=body, timeout=60)
                code = r.json()["error"]["code"] if r.status_code != 201 else "ok"
                with lock:
                    results.append((r.status_code, code))

            threads = [threading.Thread(target=client, args=(n,)) for n in range(RACERS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
    finally:
        second_engine.dispose()
    outcomes = Counter(results)
    assert outcomes == {(201, "ok"): 1, (409, "violation_booked"): RACERS - 1}, outcomes
    with factory() as s:
        named = s.scalar(
            select(func.count())
            .select_from(AppointmentViolation)
            .where(AppointmentViolation.violation_id == violation)
        )
    assert named == 1
