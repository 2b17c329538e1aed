"""WebSocket signaling relay: one console and one citizen per room, JSON messages.

Protocol (documented in docs/gateway.md): the first message authenticates —
``{"type":"hello","role":"console","secret":…}`` or ``{"type":"hello","role":"citizen",
"token":…}`` — within ``ws_auth_timeout`` seconds (credentials never travel in the URL, so
they never reach an access log). The citizen page sends the offer, the console answers.
Relayed messages are rebuilt from their validated fields; nothing else passes through.
Rooms live in this process: behind several gateway instances the proxy must route a room's
path to one instance (sticky by path).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError
from officer_console.gateway.app import GATEWAY, RELAY, Gateway
from officer_console.gateway.errors import ApiError
from officer_console.gateway.routes_booking import limit
from officer_console.store import rooms
from officer_console.store.engine import read_session

log = logging.getLogger("officer_console.gateway.signaling")

MAX_MESSAGE = 1 << 20  # a signature PNG data URL stays well below this
CLOSE_REPLACED, CLOSE_BAD, CLOSE_AUTH, CLOSE_NOROOM = 4000, 4400, 4401, 4404
CLOSE_TIMEOUT, CLOSE_FULL, CLOSE_ENDED = 4408, 4409, 4410

# type → (roles allowed to send it, {field: (python type, max length, required)})
_Spec = dict[str, tuple[type, int, bool]]
MESSAGES: dict[str, tuple[tuple[str, ...], _Spec]] = {
    "offer": (("citizen", "console"), {"sdp": (str, 65536, True)}),
    "answer": (("citizen", "console"), {"sdp": (str, 65536, True)}),
    "candidate": (("citizen", "console"), {"candidate": (dict, 4096, False)}),
    "bye": (("citizen", "console"), {"reason": (str, 200, False)}),
    "signature": (("citizen",), {"png": (str, MAX_MESSAGE - 1024, True)}),
    "request_signature": (("console",), {"prompt": (str, 500, False)}),
    "document": (("console",), {"url": (str, 500, True), "title": (str, 100, False)}),
    "notice": (("console",), {"text": (str, 8000, False)}),
    "stage": (("console",), {"step": (str, 16, True), "title": (str, 100, False)}),
}


class BadMessage(Exception):
    pass


def validate_message(role: str, msg: Any) -> dict[str, Any]:
    """The relayed form of ``msg`` from ``role``; raises BadMessage with a reason."""
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise BadMessage("消息应为带 type 字段的JSON对象")
    kind = msg["type"]
    if kind not in MESSAGES:
        raise BadMessage(f"未知的消息类型 {kind[:32]}")
    senders, spec = MESSAGES[kind]
    if role not in senders:
        raise BadMessage(f"{role} 不能发送 {kind}")
    out: dict[str, Any] = {"type": kind}
    for name, (typ, max_len, required) in spec.items():
        value = msg.get(name)
        if value is None:
            if required:
                raise BadMessage(f"{kind} 缺少 {name}")
            continue
        size = len(value) if isinstance(value, str) else len(json.dumps(value))  # characters
        if not isinstance(value, typ) or size > max_len:
            raise BadMessage(f"{kind}.{name} 类型或长度不正确")
        out[name] = value
    if kind == "signature" and not out["png"].startswith("data:image/png;base64,"):
        raise BadMessage("签名应为PNG图片的data URL")
    return out


@dataclass
class Peer:
    ws: web.WebSocketResponse
    role: str
    code_id: int = 0


@dataclass
class Room:
    room_id: str
    appointment_id: int
    expires_at: datetime
    peers: dict[str, Peer] = field(default_factory=dict)

    def other(self, role: str) -> Peer | None:
        return self.peers.get("console" if role == "citizen" else "citizen")


async def send(ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(json.dumps(message, ensure_ascii=False))


async def refuse(ws: web.WebSocketResponse, close: int, code: str, message: str) -> None:
    await send(ws, {"type": "error", "code": code, "message": message})
    await ws.close(code=close, message=code.encode())


class Relay:
    """The rooms of this process and the sweep that ends expired or closed ones."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.rooms: dict[str, Room] = {}
        self._sweeper: asyncio.Task[None] | None = None

    @property
    def open_rooms(self) -> int:
        return sum(1 for room in self.rooms.values() if room.peers)

    async def start(self, _app: web.Application) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def close_all(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for room in list(self.rooms.values()):
            await self.end(room, "server_shutdown", close=1001)

    async def end(self, room: Room, reason: str, close: int = CLOSE_ENDED) -> None:
        self.rooms.pop(room.room_id, None)
        peers = list(room.peers.values())
        room.peers.clear()  # nobody is told "peer_left" about a room that ended
        for peer in peers:
            await send(peer.ws, {"type": "room_closed", "reason": reason})
        for peer in peers:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await peer.ws.close(code=close, message=reason.encode())

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.gateway.sweep_interval)
            try:
                await self.sweep()
            except Exception:  # a database hiccup must not stop the sweeping
                log.exception("room sweep failed")

    async def sweep(self) -> None:
        now = self.gateway.now()
        for room in [r for r in self.rooms.values() if not r.peers]:
            self.rooms.pop(room.room_id, None)
        ids = list(self.rooms)
        if not ids:
            return

        def work() -> dict[str, bool]:
            with read_session(self.gateway.factory) as s:
                return rooms.room_states(s, ids, now)

        states = await self.gateway.db(work)
        for room_id, alive in states.items():
            live = self.rooms.get(room_id)
            if live is not None and (not alive or live.expires_at <= now):
                await self.end(live, "expired" if live.expires_at <= now else "ended")


async def ws_handler(request: web.Request) -> web.StreamResponse:
    gateway: Gateway = request.app[GATEWAY]
    relay: Relay = request.app[RELAY]
    room_id = request.match_info["room"]
    limit(request, "ws_per_ip")
    ws = web.WebSocketResponse(heartbeat=gateway.heartbeat, max_msg_size=MAX_MESSAGE)
    if not ws.can_prepare(request).ok:
        raise ApiError(400, "websocket_required", "该地址只接受WebSocket连接")
    await ws.prepare(request)
    try:
        first = await asyncio.wait_for(ws.receive(), gateway.ws_auth_timeout)
    except TimeoutError:
        await refuse(ws, CLOSE_TIMEOUT, "auth_timeout", "未及时发送 hello")
        return ws
    if first.type != WSMsgType.TEXT:
        await ws.close(code=CLOSE_BAD, message=b"hello_required")
        return ws
    try:
        hello = json.loads(first.data)
        role, info, code_id = await _authenticate(gateway, room_id, hello)
    except (ValueError, BadMessage) as exc:
        await refuse(ws, CLOSE_BAD, "bad_hello", str(exc)[:200])
        return ws
    except DomainError as exc:
        close = (
            CLOSE_NOROOM
            if isinstance(exc, NotFoundError)
            else CLOSE_ENDED
            if isinstance(exc, ConflictError)
            else CLOSE_AUTH
        )
        await refuse(ws, close, exc.code, exc.message)
        return ws
    room = relay.rooms.setdefault(room_id, Room(room_id, info.appointment_id, info.expires_at))
    peer = Peer(ws, role, code_id)
    current = room.peers.get(role)
    if current is not None and not current.ws.closed:
        if role != "citizen" or code_id <= current.code_id:
            await refuse(ws, CLOSE_FULL, "room_full", "该房间已有同一身份的参与者")
            return ws
        room.peers[role] = peer  # a fresh code wins: the reconnect path
        await refuse(current.ws, CLOSE_REPLACED, "replaced", "已在其他页面重新进入视频")
    room.peers[role] = peer
    other = room.other(role)
    await send(
        ws,
        {
            "type": "welcome",
            "role": role,
            "room": room_id,
            "peer_present": other is not None,
            "expires_at": info.expires_at.isoformat(),
            "ping_interval": gateway.heartbeat,
        },
    )
    if other is not None:
        await send(other.ws, {"type": "peer_joined", "role": role})
    try:
        await _pump(room, peer)
    finally:
        if room.peers.get(role) is peer:
            del room.peers[role]
            other = room.other(role)
            if other is not None:
                await send(other.ws, {"type": "peer_left", "role": role})
    return ws


async def _authenticate(gateway: Gateway, room_id: str, hello: Any) -> tuple[str, Any, int]:
    if not isinstance(hello, dict) or hello.get("type") != "hello":
        raise BadMessage("第一条消息应为 hello")
    role = hello.get("role")
    credential = hello.get("secret" if role == "console" else "token")
    if role not in ("console", "citizen") or not isinstance(credential, str):
        raise BadMessage("hello 需要 role 与 secret（民警端）或 token（群众端）")
    now = gateway.now()

    def work() -> tuple[rooms.RoomInfo, int]:
        with read_session(gateway.factory) as s:
            if role == "console":
                return rooms.check_console_secret(s, room_id, credential[:512], now), 0
            return rooms.check_citizen_token(s, room_id, credential[:512], now)

    info, code_id = await gateway.db(work)
    return role, info, code_id


async def _pump(room: Room, peer: Peer) -> None:
    async for msg in peer.ws:
        if msg.type != WSMsgType.TEXT:
            await send(
                peer.ws, {"type": "error", "code": "bad_message", "message": "只接受文本消息"}
            )
            continue
        try:
            data = json.loads(msg.data)
            if isinstance(data, dict) and data.get("type") == "ping":
                await send(peer.ws, {"type": "pong"})
                continue
            relayed = validate_message(peer.role, data)
        except (ValueError, BadMessage) as exc:
            await send(peer.ws, {"type": "error", "code": "bad_message", "message": str(exc)[:200]})
            continue
        other = room.other(peer.role)
        if other is None or other.ws.closed:
            await send(
                peer.ws, {"type": "error", "code": "peer_absent", "message": "对方尚未进入房间"}
            )
            continue
        await send(other.ws, relayed)


def setup(app: web.Application) -> None:
    app.router.add_get(r"/api/v1/rooms/{room:[A-Za-z0-9_-]{8,64}}/ws", ws_handler)
    app.on_startup.append(app[RELAY].start)
