"""Token-protected download of a served decision: delivered once with time, 404 otherwise."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import Settings
from officer_console.store.delivery import hash_token
from officer_console.store.engine import transaction
from officer_console.store.models import AuditEvent, Case, Decision, EvidenceFile, ServiceRecord
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
