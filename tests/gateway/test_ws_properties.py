"""Property-based: every WebSocket message type, from either role, with hostile strings,
numbers, nesting and sizes. Each frame is relayed (validated fields only) or answered with a
``bad_message`` error frame; both sockets stay open and only ever carry JSON text frames."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gateway.messages import MESSAGES, STEPS, BadMessage, decode
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.world import build_world, live_gateway, settings_for

HOSTILE_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs", "Cc", "Co", "Zl"]), max_size=10),
    st.sampled_from(["", "\x00", "\ud800", "data:image/png;base64,", "javascript:x", "悦" * 300]),
    st.integers(1, 70_000).map(lambda n: "x" * n),
)
HOSTILE_NUMBER = st.one_of(
    st.integers(),
    st.integers(min_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([True, False, None]),
)
SCALAR = st.one_of(HOSTILE_TEXT, HOSTILE_NUMBER)
VALUE = st.recursive(
    SCALAR,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = ["sdp", "candidate", "reason", "png", "prompt", "url", "title", "text", "step"]
TYPES = [*MESSAGES, "ping", "hello", "pong", "welcome", "error", "\ud800", ""]


@st.composite
def frames(draw: st.DrawFn) -> tuple[str, str]:
    role = draw(st.sampled_from(["citizen", "console"]))
    kind = draw(st.one_of(st.sampled_from(TYPES), HOSTILE_TEXT))
    body: dict[str, Any] = {"type": kind}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=4, unique=True)):
        body[name] = draw(st.one_of(VALUE, st.sampled_from(STEPS)))
    if kind == "candidate" and draw(st.booleans()):
        body["candidate"] = draw(
            st.dictionaries(
                st.sampled_from(["candidate", "sdpMid", "sdpMLineIndex", "usernameFragment", "x"]),
                VALUE,
                max_size=4,
            )
        )
    raw = json.dumps(body)  # ensure_ascii: lone surrogates travel as \\ud800 escapes
    mangled = draw(
        st.sampled_from(
            [
                raw,
                raw,
                raw,
                "[" * 5000 + "]" * 5000,
                '{"type":"offer","sdp":' + "9" * 5000 + "}",
                raw[: len(raw) // 2],
                '{"type":' + json.dumps(kind) + ',"sdp":' + "[" * 300 + "]" * 300 + "}",
            ]
        )
    )
    return role, mangled


def is_ping(raw: str) -> bool:
    """Whether the gateway answers this frame itself with a pong (a valid ping)."""
    try:
        data = decode(raw)
    except BadMessage:
        return False
    return isinstance(data, dict) and data.get("type") == "ping"


class Pair:
    """A console and a citizen connected to one room, driven from a private event loop."""

    def __init__(self, base: str, room: str, secret: str, token: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.ws: dict[str, aiohttp.ClientWebSocketResponse] = {}
        self.sequence = 0
        self.run(self._open(base, room, {"console": secret, "citizen": token}))

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    async def _open(self, base: str, room: str, creds: dict[str, str]) -> None:
        self.http = aiohttp.ClientSession()
        url = base.replace("http://", "ws://") + f"/api/v1/rooms/{room}/ws"
        for role in ("console", "citizen"):
            ws = await self.http.ws_connect(url, max_msg_size=4 << 20)
            field = "secret" if role == "console" else "token"
            await ws.send_json({"type": "hello", "role": role, field: creds[role]})
            assert (await ws.receive_json(timeout=10))["type"] == "welcome"
            self.ws[role] = ws
        assert (await self.ws["console"].receive_json(timeout=10))["type"] == "peer_joined"

    async def until_pong(self, role: str) -> list[dict[str, Any]]:
        """Everything ``role`` receives before the answer to its own, numbered ping (pongs
        answering pings inside the hostile frames themselves are left out)."""
        ws = self.ws[role]
        self.sequence += 1
        await ws.send_json({"type": "ping", "id": self.sequence})
        got = []
        while True:
            msg = await ws.receive(timeout=10)
            assert msg.type == aiohttp.WSMsgType.TEXT, (role, msg)
            data = json.loads(msg.data)
            assert isinstance(data, dict) and isinstance(data.get("type"), str)
            if data == {"type": "pong", "id": self.sequence}:
                return got
            if data["type"] != "pong":
                got.append(data)

    async def exchange(self, role: str, raw: str) -> tuple[list[Any], list[Any]]:
        await self.ws[role].send_str(raw)
        other = "citizen" if role == "console" else "console"
        return await self.until_pong(role), await self.until_pong(other)

    def close(self) -> None:
        async def shut() -> None:
            for ws in self.ws.values():
                await ws.close()
            await self.http.close()

        self.run(shut())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def pair(factory: sessionmaker[Session], tmp_path: Path) -> Iterator[Pair]:
    world = build_world(factory)
    call = open_room(factory, claimed_call(factory, world.squad_id))
    with live_gateway(factory, settings_for(tmp_path)) as base:
        import requests

        code = new_code(factory, call)
        data = requests.post(
            f"{base}/api/v1/join", json={"phone": call.phone, "code": code}, timeout=10
        ).json()
        p = Pair(base, call.room_id, call.secret, data["token"])
        try:
            yield p
        finally:
            p.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frame=frames())
def test_any_frame_is_relayed_validated_or_refused(pair: Pair, frame: tuple[str, str]) -> None:
    role, raw = frame
    to_sender, to_other = pair.run(pair.exchange(role, raw))
    for reply in to_sender:
        assert reply["type"] == "error" and reply["code"] == "bad_message", reply
        assert "\ud800" not in reply["message"]
    for relayed in to_other:
        kind = relayed["type"]
        assert role in MESSAGES[kind], (role, relayed)
        assert len(json.dumps(relayed)) <= len(raw) + 16  # rebuilt, never enlarged
    assert len(to_sender) + len(to_other) == (0 if is_ping(raw) else 1), (to_sender, to_other)
    assert not any(ws.closed for ws in pair.ws.values())
