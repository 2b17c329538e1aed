"""A small detachment for gateway tests: one squad with slots every day, plates with open
violations, a fixed clock, and a live gateway in a background thread for real clients."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings, load_settings
from officer_console.gateway.app import Running, create_app, start
from officer_console.gateway.ratelimit import Limits
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import SlotSchedule, Vehicle, ViolationRecord
from tests.support import builders

TZ = ZoneInfo("Asia/Shanghai")
# Monday 10 March 2025, 10:00 in Jinan: "tomorrow" is Tuesday the 11th.
NOW = datetime(2025, 3, 10, 10, 0, tzinfo=TZ).astimezone(UTC)
TODAY = date(2025, 3, 10)
PLATES = ["鲁A10001", "鲁A10002", "鲁A10003", "鲁A10004", "鲁A10005", "鲁A10006"]


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def slot_iso(day: date, hh: int, mm: int = 0) -> str:
    return local(day, hh, mm).isoformat()


class Clock:
    """Injectable, settable clock for the app."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, day: date, hh: int, mm: int = 0, ss: int = 0) -> None:
        self.now = datetime.combine(day, time(hh, mm, ss), tzinfo=TZ).astimezone(UTC)


@dataclass
class World:
    squad_id: int
    officer_id: int
    violations: dict[str, list[int]] = field(default_factory=dict)  # plate → ids


def citizen(n: int, openid: str | None = None, **over: Any) -> dict[str, Any]:
    """Booking body fields of test citizen ``n`` (valid ID, phone, name)."""
    return {
        "openid": openid or f"openid-{n:04d}",
        "name": "张三",
        "id_number": builders.id_number(500 + n),
        "phone": f"1390000{n:04d}",
        **over,
    }


def build_world(factory: sessionmaker[Session], *, capacity: int = 2, plates: int = 6) -> World:
    with transaction(factory) as s:
        squad = builders.squad(s)
        officer = builders.officer(s, squad, "370102001")
        s.execute(
            insert(SlotSchedule),
            [
                {
                    "squad_id": squad.id,
                    "weekday": wd,
                    "start_time": time(9, 0),
                    "end_time": time(12, 0),
                    "slot_minutes": 30,
                    "capacity": capacity,
                    "active": True,
                }
                for wd in range(7)
            ],
        )
        world = World(squad.id, officer.id)
        for i, plate in enumerate(extra_plates(plates)):
            vehicle = Vehicle(
                plate=plate, vehicle_type="小型普通客车", registration_date=date(2019, 3, 1)
            )
            s.add(vehicle)
            s.flush()
            ids = []
            for k in range(2):
                v = ViolationRecord(
                    vehicle_id=vehicle.id,
                    region="370100",
                    code="1625",
                    occurred_at=NOW - timedelta(days=20 + k),
                    location="经十路与舜耕路路口",
                    fine=200,
                    points=6,
                    source_ref=f"ref-{i}-{k}",
                )
                s.add(v)
                s.flush()
                ids.append(v.id)
            world.violations[plate] = ids
    return world


def extra_plates(n: int) -> list[str]:
    return PLATES[:n] if n <= len(PLATES) else [f"鲁B{i:05d}" for i in range(n)]


def booking_body(world: World, n: int, plate_index: int, start: str, **over: Any) -> dict[str, Any]:
    plate = list(world.violations)[plate_index]
    return {
        **citizen(n),
        "plate": plate,
        "violation_ids": world.violations[plate][:1],
        "squad_id": world.squad_id,
        "slot_start": start,
        **over,
    }


def settings_for(tmp: Path) -> Settings:
    return load_settings(env={}, data_dir=tmp / "data")


@contextmanager
def live_gateway(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    clock: Clock | None = None,
    limits: Limits | None = None,
    **options: Any,
) -> Iterator[str]:
    """Run a real gateway on 127.0.0.1 in a thread; yields its base URL."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    box: dict[str, Running] = {}

    async def boot() -> None:
        app = create_app(
            factory,
            settings,
            clock=clock or Clock(),
            demo=True,
            limits=limits or Limits.unlimited(),
            **options,
        )
        box["running"] = await start(app, "127.0.0.1", 0)
        started.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(boot())
        except BaseException as exc:
            box["error"] = exc  # type: ignore[assignment]
            started.set()
            return
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(15), "gateway did not start"
    if "error" in box:
        raise RuntimeError("gateway failed to start") from box["error"]  # type: ignore[arg-type]
    try:
        yield f"http://127.0.0.1:{box['running'].port}"
    finally:
        asyncio.run_coroutine_threadsafe(box["running"].close(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
