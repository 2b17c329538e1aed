"""Token-protected download of a served decision: delivered once with time, 404 otherwise."""

from __future__ import annotations

import asyncio
import hashlib
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, Case, Decision, EvidenceFile, ServiceRecord
from officer_console.store.evidence.delivery import hash_token
from tests.gateway.calls import claimed_call
from tests.gateway.world import NOW, Clock, World

pytestmark = pytest.mark.asyncio
TOKEN = "Zq3-tokentokentokentoken_0123456789"
PDF = b"%PDF-1.4\n% decision\n%%EOF\n"


def served(
    factory: sessionmaker[Session], world: World, settings: Settings, *, sent: bool = True
) -> int:
    call = claimed_call(factory, world.squad_id)
    path = settings.evidence_dir / "decisions" / "d1.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    with transaction(factory) as s:
        case = Case(
            appointment_id=call.appointment_id,
            procedure="simple",
            lead_officer_id=call.actor.officer_id,
        )
        s.add(case)
        s.flush()
        ev = EvidenceFile(
            case_id=case.id,
            kind="decision",
            path="decisions/d1.pdf",
            sha256=hashlib.sha256(PDF).hexdigest(),
            size=len(PDF),
        )
        s.add(ev)
        s.flush()
        decision = Decision(
            case_id=case.id,
            number="37010220250000001",
            unit_code="370102",
            year=2025,
            serial=1,
            evidence_id=ev.id,
        )
        s.add(decision)
        s.flush()
        record = ServiceRecord(
            decision_id=decision.id,
            channel="sms",
            address="138****0000",
            consent=True,
            token_hash=hash_token(TOKEN),
            officer_id=call.actor.officer_id or 0,
            sent_at=NOW if sent else None,
        )
        s.add(record)
        s.flush()
        return record.id


async def test_download_records_first_delivery(
    client: TestClient,
    factory: sessionmaker[Session],
    world: World,
    settings: Settings,
    clock: Clock,
) -> None:
    record_id = served(factory, world, settings)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 200 and resp.content_type == "application/pdf"
    assert await resp.read() == PDF
    first = NOW
    assert await settled(factory, record_id, (NOW, 1))  # recorded once the peer acknowledged
    clock.now = NOW + timedelta(hours=1)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 200
    with factory() as s:
        record = s.get(ServiceRecord, record_id)
        assert record is not None and record.delivered_at == first
        assert s.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "document.download")
        ).all()


@pytest.mark.parametrize(
    "token", ["unknown-token-unknown-token", "short", "a" * 200, "..%2F..%2Fetc"]
)
async def test_unknown_tokens_are_404_json(
    client: TestClient, factory: sessionmaker[Session], world: World, settings: Settings, token: str
) -> None:
    served(factory, world, settings)
    resp = await client.get(f"/api/v1/documents/{token}")
    assert resp.status == 404 and (await resp.json())["error"]["code"] in (
        "document_not_found",
        "not_found",
    )


async def test_expired_unsent_and_tampered(
    client: TestClient,
    factory: sessionmaker[Session],
    world: World,
    settings: Settings,
    clock: Clock,
) -> None:
    served(factory, world, settings)
    clock.now = NOW + timedelta(days=91)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 404
    clock.now = NOW
    (settings.evidence_dir / "decisions" / "d1.pdf").write_bytes(PDF + b"tampered")
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "document_integrity"
    (settings.evidence_dir / "decisions" / "d1.pdf").unlink()
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "document_missing"


async def test_not_yet_sent_is_404(
    client: TestClient,
    factory: sessionmaker[Session],
    world: World,
    settings: Settings,
    tmp_path: Path,
) -> None:
    served(factory, world, settings, sent=False)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 404


def downloads(factory: sessionmaker[Session], record_id: int) -> tuple[object, int]:
    """(delivered_at, number of document.download audit rows) of the service record."""
    with factory() as s:
        record = s.get(ServiceRecord, record_id)
        assert record is not None
        rows = s.scalars(
            select(AuditEvent.id).where(AuditEvent.action == "document.download")
        ).all()
        return record.delivered_at, len(rows)


async def settled(
    factory: sessionmaker[Session], record_id: int, expected: tuple[object, int]
) -> bool:
    """Delivery is recorded after the response ends; wait (bounded) for the expected state."""
    for _ in range(200):
        if downloads(factory, record_id) == expected:
            return True
        await asyncio.sleep(0.025)
    return False


async def test_head_is_not_delivery(
    client: TestClient, factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    record_id = served(factory, world, settings)
    resp = await client.head(f"/api/v1/documents/{TOKEN}")
    assert resp.status == 200 and resp.headers["Content-Length"] == str(len(PDF))
    assert resp.headers["Accept-Ranges"] == "bytes" and "X-Delivered-At" not in resp.headers
    assert await resp.read() == b""
    assert downloads(factory, record_id) == (None, 0)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")  # the citizen then opens it
    assert await resp.read() == PDF
    assert await settled(factory, record_id, (NOW, 1))


async def test_partial_range_is_not_delivery_whole_range_is(
    client: TestClient, factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    record_id = served(factory, world, settings)
    resp = await client.get(f"/api/v1/documents/{TOKEN}", headers={"Range": "bytes=0-7"})
    assert resp.status == 206 and await resp.read() == PDF[:8]
    assert resp.headers["Content-Range"] == f"bytes 0-7/{len(PDF)}"
    resp = await client.get(f"/api/v1/documents/{TOKEN}", headers={"Range": "bytes=-5"})
    assert resp.status == 206 and await resp.read() == PDF[-5:]
    resp = await client.get(f"/api/v1/documents/{TOKEN}", headers={"Range": "bytes=999-"})
    assert resp.status == 416 and resp.headers["Content-Range"] == f"*/{len(PDF)}"
    assert (await resp.json())["error"]["code"] == "range_not_satisfiable"
    assert downloads(factory, record_id) == (None, 0)
    resp = await client.get(f"/api/v1/documents/{TOKEN}", headers={"Range": "bytes=0-"})
    assert resp.status == 206 and await resp.read() == PDF  # every byte: that is delivery
    assert await settled(factory, record_id, (NOW, 1))


async def test_aborted_transfer_is_not_delivery(
    client: TestClient, factory: sessionmaker[Session], world: World, settings: Settings
) -> None:
    """A reader that takes the headers and hangs up (a scanner) leaves no delivery."""
    record_id = served(factory, world, settings)
    big = PDF + b"%" + b"x" * (12 * 1024 * 1024)
    (settings.evidence_dir / "decisions" / "d1.pdf").write_bytes(big)
    with transaction(factory) as s:
        for ev in s.scalars(select(EvidenceFile)):
            ev.sha256, ev.size = hashlib.sha256(big).hexdigest(), len(big)
    port = client.server.port
    assert port is not None
    reader, writer = await open_small_window("127.0.0.1", port)
    writer.write(f"GET /api/v1/documents/{TOKEN} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and str(len(big)).encode() in head
    await reader.readexactly(4096)  # a little of the body, then hang up
    writer.transport.abort()
    await asyncio.sleep(1.0)  # the server notices the reset
    assert downloads(factory, record_id) == (None, 0)
    resp = await client.get(f"/api/v1/documents/{TOKEN}")  # a complete transfer still counts
    assert await resp.read() == big
    assert await settled(factory, record_id, (NOW, 1))


async def open_small_window(
    host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A client socket with a tiny receive buffer, so the server cannot push the whole body."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, (host, port))
    return await asyncio.open_connection(sock=sock)
