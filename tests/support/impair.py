"""A user-space network impairer on this machine: what a phone on 4G does to a call, reproducibly.

This kernel has no ``netem`` (FACTS.md), so loss, delay ± jitter, a rate cap, an outage and an
address change are made here: a UDP forwarder that sits between two WebRTC peers. Each peer's
ICE candidate in the SDP is rewritten (:meth:`Impairer.rewrite`, through
:class:`ImpairedSignaling`) to one of the forwarder's ports, so every packet either way passes
through :meth:`Impairer.forward` — seeded, so a failing run can be repeated exactly. The ports
are on the machine's own address, not 127.0.0.1: Chromium ignores loopback candidates unless
started with ``--allow-loopback-in-peer-connection``; this way any browser works unchanged.

One :class:`Path` is one candidate pair: port ``a`` stands for peer B (A sends there) and port
``b`` stands for peer A. A packet from A arriving at ``a`` leaves from ``b`` towards B, so each
peer always sees the other at the address its candidate named. ``change_address()`` kills the
current paths for good (Wi-Fi gone) and the next SDP gets fresh ports (the phone's 4G address):
only a new ICE negotiation can bring media back.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

_CANDIDATE = re.compile(
    r"^a=candidate:(\S+) (\d) (udp|UDP) (\d+) (\S+) (\d+) typ (host|srflx|prflx|relay)(.*)$"
)


@dataclass
class Conditions:
    """What the network does now; change fields at any time (the next packet sees them)."""

    loss: float = 0.0  # probability a packet is dropped
    delay_ms: float = 0.0  # one way, each direction
    jitter_ms: float = 0.0  # uniform ± around the delay (reorders packets, as radio links do)
    rate_kbps: float | None = None  # per direction; excess waits in a queue, then is dropped
    queue_ms: float = 300.0  # the cap's queue: packets that would wait longer are dropped
    down: bool = False  # an outage: everything is dropped


UNSET = ("", 0)  # the answerer's address, until its SDP arrives


@dataclass
class DirectionStats:
    forwarded: int = 0
    dropped: int = 0
    bytes: int = 0
    byte_log: list[tuple[float, int]] = field(default_factory=list, repr=False)  # (t, size)
    offered_log: list[tuple[float, int]] = field(default_factory=list, repr=False)  # all sent

    def kbps(self, since: float, until: float | None = None, *, offered: bool = False) -> float:
        """Rate forwarded (or, ``offered``, what the sender put on the wire) in a window."""
        end = until if until is not None else time.monotonic()
        log = self.offered_log if offered else self.byte_log
        total = sum(n for t, n in log if since <= t <= end)
        return total * 8 / 1000 / max(end - since, 1e-6)


class _Port(asyncio.DatagramProtocol):
    def __init__(self, path: Path, side: str) -> None:
        self.path, self.side = path, side
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.path.received(self.side, data, (str(addr[0]), int(addr[1])))


class Path:
    """Forwards between peer A (real address ``a_real``) and peer B (``b_real``)."""

    def __init__(self, impairer: Impairer, a_real: tuple[str, int], b_real: tuple[str, int]):
        self.impairer = impairer
        self.real = {"a": a_real, "b": b_real}
        self.ports: dict[str, _Port] = {}
        self.dead = False

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        for side in ("a", "b"):
            transport, proto = await loop.create_datagram_endpoint(
                lambda side=side: _Port(self, side),  # type: ignore[misc]
                local_addr=(self.impairer.host, 0),
            )
            proto.transport = transport
            self.ports[side] = proto

    def port(self, side: str) -> int:
        transport = self.ports[side].transport
        assert transport is not None
        return int(transport.get_extra_info("sockname")[1])

    def received(self, side: str, data: bytes, _src: tuple[str, int]) -> None:
        # Arrived at port "a" = sent by A towards B: leaves from port "b" to B's real address.
        direction = "a->b" if side == "a" else "b->a"
        out, to = ("b", self.real["b"]) if side == "a" else ("a", self.real["a"])
        if self.dead or to[1] == 0:
            self.impairer.stats[direction].dropped += 1
            return
        self.impairer.forward(direction, data, self.ports[out], to)

    def close(self) -> None:
        for proto in self.ports.values():
            if proto.transport is not None:
                proto.transport.close()


def local_address() -> str:
    """The machine's own IPv4 address (browsers ignore loopback candidates), else loopback."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent, the route picks the address
        address = str(s.getsockname()[0])
        if not address.startswith("127."):
            return address
    return "127.0.0.1"


class Impairer:
    """Owns the paths and the seeded schedule; ``a`` is the first SDP's sender (the citizen)."""

    def __init__(self, seed: int = 1, conditions: Conditions | None = None) -> None:
        self.rng = random.Random(seed)
        self.host = local_address()
        self.conditions = conditions or Conditions()
        self.paths: list[Path] = []
        self.stats = {"a->b": DirectionStats(), "b->a": DirectionStats()}
        self._busy_until = {"a->b": 0.0, "b->a": 0.0}  # the rate cap's queue, per direction
        self._pending: dict[tuple[str, int], Path] = {}  # a's real address → its path
        self._handles: dict[object, asyncio.TimerHandle] = {}

    # --- schedule ---------------------------------------------------------------------------
    def forward(self, direction: str, data: bytes, port: _Port, to: tuple[str, int]) -> None:
        c, stats, now = self.conditions, self.stats[direction], time.monotonic()
        stats.offered_log.append((now, len(data)))
        if c.down or (c.loss and self.rng.random() < c.loss):
            stats.dropped += 1
            return
        send_at = now
        if c.rate_kbps:
            start = max(now, self._busy_until[direction])
            if start - now > c.queue_ms / 1000:
                stats.dropped += 1  # the queue is full: tail drop
                return
            self._busy_until[direction] = start + len(data) * 8 / (c.rate_kbps * 1000)
            send_at = self._busy_until[direction]
        delay = c.delay_ms + (self.rng.uniform(-c.jitter_ms, c.jitter_ms) if c.jitter_ms else 0)
        send_at += max(delay, 0.0) / 1000
        stats.forwarded += 1
        stats.bytes += len(data)
        stats.byte_log.append((now, len(data)))
        wait = send_at - now
        if wait <= 0.0005:
            self._send(port, data, to)
            return
        loop = asyncio.get_running_loop()
        key = object()
        self._handles[key] = loop.call_later(wait, self._send_later, key, port, data, to)

    def _send_later(self, key: object, port: _Port, data: bytes, to: tuple[str, int]) -> None:
        self._handles.pop(key, None)
        self._send(port, data, to)

    @staticmethod
    def _send(port: _Port, data: bytes, to: tuple[str, int]) -> None:
        if port.transport is not None and not port.transport.is_closing():
            port.transport.sendto(data, to)

    async def outage(self, seconds: float) -> None:
        """Nothing passes for ``seconds`` (a tunnel, a lift, a car park)."""
        self.conditions.down = True
        try:
            await asyncio.sleep(seconds)
        finally:
            self.conditions.down = False

    def change_address(self) -> None:
        """The phone left Wi-Fi: its current paths die; the next offer gets new ports."""
        for path in self.paths:
            path.dead = True
        self._pending.clear()

    # --- SDP --------------------------------------------------------------------------------
    async def rewrite(self, sdp: str, sender: str) -> str:
        """Point ``sender``'s (``a``/``b``) UDP candidates at forwarder ports.

        Only the first IPv4 UDP host candidate is kept (one path per negotiation; TCP, IPv6
        and other interfaces would bypass the forwarder). The offerer's candidate opens a
        pending path; the answerer's completes it.
        """
        chosen: tuple[str, int] | None = None
        out = []
        for line in sdp.splitlines():
            found = _CANDIDATE.match(line)
            if found is None:
                if not line.startswith("a=candidate:"):
                    out.append(line)
                continue
            foundation, comp, proto, prio, ip, port, typ, rest = found.groups()
            if ":" in ip or typ != "host" or ip.endswith(".local") or comp != "1":
                continue
            chosen = chosen or (ip, int(port))
            if (ip, int(port)) != chosen:
                continue
            address = await self._port_for(sender, chosen)
            if address is None:
                continue
            out.append(
                f"a=candidate:{foundation} {comp} {proto} {prio} {self.host} {address} typ host{rest}"
            )
        return "\r\n".join(out) + "\r\n"

    async def _port_for(self, sender: str, real: tuple[str, int]) -> int | None:
        """The forwarder port that stands for ``real`` towards the other peer."""
        if sender == "a":
            path = self._pending.get(real)
            if path is None:
                path = Path(self, real, UNSET)
                await path.open()
                self.paths.append(path)
                self._pending[real] = path
            return path.port("b")  # B sends to A through port "b"
        for path in reversed(self.paths):
            if not path.dead and path.real["b"] in {real, UNSET}:
                path.real["b"] = real
                return path.port("a")
        return None

    def close(self) -> None:
        for handle in self._handles.values():
            handle.cancel()
        self._handles.clear()
        for path in self.paths:
            path.close()


class ImpairedSignaling:
    """Wraps the console's signaling channel: SDP either way is rewritten to cross the impairer.

    The citizen (the offerer) is ``a``, the console ``b``. Wrapping only the console's end
    works for any citizen — the synthetic one or Chromium behind the gateway. Trickled
    candidates are dropped: both peers put every candidate in the SDP (as the page does).
    """

    def __init__(self, inner: Any, impairer: Impairer) -> None:
        self.inner, self.impairer = inner, impairer

    async def send(self, message: dict[str, Any]) -> None:
        if message.get("type") in {"offer", "answer"}:
            message = {**message, "sdp": await self.impairer.rewrite(message["sdp"], "b")}
        elif message.get("type") == "candidate":
            return
        await self.inner.send(message)

    async def receive(self) -> dict[str, Any] | None:
        while True:
            message: dict[str, Any] | None = await self.inner.receive()
            if message is None or message.get("type") != "candidate":
                break
        if message is not None and message.get("type") in {"offer", "answer"}:
            message = {**message, "sdp": await self.impairer.rewrite(message["sdp"], "a")}
        return message

    async def close(self) -> None:
        await self.inner.close()


def frozen_time(paint_times: Iterable[float], threshold: float = 0.2) -> float:
    """Seconds spent on pictures shown longer than ``threshold`` (a freeze), Chromium-style:
    every inter-frame interval above max(3 × the median interval, ``threshold``) counts whole."""
    times = sorted(paint_times)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    if not gaps:
        return 0.0
    median = sorted(gaps)[len(gaps) // 2]
    limit = max(3 * median, threshold)
    return sum(g for g in gaps if g > limit)


@contextlib.asynccontextmanager
async def impaired(seed: int = 1, **conditions: Any) -> Any:
    """``async with impaired(loss=0.02) as net:`` — closed (ports, timers) afterwards."""
    net = Impairer(seed, Conditions(**conditions))
    try:
        yield net
    finally:
        net.close()
