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
import json
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError
from officer_console.gateway import messages, models
from officer_console.gateway.cluster import Cluster
from officer_console.gateway.errors import UPGRADED, ApiError
from officer_console.gateway.messages import MAX_MESSAGE, MESSAGES, BadMessage
from officer_console.gateway.parsing import path
from officer_console.gateway.state import GATEWAY, RELAY, Gateway, limit
from officer_console.store import gateway_shared as shared
from officer_console.store import rooms
from officer_console.store.engine import read_session, transaction

__all__ = ["MAX_MESSAGE", "MESSAGES", "Relay", "setup"]

log = logging.getLogger("officer_console.gateway.signaling")

CLOSE_REPLACED, CLOSE_BAD, CLOSE_AUTH, CLOSE_NOROOM = 4000, 4400, 4401, 4404
CLOSE_TIMEOUT, CLOSE_FULL, CLOSE_ENDED = 4408, 4409, 4410
CLOSE_INTERNAL = 1011


@dataclass
class Peer:
    ws: web.WebSocketResponse
    role: str
    code_id: int = 0
    since: datetime | None = None
    #: set by another task (replaced, room ended): the peer's own handler closes the socket.
    #: aiohttp's close() from a second task drops the transport without waiting for the
    #: client's close reply (the client then sees 1006), so only the owner closes.
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int = 1000
    close_reason: str = ""

    async def evict(self, close: int, code: str, message: str, frame: dict[str, Any]) -> None:
        await send(self.ws, frame)
        self.close_code, self.close_reason = close, code
        self.stop.set()


@dataclass
class Room:
    room_id: str
    appointment_id: int
    expires_at: datetime
    peers: dict[str, Peer] = field(default_factory=dict)
    #: roles seated on another gateway instance: role → instance (cluster mode)
    remote: dict[str, str] = field(default_factory=dict)

    def present(self, role: str) -> bool:
        peer = self.peers.get(role)
        return (peer is not None and not peer.ws.closed) or role in self.remote

    def other(self, role: str) -> Peer | None:
        return self.peers.get("console" if role == "citizen" else "citizen")


def encode(message: dict[str, Any]) -> str:
    """JSON text of a frame; any string that cannot be UTF-8 encoded is escaped instead."""
    text = json.dumps(message, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(message, ensure_ascii=True)
    return text


async def send(ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
    if not ws.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.send_str(encode(message))


async def refuse(ws: web.WebSocketResponse, close: int, code: str, message: str) -> None:
    await send(ws, {"type": "error", "code": code, "message": message})
    with contextlib.suppress(ConnectionError, RuntimeError):
        await ws.close(code=close, message=code.encode())


class Relay:
    """The rooms of this process and the sweep that ends expired or closed ones."""

    def __init__(self, gateway: Gateway, cluster: Cluster | None = None) -> None:
        self.gateway = gateway
        self.cluster = cluster
        self.rooms: dict[str, Room] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: remote holders learnt while taking a shared seat, until the room object exists
        self._pending_remote: dict[tuple[str, str], dict[str, str]] = {}

    @property
    def open_rooms(self) -> int:
        return sum(1 for room in self.rooms.values() if room.peers)

    async def start(self, _app: web.Application) -> None:
        if self.cluster is not None:
            await self.cluster.start(self.deliver)
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def close_all(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for room in list(self.rooms.values()):
            await self.end(room, "server_shutdown", close=1001)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if self.cluster is not None:
            await self.cluster.close()

    async def end(self, room: Room, reason: str, close: int = CLOSE_ENDED) -> None:
        self.rooms.pop(room.room_id, None)
        peers = list(room.peers.values())
        room.peers.clear()  # nobody is told "peer_left" about a room that ended
        await asyncio.gather(
            *(
                peer.evict(close, reason, reason, {"type": "room_closed", "reason": reason})
                for peer in peers
            )
        )

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
        if self.cluster is not None:
            await self._sweep_remote()

    async def _sweep_remote(self) -> None:
        """A peer on an instance that died is gone: tell the local side. Also drops relayed
        large messages nobody will fetch any more."""
        assert self.cluster is not None
        now = self.gateway.now()

        def prune() -> None:
            with transaction(self.gateway.factory) as s:
                shared.prune_payloads(s, now)

        await self.gateway.db(prune)
        for room in list(self.rooms.values()):
            for role, instance in list(room.remote.items()):
                if not await self.cluster.alive(instance):
                    await self._remote_left(room, role, instance)

    @staticmethod
    def _taken(room: Room | None, peer: Peer) -> Peer | None:
        """The live local holder of the seat that ``peer`` cannot replace, if any."""
        current = room.peers.get(peer.role) if room is not None else None
        if current is None or current.ws.closed:
            return None
        if peer.role == "citizen" and peer.code_id > current.code_id:
            return None  # a fresh code wins: the reconnect path
        return current

    async def seat(self, room_id: str, info: rooms.RoomInfo, peer: Peer) -> Room | None:
        """Take the role's seat in the room (None, and the socket refused, when taken).

        The room is looked up again after every await, so the sweep never strands a peer
        in a room object it already dropped.
        """
        if self._taken(self.rooms.get(room_id), peer) is not None or (
            self.cluster is not None and not await self._take_shared_seat(room_id, peer)
        ):
            await refuse(peer.ws, CLOSE_FULL, "room_full", "该房间已有同一身份的参与者")
            return None
        room = self.rooms.setdefault(room_id, Room(room_id, info.appointment_id, info.expires_at))
        room.remote.update(self._pending_remote.pop((room_id, peer.role), {}))
        if self._taken(room, peer) is not None:
            await refuse(peer.ws, CLOSE_FULL, "room_full", "该房间已有同一身份的参与者")
            return None
        current = room.peers.get(peer.role)
        room.peers[peer.role] = peer
        if current is not None and not current.ws.closed:
            message = "已在其他页面重新进入视频"
            await current.evict(
                CLOSE_REPLACED,
                "replaced",
                message,
                {"type": "error", "code": "replaced", "message": message},
            )
        if peer.role == "citizen":
            self._background(self._mark_citizen(room.room_id, peer.since))
        if self.cluster is not None:
            since = peer.since.isoformat() if peer.since else None
            await self.cluster.publish(room.room_id, "joined", role=peer.role, since=since)
        return room

    async def _take_shared_seat(self, room_id: str, peer: Peer) -> bool:
        """The seat in ``room_seats``: refused while a live instance holds it (unless a
        fresher citizen code); the other role's remote holder is learnt on the way."""
        cluster = self.cluster
        assert cluster is not None
        now = self.gateway.now()

        def read() -> dict[str, shared.Seat]:
            with read_session(self.gateway.factory) as s:
                return shared.seats_of(s, room_id)

        seats = await self.gateway.db(read)
        dead = {x.instance for x in seats.values() if not await cluster.alive(x.instance)}

        def take() -> tuple[bool, shared.Seat | None]:
            with transaction(self.gateway.factory) as s:
                return shared.take_seat(
                    s,
                    room_id,
                    peer.role,
                    instance=cluster.instance,
                    code_id=peer.code_id,
                    now=now,
                    may_replace=dead,
                )

        taken, previous = await self.gateway.db(take)
        if not taken:
            return False
        if previous is not None and previous.instance not in (cluster.instance, *dead):
            await cluster.publish(room_id, "evict", role=peer.role)
        other = "console" if peer.role == "citizen" else "citizen"
        holder = seats.get(other)
        if holder is not None and holder.instance not in (cluster.instance, *dead):
            self._pending_remote[(room_id, peer.role)] = {other: holder.instance}
        return True

    async def deliver(self, envelope: dict[str, Any]) -> None:
        """An envelope from another instance (see ``gateway.cluster``)."""
        room = self.rooms.get(str(envelope.get("r")))
        if room is None:
            return
        kind, role = envelope.get("k"), str(envelope.get("role", ""))
        if kind == "msg":
            target = room.peers.get(role)
            if target is not None and isinstance(envelope.get("m"), dict):
                await send(target.ws, envelope["m"])
        elif kind == "joined" and role in ("console", "citizen"):
            room.remote[role] = str(envelope.get("i"))
            other = room.other(role)
            if other is not None:
                await send(other.ws, {"type": "peer_joined", "role": role})
        elif kind == "left" and room.remote.get(role) == envelope.get("i"):
            await self._remote_left(room, role, str(envelope.get("i")))
        elif kind == "evict" and role in room.peers:
            peer = room.peers.pop(role)
            message = "已在其他页面重新进入视频"
            frame = {"type": "error", "code": "replaced", "message": message}
            await peer.evict(CLOSE_REPLACED, "replaced", message, frame)

    async def _remote_left(self, room: Room, role: str, instance: str) -> None:
        if room.remote.get(role) != instance:
            return
        del room.remote[role]
        other = room.other(role)
        if other is not None:
            await send(other.ws, {"type": "peer_left", "role": role})

    async def _citizen_gone(self, room: Room) -> None:
        if "citizen" not in room.peers:  # not back already
            await self._mark_citizen(room.room_id, None)

    async def _mark_citizen(self, room_id: str, since: datetime | None) -> None:
        """Presence for the console's "当事人已在等候" (``rooms.waiting_since``)."""

        def work() -> None:
            with transaction(self.gateway.factory) as s:
                rooms.mark_citizen(s, room_id, since)

        try:
            await self.gateway.db(work)
        except Exception:  # presence is informative; the call itself must go on
            log.warning("could not record citizen presence", exc_info=True)

    async def leave(self, room: Room, peer: Peer) -> None:
        if room.peers.get(peer.role) is peer:
            del room.peers[peer.role]
            if peer.role == "citizen":  # in the background: the handler may be cancelled
                self._background(self._citizen_gone(room))
            if self.cluster is not None:
                self._background(self._release_shared_seat(room, peer))
            other = room.other(peer.role)
            if other is not None:
                await send(other.ws, {"type": "peer_left", "role": peer.role})

    async def _release_shared_seat(self, room: Room, peer: Peer) -> None:
        cluster = self.cluster
        assert cluster is not None

        def work() -> None:
            with transaction(self.gateway.factory) as s:
                shared.release_seat(s, room.room_id, peer.role, cluster.instance, peer.code_id)

        try:
            await self.gateway.db(work)
            await cluster.publish(room.room_id, "left", role=peer.role)
        except Exception:
            log.warning("could not release a shared seat", exc_info=True)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def forward(self, room: Room, peer: Peer, relayed: dict[str, Any]) -> None:
        other = room.other(peer.role)
        if other is not None and not other.ws.closed:
            await send(other.ws, relayed)
            return
        role = "console" if peer.role == "citizen" else "citizen"
        if self.cluster is not None and role in room.remote:
            try:
                await self.cluster.publish(room.room_id, "msg", role=role, m=relayed)
            except Exception:  # the database link is down: say so, keep the socket
                log.warning("could not relay to another instance", exc_info=True)
                message = "暂时无法转发消息，请稍后重试"
                await send(
                    peer.ws, {"type": "error", "code": "relay_unavailable", "message": message}
                )
            return
        await send(peer.ws, {"type": "error", "code": "peer_absent", "message": "对方尚未进入房间"})


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
    present = room.present("console" if peer.role == "citizen" else "citizen")
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
    if other is not None:
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
