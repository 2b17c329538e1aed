"""Several gateway instances on one PostgreSQL: signaling relayed through LISTEN/NOTIFY.

Every instance LISTENs on one channel; an envelope names the room, the sending instance and
what happened — a relayed message for a role (``msg``), a seat taken (``joined``) or left
(``left``), or a seat taken over by a fresher citizen code (``evict``). Envelopes larger
than NOTIFY's payload limit (8000 bytes) are stored in ``signal_payloads`` and the notice
carries only the row id; the listener handles notices one at a time, so a large offer is
never overtaken by the small candidates after it.

Liveness: each instance holds a session advisory lock on its own key on the listening
connection. If the process dies, PostgreSQL drops the connection and the lock; another
instance that can take the lock knows the holder is gone and may take its seats over.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from sqlalchemy.engine import Engine

from officer_console.gateway.state import Gateway
from officer_console.store.db.engine import transaction
from officer_console.store.gateway import shared

log = logging.getLogger("officer_console.gateway.cluster")

CHANNEL = "oc_gateway_signal"
MAX_NOTIFY = 7900  # bytes; PostgreSQL refuses payloads of 8000 bytes and more
Envelope = dict[str, Any]


def instance_key(instance: str) -> int:
    digest = hashlib.sha256(f"oc-gateway-instance:{instance}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def conninfo_of(engine: Engine) -> str:
    url = engine.url.set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class Cluster:
    """The instance's link to the others: publish envelopes, receive theirs, check liveness."""

    def __init__(self, gateway: Gateway, conninfo: str) -> None:
        self.gateway = gateway
        self.conninfo = conninfo
        self.instance = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"
        self._listen: psycopg.AsyncConnection[Any] | None = None
        self._send: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._deliver: Callable[[Envelope], Awaitable[None]] | None = None
        self._dead: set[str] = set()

    async def start(self, deliver: Callable[[Envelope], Awaitable[None]]) -> None:
        self._deliver = deliver
        await self._connect()
        self._task = asyncio.create_task(self._listen_forever())

    async def _connect(self) -> None:
        """Open both connections, or none: one opened before a failure or a cancellation
        (a reconnect cut short by close()) is closed here, never left to the garbage collector."""
        opened: list[psycopg.AsyncConnection[Any]] = []
        try:
            listen = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            opened.append(listen)
            await listen.execute("SELECT pg_advisory_lock(%s)", (instance_key(self.instance),))
            await listen.execute(f"LISTEN {CHANNEL}")
            send = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
            opened.append(send)
            # A NOTIFY-only transaction has nothing to make durable, but PostgreSQL holds its
            # global notify lock across the commit's WAL flush: without this, every relayed
            # message waited for an fsync, serialised with every other notifier.
            await send.execute("SET synchronous_commit TO off")
        except BaseException:
            for conn in opened:
                with contextlib.suppress(Exception):
                    await conn.close()
            raise
        self._listen, self._send = listen, send

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for conn in (self._listen, self._send):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _listen_forever(self) -> None:
        while True:
            try:
                assert self._listen is not None
                async for notice in self._listen.notifies():
                    await self._handle(notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("signal listener lost its connection; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)
                with contextlib.suppress(Exception):
                    await self.close_connections()
                    await self._connect()

    async def close_connections(self) -> None:
        for conn in (self._listen, self._send):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()

    async def _handle(self, payload: str) -> None:
        try:
            envelope = json.loads(payload)
            if envelope.get("i") == self.instance:
                return
            if "ref" in envelope:
                ref = int(envelope["ref"])

                def fetch() -> str | None:
                    with transaction(self.gateway.factory) as s:
                        return shared.fetch_payload(s, ref)

                body = await self.gateway.db(fetch)
                if body is None:
                    return
                envelope = json.loads(body)
            if self._deliver is not None:
                await self._deliver(envelope)
        except Exception:  # one bad notice must not stop the listener
            log.warning("could not handle a signal notice", exc_info=True)

    async def publish(self, room_id: str, kind: str, **fields: Any) -> None:
        envelope = {"i": self.instance, "r": room_id, "k": kind, **fields}
        text = json.dumps(envelope, ensure_ascii=False)
        if len(text.encode("utf-8", "replace")) > MAX_NOTIFY:
            now = self.gateway.now()

            def store() -> int:
                with transaction(self.gateway.factory) as s:
                    return shared.store_payload(s, room_id, text, now)

            ref = await self.gateway.db(store)
            text = json.dumps({"i": self.instance, "r": room_id, "ref": ref})
        assert self._send is not None
        await self._send.execute("SELECT pg_notify(%s, %s)", (CHANNEL, text))

    async def alive(self, instance: str) -> bool:
        """Whether ``instance`` still holds its liveness lock (its process is up)."""
        if instance == self.instance:
            return True
        if instance in self._dead:
            return False
        assert self._send is not None
        key = instance_key(instance)
        cur = await self._send.execute("SELECT pg_try_advisory_lock(%s)", (key,))
        row = await cur.fetchone()
        if row is not None and row[0]:
            await self._send.execute("SELECT pg_advisory_unlock(%s)", (key,))
            self._dead.add(instance)
            return False
        return True
