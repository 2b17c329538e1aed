"""Helpers for hand-off tests: a seeded appointment and a spooled, hashed recording."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import run_in_transaction
from officer_console.store.db.models import AuditEvent, EvidenceFile
from officer_console.store.evidence import rows
from officer_console.video.recording_files import update_sidecar
from tests.support import builders


def runner(factory: sessionmaker[Session]) -> Callable[[Callable[[Session], Any]], Any]:
    return lambda work: run_in_transaction(factory, work)


def seed(factory: sessionmaker[Session], workstation: str = "ws-a") -> tuple[Actor, int]:
    def work(s: Session) -> tuple[Actor, int]:
        squad = builders.squad(s)
        officer = builders.officer(s, squad, "370102001")
        (appointment_id,) = builders.appointments(s, squad, 1)
        return builders.actor_for(officer, workstation), appointment_id

    return run_in_transaction(factory, work)


def spooled_recording(
    factory: sessionmaker[Session],
    actor: Actor,
    appointment_id: int,
    spool: Path,
    *,
    size: int = 256 * 1024,
    name: str = "appt-1.mp4",
) -> tuple[Path, int]:
    """A recording in the spool whose hash is stored (sidecar ``stored``), as at hang-up."""
    key = f"recordings/2026/12/{name}"
    path = spool / key
    path.parent.mkdir(parents=True, exist_ok=True)
    data = os.urandom(size)
    path.write_bytes(data)
    facts = rows.FileFacts(hashlib.sha256(data).hexdigest(), size, 12.5, datetime.now(UTC))
    target = rows.RecordingTarget(appointment_id)
    evidence_id = run_in_transaction(
        factory, lambda s: rows.record_stop(s, actor, target, key, facts)
    )
    update_sidecar(path, status="stored", evidence_id=evidence_id, appointment_id=appointment_id)
    return path, evidence_id


def evidence_row(factory: sessionmaker[Session], evidence_id: int) -> EvidenceFile:
    with factory() as s:
        row = s.get(EvidenceFile, evidence_id)
        assert row is not None
        s.expunge(row)
        return row


def actions(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as s:
        found = list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for event in found:
            s.expunge(event)
        return found
