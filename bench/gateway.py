"""Gateway figures on PostgreSQL (fsync on), gateways in their own processes:

- booking requests/s and p50/p95 with 50 concurrent clients, one instance vs two instances
  sharing the database (issue 13);
- signaling relay latency (a message from the citizen to the console and the reply back)
  p50/p95 with both sides on one instance vs on two instances (LISTEN/NOTIFY between them);
- how many signaling rooms one gateway process holds with steady keep-alives.

The load comes from this process over loopback. Every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from _common import pct

from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.schema import migrate
from tests.support.pgcluster import start_cluster

CLIENTS = 50
BOOKINGS = 2000
RELAY_ROUNDS = 500
ROOM_STEPS = (250, 500, 1000, 1500, 2000)
KEEPALIVE_S = 5.0
TZ = ZoneInfo("Asia/Shanghai")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_gateway(url: str, port: int) -> None:
    from aiohttp import web

    from officer_console.config import load_settings
    from officer_console.gateway.app import AccessLogger, create_app
    from officer_console.gateway.ratelimit import Limits

    engine = make_engine(url, pool_size=8)
    app = create_app(
        session_factory(engine), load_settings(env={}), limits=Limits.unlimited(), workers=8
    )
    web.run_app(
        app, host="127.0.0.1", port=port, print=None, access_log=None, access_log_class=AccessLogger
    )


def prepare_bookings(url: str, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    from sqlalchemy import insert

    from officer_console.store.db.models import SlotSchedule, Vehicle, ViolationRecord
    from tests.support import builders

    engine = make_engine(url)
    with transaction(session_factory(engine)) as s:
        squad = builders.squad(s, code=f"3701{20 + offset // BOOKINGS:02d}", name=f"大队{offset}")
        s.execute(
            insert(SlotSchedule),
            [
                {
                    "squad_id": squad.id,
                    "weekday": wd,
                    "start_time": dtime(8, 0),
                    "end_time": dtime(18, 0),
                    "slot_minutes": 30,
                    "capacity": 200,
                    "active": True,
                }
                for wd in range(7)
            ],
        )
        vids = list(
            s.scalars(
                insert(Vehicle).returning(Vehicle.id, sort_by_parameter_order=True),
                [
                    {
                        "plate": builders.plate(i),
                        "vehicle_type": "小型普通客车",
                        "registration_date": date(2019, 3, 1),
                    }
                    for i in range(offset, offset + BOOKINGS)
                ],
            )
        )
        now = datetime.now(UTC)
        violation_ids = list(
            s.scalars(
                insert(ViolationRecord).returning(ViolationRecord.id, sort_by_parameter_order=True),
                [
                    {
                        "vehicle_id": v,
                        "region": "370100",
                        "code": "1625",
                        "occurred_at": now - timedelta(days=9),
                        "location": "经十路",
                        "fine": 200,
                        "points": 6,
                        "source_ref": f"b-{offset + i}",
                    }
                    for i, v in enumerate(vids)
                ],
            )
        )
        squad_id = squad.id
    engine.dispose()
    tomorrow = datetime.now(TZ).date() + timedelta(days=1)
    starts = [
        datetime.combine(tomorrow, dtime(8, 0), tzinfo=TZ) + timedelta(minutes=30 * k)
        for k in range(20)
    ]
    bodies = [
        {
            "name": "张三",
            "id_number": builders.id_number(offset + i),
            "phone": f"137{offset + i:08d}",
            "plate": builders.plate(offset + i),
            "violation_ids": [violation_ids[i]],
            "squad_id": squad_id,
            "slot_start": starts[i % 20].isoformat(),
            "openid": f"bench-{offset + i:06d}",
        }
        for i in range(BOOKINGS)
    ]
    return squad_id, bodies


async def book_all(
    bases: list[str], bodies: list[dict[str, Any]]
) -> tuple[float, list[float], dict[int, int]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def client(base: str) -> None:
            while not queue.empty():
                body = queue.get_nowait()
                t0 = time.perf_counter()
                async with http.post(
                    f"{base}/api/v1/bookings",
                    json=body,
                    headers={"X-WeChat-OpenId": body["openid"]},
                ) as resp:
                    await resp.read()
                latencies.append(time.perf_counter() - t0)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1

        t0 = time.perf_counter()
        clients = (client(bases[n % len(bases)]) for n in range(CLIENTS))
        await asyncio.wait_for(asyncio.gather(*clients), 600)
        wall = time.perf_counter() - t0
    return wall, latencies, statuses


def prepare_rooms(url: str, count: int) -> list[tuple[str, str, str]]:
    """``count`` open rooms with a console secret and a citizen token each."""
    from sqlalchemy import insert

    from officer_console.store.db.models import Appointment, VerificationCode, VideoSession
    from officer_console.store.gateway import rooms
    from tests.support import builders

    engine = make_engine(url)
    now = datetime.now(UTC)
    out = []
    with transaction(session_factory(engine)) as s:
        squad = builders.squad(s, code="370103", name="市中区大队")
        officer = builders.officer(s, squad, "370103001")
        appts = builders.appointments(s, squad, count, first_citizen=100_000)
        s.execute(
            Appointment.__table__.update()
            .where(Appointment.id.in_(appts))
            .values(status="in_call", officer_id=officer.id)
        )
        s.execute(
            insert(VerificationCode),
            [
                {
                    "appointment_id": a,
                    "code_hash": "sha256$x$y",
                    "created_at": now,
                    "expires_at": now + timedelta(minutes=10),
                    "used_at": now,
                    "attempts": 0,
                }
                for a in appts
            ],
        )
        secrets = []
        for a in appts:
            secret = f"secret-{a}"
            secrets.append(secret)
            s.add(
                VideoSession(
                    appointment_id=a,
                    room_id=f"benchroom{a:08d}",
                    console_secret_hash=rooms._hash_secret(secret),
                    status="open",
                    created_at=now,
                    expires_at=now + timedelta(hours=2),
                )
            )
        s.flush()
        for a, secret in zip(appts, secrets, strict=True):
            adm = rooms.admit_citizen(s, a, now=now)
            out.append((adm.room_id, secret, adm.token))
    engine.dispose()
    return out


async def hold_rooms(base: str, rooms_: list[tuple[str, str, str]], gateway_pid: int) -> None:
    ws_base = base.replace("http://", "ws://")
    rtts: list[float] = []
    sockets: list[aiohttp.ClientWebSocketResponse] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:

        async def join(room: str, hello: dict[str, str]) -> None:
            ws = await http.ws_connect(f"{ws_base}/api/v1/rooms/{room}/ws", heartbeat=None)
            await ws.send_json({"type": "hello", **hello})
            welcome = await ws.receive_json(timeout=60)
            assert welcome["type"] == "welcome", welcome
            sockets.append(ws)

        async def keepalive(
            ws: aiohttp.ClientWebSocketResponse, rounds: int, offset: float
        ) -> None:
            # phones' keep-alive timers are not in step: each socket starts at its own offset
            # within the interval (the bench before issue 24 fired all 4000 at one instant)
            await asyncio.sleep(offset)
            for _ in range(rounds):
                t0 = time.perf_counter()
                await ws.send_json({"type": "ping"})
                while True:
                    msg = await ws.receive_json(timeout=30)
                    if msg["type"] == "pong":
                        break
                rtts.append(time.perf_counter() - t0)
                await asyncio.sleep(KEEPALIVE_S)

        done = 0
        for target in ROOM_STEPS:
            if target > len(rooms_):
                break
            t0 = time.perf_counter()
            batch = rooms_[done:target]
            for i in range(0, len(batch), 100):
                chunk = batch[i : i + 100]
                await asyncio.gather(
                    *(join(r, {"role": "console", "secret": s}) for r, s, _ in chunk)
                )
                await asyncio.gather(
                    *(join(r, {"role": "citizen", "token": t}) for r, _, t in chunk)
                )
            connect_s = time.perf_counter() - t0
            done = target
            rtts.clear()
            spread = [KEEPALIVE_S * i / len(sockets) for i in range(len(sockets))]
            await asyncio.wait_for(
                asyncio.gather(
                    *(keepalive(ws, 2, o) for ws, o in zip(sockets, spread, strict=True))
                ),
                120,
            )
            async with http.get(f"{base}/api/v1/health") as resp:
                held = (await resp.json())["rooms"]
            print(
                f"  rooms={held:5d} sockets={len(sockets):5d} connect={connect_s:5.1f}s "
                f"keep-alive every {KEEPALIVE_S:.0f}s: ping p50={pct(rtts, 50) * 1000:.1f}ms "
                f"p95={pct(rtts, 95) * 1000:.1f}ms  gateway RSS={_rss(gateway_pid)} MiB"
            )
        for ws in sockets:
            await ws.close()


async def relay_latency(
    console_base: str, citizen_base: str, room: tuple[str, str, str]
) -> list[float]:
    """Round trips citizen → console → citizen through the relay (two relayed messages)."""
    room_id, secret, token = room
    rtts: list[float] = []
    async with aiohttp.ClientSession() as http:

        async def connect(base: str, hello: dict[str, str]) -> aiohttp.ClientWebSocketResponse:
            url = base.replace("http://", "ws://") + f"/api/v1/rooms/{room_id}/ws"
            ws = await http.ws_connect(url, heartbeat=None)
            await ws.send_json({"type": "hello", **hello})
            assert (await ws.receive_json(timeout=30))["type"] == "welcome"
            return ws

        console = await connect(console_base, {"role": "console", "secret": secret})
        citizen = await connect(citizen_base, {"role": "citizen", "token": token})

        async def next_of(ws: aiohttp.ClientWebSocketResponse, kind: str) -> None:
            while (await ws.receive_json(timeout=30))["type"] != kind:
                pass

        await next_of(console, "peer_joined")
        for n in range(RELAY_ROUNDS):
            t0 = time.perf_counter()
            await citizen.send_json({"type": "offer", "sdp": f"v=0 round {n}"})
            await next_of(console, "offer")
            await console.send_json({"type": "answer", "sdp": f"v=0 round {n}"})
            await next_of(citizen, "answer")
            rtts.append(time.perf_counter() - t0)
        await citizen.close()
        await console.close()
    return rtts


def start_gateway(url: str) -> tuple[str, Any]:
    port = _free_port()
    proc = multiprocessing.get_context("spawn").Process(target=run_gateway, args=(url, port))
    proc.start()
    base = f"http://127.0.0.1:{port}"
    wait_up(base)
    return base, proc


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


def wait_up(base: str) -> None:
    import requests

    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gateway did not start")
        time.sleep(0.2)


def main() -> None:
    cluster = start_cluster(durable=os.environ.get("BENCH_PG_DURABLE", "1") == "1")
    procs: list[Any] = []
    try:
        engine = make_engine(cluster.url)
        migrate(engine)
        engine.dispose()
        _, bodies_one = prepare_bookings(cluster.url)
        _, bodies_two = prepare_bookings(cluster.url, offset=BOOKINGS)
        rooms_ = prepare_rooms(cluster.url, max(ROOM_STEPS) + 2)
        base, proc = start_gateway(cluster.url)
        other, proc_b = start_gateway(cluster.url)
        procs += [proc, proc_b]
        for label, bases, bodies in (
            ("one instance ", [base], bodies_one),
            ("two instances", [base, other], bodies_two),
        ):
            wall, lat, statuses = asyncio.run(book_all(bases, bodies))
            print(
                f"PostgreSQL bookings, {label}: clients={CLIENTS} requests={len(lat)} "
                f"statuses={statuses} requests/s={len(lat) / wall:,.0f} "
                f"p50={pct(lat, 50) * 1000:.1f}ms p95={pct(lat, 95) * 1000:.1f}ms"
            )
        print("  (each booking: validation, locks, binding, capacity count, insert, change")
        print("   stamp, audit row; fsync on; the two instances share one PostgreSQL)")
        for label, console_base, citizen_base, room in (
            ("same instance  ", base, base, rooms_[-1]),
            ("cross-instance ", base, other, rooms_[-2]),
        ):
            rtts = asyncio.run(relay_latency(console_base, citizen_base, room))
            print(
                f"Relay round trip citizen→console→citizen, {label}: rounds={len(rtts)} "
                f"p50={pct(rtts, 50) * 1000:.2f}ms p95={pct(rtts, 95) * 1000:.2f}ms"
            )
        print("Signaling rooms held by one gateway process (console + citizen socket each):")
        asyncio.run(hold_rooms(base, rooms_[: max(ROOM_STEPS)], proc.pid or 0))
    finally:
        for p in procs:
            p.terminate()
            p.join(20)
        cluster.stop()


if __name__ == "__main__":
    main()
