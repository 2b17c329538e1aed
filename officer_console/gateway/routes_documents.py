"""Download of a served decision PDF — and when that download counts as legal delivery.

The delivery time starts statutory periods, so only a **completed transfer of the whole
document to the citizen** is recorded (``service_records.delivered_at``, first time, plus a
``document.download`` audit row each time). Nothing is recorded for:

- ``HEAD`` (link scanners in SMS apps send these): headers only;
- a ``Range`` request for part of the file (``206``); a range that covers every byte counts;
- a transfer the client aborts: the body is streamed, and delivery is recorded only after
  the last byte left this process and the peer's TCP stack acknowledged all of it (Linux
  ``SIOCOUTQ`` — the kernel's count of sent but unacknowledged bytes reaches 0). A peer that
  closes or resets before that leaves no record.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import re
import socket
import struct
import termios
import time

from aiohttp import web

from officer_console.gateway import models
from officer_console.gateway.errors import ApiError
from officer_console.gateway.parsing import path
from officer_console.gateway.state import GATEWAY, Gateway, limit
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.evidence import delivery
from officer_console.store.gateway.booking import citizen_actor

log = logging.getLogger("officer_console.gateway")

CHUNK = 64 * 1024
#: how long the peer may take to acknowledge the last bytes before the transfer counts as
#: not completed (a slow mobile link acknowledges ~1 MiB well within this)
ACK_TIMEOUT = 30.0
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_SIOCOUTQ = getattr(termios, "TIOCOUTQ", 0x5411)


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` of a single ``bytes=`` range, None for the whole file.

    A syntactically invalid or multi-range header is ignored (the whole file is sent, as RFC
    9110 allows); an unsatisfiable one is a 416."""
    if not header:
        return None
    found = _RANGE.fullmatch(header.strip())
    if found is None or not (found[1] or found[2]):
        return None
    if found[1]:
        first = int(found[1])
        last = min(int(found[2]), size - 1) if found[2] else size - 1
    else:  # suffix: the last N bytes
        first, last = max(size - int(found[2]), 0), size - 1
    if first >= size or last < first:
        raise ApiError(416, "range_not_satisfiable", "请求的范围无效", content_range=f"*/{size}")
    return first, last


def _unacknowledged(sock: socket.socket | None) -> int:
    """Bytes the kernel sent (or holds) that the peer has not acknowledged; 0 if unknown."""
    if sock is None:
        return 0
    try:
        raw = fcntl.ioctl(sock.fileno(), _SIOCOUTQ, b"\0\0\0\0")
    except OSError:
        return -1  # closed under us
    return int(struct.unpack("i", raw)[0])


async def _acknowledged(request: web.Request) -> bool:
    """Wait until every byte written is acknowledged by the peer; False if it went away."""
    transport = request.transport
    deadline = time.monotonic() + ACK_TIMEOUT
    while time.monotonic() < deadline:
        if transport is None or transport.is_closing():
            return False
        if transport.get_write_buffer_size() == 0:
            left = _unacknowledged(transport.get_extra_info("socket"))
            if left == 0:
                return not transport.is_closing()
            if left < 0:
                return False
        await asyncio.sleep(0.01)
    return False


async def document(request: web.Request) -> web.StreamResponse:
    limit(request, "read_per_ip")
    gateway: Gateway = request.app[GATEWAY]
    token = path(request, models.TokenPath).token
    now = gateway.now()

    def load() -> delivery.ServedDocument:
        with read_session(gateway.factory) as s:
            return delivery.load_document(s, token, now=now, store=gateway.evidence_store)

    served = await gateway.db(load)
    size = len(served.data)
    wanted = byte_range(request.headers.get("Range"), size)
    first, last = wanted or (0, size - 1)
    response = web.StreamResponse(status=206 if wanted else 200)
    response.content_type = "application/pdf"
    response.content_length = last - first + 1
    response.headers.update(
        {
            "Content-Disposition": 'inline; filename="decision.pdf"',
            "Accept-Ranges": "bytes",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        }
    )
    if wanted:
        response.headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if served.delivered_at is not None:
        response.headers["X-Delivered-At"] = served.delivered_at.isoformat()
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    try:
        for start in range(first, last + 1, CHUNK):
            await response.write(served.data[start : min(start + CHUNK, last + 1)])
        await response.write_eof()
    except (ConnectionError, RuntimeError):  # the citizen went away mid-transfer
        return response
    if first == 0 and last == size - 1 and await _acknowledged(request):
        await _record(gateway, served)
    return response


async def _record(gateway: Gateway, served: delivery.ServedDocument) -> None:
    when = gateway.now()

    def work() -> None:
        with transaction(gateway.factory) as s:
            delivery.record_delivery(s, served, now=when, actor=citizen_actor())

    try:
        await gateway.db(work)
    except Exception:  # the citizen has the file; a lost record is logged for the officer
        log.exception("delivery of decision %s not recorded", served.number)


def setup(app: web.Application) -> None:
    app.router.add_get("/api/v1/documents/{token}", document)
