"""The gateway signaling client against a small local relay speaking the same protocol:
hello/welcome, refusal, message flow, and reconnecting after an unexpected close."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from aiohttp import web

from officer_console.video.signaling_client import GatewaySignaling, SignalingError, room_ws_url

Run = Callable[..., Any]


def test_ws_url_follows_the_gateway_scheme() -> None:
    assert room_ws_url("http://127.0.0.1:8470/", "r1") == "ws://127.0.0.1:8470/api/v1/rooms/r1/ws"
    assert room_ws_url("https://gw.example.cn", "r1") == "wss://gw.example.cn/api/v1/rooms/r1/ws"


class Relay:
    """Accepts secret "good"; the first connection is dropped (1011) after one message."""

    def __init__(self) -> None:
        self.hellos: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []

    async def handler(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        hello = json.loads((await ws.receive()).data)
        self.hellos.append(hello)
        if hello.get("secret") != "good":
            await ws.send_json({"type": "error", "code": "auth_failed", "message": "房间密钥错误"})
            await ws.close(code=4401)
            return ws
        await ws.send_json({"type": "welcome", "role": "console", "peer_present": False})
        first = len(self.hellos) == 1
        await ws.send_json({"type": "peer_joined", "role": "citizen", "n": len(self.hellos)})
        if first:
            await ws.close(code=1011)  # e.g. the gateway restarting
            return ws
        async for msg in ws:
            self.received.append(json.loads(msg.data))
            await ws.send_json({**json.loads(msg.data), "echo": True})
        return ws


async def serve(relay: Relay) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/api/v1/rooms/{room}/ws", relay.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def test_hello_reconnect_and_messages(qt_run: Run) -> None:
    relay = Relay()

    async def scenario() -> list[dict[str, Any] | None]:
        runner, base = await serve(relay)
        client = GatewaySignaling(base, "room-1", "good")
        try:
            welcome = await client.connect()
            assert welcome["type"] == "welcome" and not client.peer_present
            got = [await client.receive()]  # from the first socket
            got.append(await client.receive())  # after the drop: reconnected, new welcome
            await client.send({"type": "answer", "sdp": "v=0"})
            got.append(await client.receive())
            return got
        finally:
            await client.close()
            await runner.cleanup()

    got = qt_run(scenario(), 30)
    assert [m["n"] for m in got[:2] if m] == [1, 2]
    assert got[2] == {"type": "answer", "sdp": "v=0", "echo": True}
    assert relay.hellos == [{"type": "hello", "role": "console", "secret": "good"}] * 2
    assert relay.received == [{"type": "answer", "sdp": "v=0"}]


def test_refusal_carries_the_gateways_message(qt_run: Run) -> None:
    relay = Relay()

    async def scenario() -> None:
        runner, base = await serve(relay)
        client = GatewaySignaling(base, "room-1", "bad")
        try:
            with pytest.raises(SignalingError, match="房间密钥错误") as caught:
                await client.connect()
            assert caught.value.code == "auth_failed"
        finally:
            await client.close()
            await runner.cleanup()

    qt_run(scenario())
