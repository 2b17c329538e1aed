"""Two gateway processes on one PostgreSQL: arrivals at the same moment, and kill -9.

- 100 rooms, console and citizen say hello at the same instant on different instances:
  every side learns the other (welcome ``peer_present`` or ``peer_joined``) and a message
  goes through in both directions — no call is left one-way.
- One instance is killed (SIGKILL) and its side comes back through the survivor at once:
  the survivor's side never hears a stale ``peer_left`` after the peer is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import verify_code
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.gateway import rooms
from tests.gateway.calls import Call, claimed_call, new_code, open_room
from tests.gateway.instances import Instance, instances
from tests.gateway.world import build_world
from tests.support.databases import PostgresTemplate

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PAIRS = 100


def citizen_token(factory: sessionmaker[Session], call: Call) -> str:
    now = datetime.now(UTC)
    code = new_code(factory, call, now)
    with transaction(factory) as s:
        verify_code(s, phone=call.phone, code=code, client_ip="127.0.0.1", now=now)
        return rooms.admit_citizen(s, call.appointment_id, now=now).token


@dataclass
class Side:
    """One WebSocket of a room, with everything it received."""

    base: str
    room: str
    hello: dict[str, Any]
    source: str  # a loopback address of its own (the per-address socket limit)
    received: list[dict[str, Any]] = field(default_factory=list)
    http: aiohttp.ClientSession | None = None
    ws: aiohttp.ClientWebSocketResponse | None = None
    reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        connector = aiohttp.TCPConnector(local_addr=(self.source, 0))
        self.http = aiohttp.ClientSession(connector=connector)
        url = f"{self.base.replace('http', 'ws')}/api/v1/rooms/{self.room}/ws"
        self.ws = await self.http.ws_connect(url, heartbeat=None)

    async def say_hello(self) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(self.hello))
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type == aiohttp.WSMsgType.TEXT:
                self.received.append(json.loads(msg.data))

    def seen(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.received if m.get("type") == kind]

    def knows_peer(self) -> bool:
        welcome = self.seen("welcome")
        return bool(welcome) and (welcome[0]["peer_present"] or bool(self.seen("peer_joined")))

    async def send(self, message: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send_str(json.dumps(message))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.ws is not None:
                await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(BaseException):
                await self.reader
        if self.http is not None:
            await self.http.close()


async def until(check: Any, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while loop.time() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return bool(check())


def pair_sides(call: Call, token: str, console_at: str, citizen_at: str, n: int) -> list[Side]:
    console = {"type": "hello", "role": "console", "secret": call.secret}
    citizen = {"type": "hello", "role": "citizen", "token": token}
    return [
        Side(console_at, call.room_id, console, loopback(2 * n)),
        Side(citizen_at, call.room_id, citizen, loopback(2 * n + 1)),
    ]


def loopback(k: int) -> str:
    """A loopback address of its own for socket ``k`` (127.0.1.2, 127.0.1.3, …)."""
    return f"127.0.{k // 250 + 1}.{k % 250 + 2}"


@pytest.fixture
def cluster_world(
    pg_template: PostgresTemplate, tmp_path: Path
) -> Any:  # yields (url, factory, world)
    url = pg_template.fresh_url()
    engine = make_engine(url)
    factory = session_factory(engine)
    try:
        yield url, factory, build_world(factory)
    finally:
        engine.dispose()
        pg_template.drop(url)


def test_simultaneous_cross_instance_arrivals_are_never_one_way(
    cluster_world: Any, tmp_path: Path
) -> None:
    url, factory, world = cluster_world
    calls = []
    for _ in range(PAIRS):
        call = open_room(factory, claimed_call(factory, world.squad_id), datetime.now(UTC))
        calls.append((call, citizen_token(factory, call)))
    with instances(url, tmp_path / "data") as (a, b):
        one_way = asyncio.run(_arrivals(a, b, calls))
    print(f"\ncross-instance arrival pairs: {PAIRS}, one-way: {one_way}")
    assert one_way == 0


async def _arrivals(a: Instance, b: Instance, calls: list[tuple[Call, str]]) -> int:
    pairs = [
        # half the consoles on A, half on B
        pair_sides(call, token, *((a.url, b.url) if i % 2 else (b.url, a.url)), n=i)
        for i, (call, token) in enumerate(calls)
    ]
    sides = [side for pair in pairs for side in pair]
    try:
        await asyncio.gather(*(side.open() for side in sides))
        await asyncio.gather(*(side.say_hello() for side in sides))  # all at once
        assert await until(lambda: all(s.seen("welcome") for s in sides), 30)
        await until(lambda: all(s.knows_peer() for s in sides), 10)
        for console, citizen in pairs:
            await console.send({"type": "answer", "sdp": f"v=0 {console.room}"})
            await citizen.send({"type": "offer", "sdp": f"v=0 {citizen.room}"})

        def through(pair: list[Side]) -> bool:
            console, citizen = pair
            return bool(console.seen("offer")) and bool(citizen.seen("answer"))

        await until(lambda: all(through(p) for p in pairs), 10)
        return sum(
            1
            for pair in pairs
            if not (through(pair) and all(s.knows_peer() and not s.seen("error") for s in pair))
        )
    finally:
        await asyncio.gather(*(side.close() for side in sides))


@pytest.mark.parametrize("victim", ["citizen", "console"])
def test_no_stale_peer_left_after_kill(cluster_world: Any, tmp_path: Path, victim: str) -> None:
    url, factory, world = cluster_world
    call = open_room(factory, claimed_call(factory, world.squad_id), datetime.now(UTC))
    token = citizen_token(factory, call)
    with instances(url, tmp_path / "data") as (a, b):
        asyncio.run(_kill_and_return(a, b, call, token, victim))


async def _kill_and_return(a: Instance, b: Instance, call: Call, token: str, victim: str) -> None:
    console, citizen = pair_sides(call, token, a.url, b.url, n=1)
    survivor, returning = (console, citizen) if victim == "citizen" else (citizen, console)
    try:
        for side in (console, citizen):
            await side.open()
            await side.say_hello()
        assert await until(lambda: console.knows_peer() and citizen.knows_peer(), 10)
        (b if victim == "citizen" else a).kill()
        await returning.close()
        back = Side(
            a.url if victim == "citizen" else b.url, call.room_id, returning.hello, "127.0.9.9"
        )
        await back.open()
        await back.say_hello()
        assert await until(lambda: bool(back.seen("welcome")), 10)
        assert back.seen("welcome")[0]["peer_present"] is True
        joined_at = len(survivor.received)
        # two sweeps of the survivor (every 5 s) must not report the returned peer as gone
        await asyncio.sleep(12)
        later = [m.get("type") for m in survivor.received[joined_at:]]
        assert "peer_left" not in later, later
        await back.send({"type": "bye"})
        assert await until(lambda: bool(survivor.seen("bye")), 10)  # the call goes on
        await back.close()
    finally:
        await console.close()
        await citizen.close()
