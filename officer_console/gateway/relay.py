"""The rooms of one gateway process: who sits where, relaying, and the sweep.

With several instances on one PostgreSQL (``gateway.cluster``) **the seats in the database
(``room_seats``) are the truth**; what an instance knows of the other side
(``Room.remote``) is a cache of them, kept current three ways:

1. a hello first creates the local room object, then takes its seat (committed), then reads
   the other seat: a "joined" notice of the other instance either arrives while the room
   object exists, or was sent after a commit that the read sees — none is lost;
2. notices (``joined``/``left``/``evict``) update the cache as they arrive; a "joined" that
   reaches a room whose local peer is not welcomed yet is not forwarded (its welcome will say
   ``peer_present``), and a repeated one for the same seat is not forwarded twice;
3. every sweep reads the seats of all local rooms in one query and repairs the cache: a seat
   taken elsewhere → ``peer_joined``; a seat empty or held by a dead instance → ``peer_left``
   — decided by who holds the seat **now**, so a peer already back through this instance
   after the other one died is never reported as gone.
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

from aiohttp import web

from officer_console.gateway.cluster import Cluster
from officer_console.gateway.state import Gateway
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.gateway import rooms, shared

log = logging.getLogger("officer_console.gateway.signaling")

CLOSE_REPLACED, CLOSE_FULL, CLOSE_ENDED = 4000, 4409, 4410
ROLES = ("console", "citizen")


def other_role(role: str) -> str:
    return "console" if role == "citizen" else "citizen"


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
    #: its welcome went out: presence changes after that are told as peer_joined/peer_left
    welcomed: bool = False

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
    #: when that remote seat was taken (tells a re-seat from a repeated notice)
    remote_since: dict[str, datetime | None] = field(default_factory=dict)
    #: hellos under way (the sweep keeps the room object while > 0)
    joining: int = 0
    #: bumped on every change of ``remote`` (a sweep discards what it read before a change)
    generation: int = 0
    #: one presence write at a time, each writing what is true when it runs (see _sync_citizen)
    presence: asyncio.Lock = field(default_factory=asyncio.Lock)

    def present(self, role: str) -> bool:
        peer = self.peers.get(role)
        return (peer is not None and not peer.ws.closed) or role in self.remote

    def other(self, role: str) -> Peer | None:
        return self.peers.get(other_role(role))


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


def _parse_since(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


class Relay:
    """The rooms of this process and the sweep that ends expired or closed ones."""

    def __init__(self, gateway: Gateway, cluster: Cluster | None = None) -> None:
        self.gateway = gateway
        self.cluster = cluster
        self.rooms: dict[str, Room] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()

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
        for room in [r for r in self.rooms.values() if not r.peers and not r.joining]:
            self.rooms.pop(room.room_id, None)
        ids = list(self.rooms)
        if not ids:
            return
        cluster = self.cluster

        # only rooms with a seat not held here can have anything remote to repair
        partial = [rid for rid, room in self.rooms.items() if len(room.peers) < len(ROLES)]

        def work() -> tuple[dict[str, bool], dict[str, dict[str, shared.Seat]]]:
            with read_session(self.gateway.factory) as s:
                states = rooms.room_states(s, ids, now)
                seats = shared.seats_of_rooms(s, partial) if cluster is not None else {}
                return states, seats

        generations = {rid: self.rooms[rid].generation for rid in partial}
        states, seats = await self.gateway.db(work)
        for room_id, alive in states.items():
            live = self.rooms.get(room_id)
            if live is not None and (not alive or live.expires_at <= now):
                await self.end(live, "expired" if live.expires_at <= now else "ended")
        if cluster is not None:
            await self._reconcile_all(seats, generations)
            await self._prune(now)

    async def _prune(self, now: datetime) -> None:
        """Relayed large messages nobody will fetch any more."""

        def prune() -> None:
            with transaction(self.gateway.factory) as s:
                shared.prune_payloads(s, now)

        await self.gateway.db(prune)

    async def _reconcile_all(
        self, seats: dict[str, dict[str, shared.Seat]], generations: dict[str, int]
    ) -> None:
        """Repair every room's view of the other instances from the seats read just now."""
        cluster = self.cluster
        assert cluster is not None
        holders = {
            seat.instance
            for rid in generations
            for seat in seats.get(rid, {}).values()
            if seat.instance != cluster.instance
        } | {i for room in self.rooms.values() for i in room.remote.values()}
        alive = {i: await cluster.alive(i) for i in holders}
        for room_id, generation in generations.items():
            room = self.rooms.get(room_id)
            if room is None or room.generation != generation:
                continue  # changed by a notice while we read: that is newer than our read
            await self._reconcile(room, seats.get(room_id, {}), alive)

    async def _reconcile(
        self, room: Room, seats: dict[str, shared.Seat], alive: dict[str, bool]
    ) -> None:
        cluster = self.cluster
        assert cluster is not None
        for role in ROLES:
            if role in room.peers:
                room.remote.pop(role, None)  # held here: nothing remote about it
                continue
            seat = seats.get(role)
            if seat is not None and seat.instance != cluster.instance and alive.get(seat.instance):
                await self._remote_joined(room, role, seat.instance, seat.since)
            elif role in room.remote:
                await self._remote_left(room, role, room.remote[role])

    async def _remote_joined(
        self, room: Room, role: str, instance: str, since: datetime | None
    ) -> None:
        if room.remote.get(role) == instance and room.remote_since.get(role) == since:
            return  # already known: a repeated notice or a sweep that agrees
        room.remote[role], room.remote_since[role] = instance, since
        room.generation += 1
        other = room.other(role)
        if other is not None and other.welcomed:
            await send(other.ws, {"type": "peer_joined", "role": role})

    async def _remote_left(self, room: Room, role: str, instance: str) -> None:
        if room.remote.get(role) != instance:
            return
        del room.remote[role]
        room.remote_since.pop(role, None)
        room.generation += 1
        other = room.other(role)
        if other is not None and other.welcomed:
            await send(other.ws, {"type": "peer_left", "role": role})

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

        The room object exists before the shared seat is taken, so no notice about it is
        dropped; it is looked up again after every await (the room may have ended)."""
        room = self.rooms.setdefault(room_id, Room(room_id, info.appointment_id, info.expires_at))
        room.joining += 1
        try:
            seats: dict[str, shared.Seat] | None = {}
            if self._taken(room, peer) is None and self.cluster is not None:
                seats = await self._take_shared_seat(room_id, peer)
            room = self.rooms.setdefault(room_id, room)
            if seats is None or self._taken(room, peer) is not None:
                await refuse(peer.ws, CLOSE_FULL, "room_full", "该房间已有同一身份的参与者")
                return None
            current = room.peers.get(peer.role)
            room.peers[peer.role] = peer
            if room.remote.pop(peer.role, None) is not None:  # the seat is ours now
                room.remote_since.pop(peer.role, None)
                room.generation += 1
            if current is not None and not current.ws.closed:
                message = "已在其他页面重新进入视频"
                await current.evict(
                    CLOSE_REPLACED,
                    "replaced",
                    message,
                    {"type": "error", "code": "replaced", "message": message},
                )
            if self.cluster is not None:
                holder = seats.get(other_role(peer.role))
                if holder is not None and holder.instance != self.cluster.instance:
                    role = other_role(peer.role)
                    await self._remote_joined(room, role, holder.instance, holder.since)
        finally:
            room.joining -= 1
        if peer.role == "citizen":
            self._background(self._sync_citizen(room))
        if self.cluster is not None:
            since = peer.since.isoformat() if peer.since else None
            await self.cluster.publish(room.room_id, "joined", role=peer.role, since=since)
        return room

    async def _take_shared_seat(self, room_id: str, peer: Peer) -> dict[str, shared.Seat] | None:
        """The seat in ``room_seats``: refused (None) while a live instance holds it (unless
        a fresher citizen code). Returns the room's seats read after ours was taken, with
        holders on dead instances left out."""
        cluster = self.cluster
        assert cluster is not None
        now = peer.since or self.gateway.now()

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
            return None
        if previous is not None and previous.instance not in (cluster.instance, *dead):
            await cluster.publish(room_id, "evict", role=peer.role)
        after = await self.gateway.db(read)  # after our commit: see the note at the top
        return {
            role: seat
            for role, seat in after.items()
            if seat.instance == cluster.instance or await cluster.alive(seat.instance)
        }

    async def deliver(self, envelope: dict[str, Any]) -> None:
        """An envelope from another instance (see ``gateway.cluster``)."""
        room = self.rooms.get(str(envelope.get("r")))
        if room is None:
            return  # nobody here: a later hello reads the seats (see the module note)
        kind, role = envelope.get("k"), str(envelope.get("role", ""))
        instance = str(envelope.get("i"))
        if kind == "msg":
            target = room.peers.get(role)
            if target is not None and isinstance(envelope.get("m"), dict):
                await send(target.ws, envelope["m"])
        elif kind == "joined" and role in ROLES and role not in room.peers:
            await self._remote_joined(room, role, instance, _parse_since(envelope.get("since")))
        elif kind == "left":
            await self._remote_left(room, role, instance)
        elif kind == "evict" and role in room.peers:
            peer = room.peers.pop(role)
            message = "已在其他页面重新进入视频"
            frame = {"type": "error", "code": "replaced", "message": message}
            await peer.evict(CLOSE_REPLACED, "replaced", message, frame)

    async def _sync_citizen(self, room: Room) -> None:
        """Write the citizen's presence as it is when the write runs, one write at a time.

        A leave and a quick re-join each schedule one; without the lock and the late read, the
        leave's "gone" could commit after the re-join's arrival and mark a citizen who is on
        video as absent (the procedure then refuses its steps)."""
        async with room.presence:
            peer = room.peers.get("citizen")
            if peer is None and "citizen" in room.remote:
                return  # seated on another instance, which records it
            await self._mark_citizen(room.room_id, peer.since if peer is not None else None)

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
                self._background(self._sync_citizen(room))
            if self.cluster is not None:
                self._background(self._release_shared_seat(room, peer))
            other = room.other(peer.role)
            if other is not None and other.welcomed:  # else its welcome says who is there
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
        role = other_role(peer.role)
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
