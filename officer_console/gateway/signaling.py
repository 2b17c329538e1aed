"""WebSocket signaling relay: one console and one citizen per room, JSON messages.

Protocol (documented in docs/gateway.md): the first message authenticates —
``{"type":"hello","role":"console","secret":…}`` or ``{"type":"hello","role":"citizen",
"token":…}`` — within ``ws_auth_timeout`` seconds (credentials never travel in the URL, so
they never reach an access log). The citizen page sends the offer, the console answers.
Every frame is validated by the models in ``gateway.messages``; relayed messages are rebuilt
from their validated fields. A bad frame before authentication closes with 4400, after it
answers a ``bad_message`` error frame; nothing a client sends can end the other side's socket
or make the server write HTTP on the upgraded connection.

Waiting room: a citizen admitted before the officer pressed 开始视频 waits in the room; the
console, when it connects, gets ``{"type":"waiting","since"}`` and the page sends its offer
as soon as ``peer_joined`` arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMessage, WSMsgType, web

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError
from officer_console.gateway import messages, models
from officer_console.gateway.errors import UPGRADED, ApiError
from officer_console.gateway.messages import MAX_MESSAGE, MESSAGES, BadMessage
from officer_console.gateway.parsing import path
from officer_console.gateway.relay import Peer, Relay, Room, other_role, refuse, send
from officer_console.gateway.state import GATEWAY, Gateway, limit
from officer_console.store.db.engine import read_session
from officer_console.store.gateway import rooms

__all__ = ["MAX_MESSAGE", "MESSAGES", "RELAY", "Relay", "setup"]

log = logging.getLogger("officer_console.gateway.signaling")

CLOSE_BAD, CLOSE_AUTH, CLOSE_NOROOM = 4400, 4401, 4404
CLOSE_TIMEOUT, CLOSE_ENDED = 4408, 4410
CLOSE_INTERNAL = 1011
#: the process's relay (defined here, not in ``state``: state must not know the relay)
RELAY: web.AppKey[Relay] = web.AppKey("relay", Relay)


async def ws_handler(request: web.Request) -> web.StreamResponse:
    gateway = request.app[GATEWAY]
    relay = request.app[RELAY]
    room_id = path(request, models.RoomPath).room
    limit(request, "ws_per_ip")
    ws = web.WebSocketResponse(heartbeat=gateway.heartbeat, max_msg_size=MAX_MESSAGE)
    if not ws.can_prepare(request).ok:
        raise ApiError(400, "websocket_required", "该地址只接受WebSocket连接")
    request[UPGRADED] = ws  # once prepared, only WebSocket frames (errors.py)
    await ws.prepare(request)
    try:
        await _session(gateway, relay, room_id, ws)
    except Exception:
        log.exception("signaling handler failed")
        with contextlib.suppress(Exception):
            await ws.close(code=CLOSE_INTERNAL, message=b"internal_error")
    return ws


async def _session(gateway: Gateway, relay: Relay, room_id: str, ws: web.WebSocketResponse) -> None:
    try:
        first = await asyncio.wait_for(ws.receive(), gateway.ws_auth_timeout)
    except TimeoutError:
        await refuse(ws, CLOSE_TIMEOUT, "auth_timeout", "未及时发送 hello")
        return
    if first.type != WSMsgType.TEXT:
        if first.type == WSMsgType.BINARY:
            await refuse(ws, CLOSE_BAD, "bad_hello", "第一条消息应为 hello")
        return
    try:
        hello = messages.parse_hello(messages.decode(first.data))
        role, info, code_id = await _authenticate(gateway, room_id, hello)
    except BadMessage as exc:
        await refuse(ws, CLOSE_BAD, "bad_hello", str(exc))
        return
    except DomainError as exc:
        close = (
            CLOSE_NOROOM
            if isinstance(exc, NotFoundError)
            else CLOSE_ENDED
            if isinstance(exc, ConflictError)
            else CLOSE_AUTH
        )
        await refuse(ws, close, exc.code, exc.message)
        return
    peer = Peer(ws, role, code_id, gateway.now())
    room = await relay.seat(room_id, info, peer)
    if room is None:
        return
    try:
        await _greet(gateway, room, peer, info)
        await _pump(relay, room, peer)
    finally:
        await relay.leave(room, peer)


async def _greet(gateway: Gateway, room: Room, peer: Peer, info: rooms.RoomInfo) -> None:
    other = room.other(peer.role)
    present = room.present(other_role(peer.role))
    peer.welcomed = True  # from here on, presence changes are told (relay.py)
    await send(
        peer.ws,
        {
            "type": "welcome",
            "role": peer.role,
            "room": room.room_id,
            "peer_present": present,
            "waiting": peer.role == "citizen" and not present,
            "expires_at": info.expires_at.isoformat(),
            "ping_interval": gateway.heartbeat,
        },
    )
    if not present:
        return
    if other is not None and other.welcomed:
        await send(other.ws, {"type": "peer_joined", "role": peer.role})
    if peer.role == "console":
        since = info.citizen_waiting_since or (other.since if other else None)
        if since is not None:
            await send(peer.ws, {"type": "waiting", "since": since.isoformat()})


async def _authenticate(
    gateway: Gateway, room_id: str, hello: messages.Hello
) -> tuple[str, rooms.RoomInfo, int]:
    role = hello.role
    credential = (hello.secret if role == "console" else hello.token) or ""
    now = gateway.now()

    def work() -> tuple[rooms.RoomInfo, int]:
        with read_session(gateway.factory) as s:
            if role == "console":
                return rooms.check_console_secret(s, room_id, credential, now), 0
            return rooms.check_citizen_token(s, room_id, credential, now)

    info, code_id = await gateway.db(work)
    return role, info, code_id


async def _pump(relay: Relay, room: Room, peer: Peer) -> None:
    stop = asyncio.ensure_future(peer.stop.wait())
    try:
        while True:
            receiving = asyncio.ensure_future(peer.ws.receive())
            await asyncio.wait((receiving, stop), return_when=asyncio.FIRST_COMPLETED)
            if not receiving.done():  # evicted: close from this, the owning task
                receiving.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await receiving
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await peer.ws.close(code=peer.close_code, message=peer.close_reason.encode())
                return
            msg = receiving.result()
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return
            if msg.type == WSMsgType.ERROR:
                return
            await _handle(relay, room, peer, msg)
    finally:
        stop.cancel()


async def _handle(relay: Relay, room: Room, peer: Peer, msg: WSMessage) -> None:
    if msg.type != WSMsgType.TEXT:
        await send(peer.ws, {"type": "error", "code": "bad_message", "message": "只接受文本消息"})
        return
    try:
        message = messages.parse_message(peer.role, messages.decode(msg.data))
    except BadMessage as exc:
        await send(peer.ws, {"type": "error", "code": "bad_message", "message": str(exc)})
        return
    if isinstance(message, messages.Ping):
        await send(peer.ws, message.relayed() | {"type": "pong"})
        return
    await relay.forward(room, peer, message.relayed())


def setup(app: web.Application) -> None:
    app.router.add_get(r"/api/v1/rooms/{room:[A-Za-z0-9_-]{8,64}}/ws", ws_handler)
    app.on_startup.append(app[RELAY].start)
