"""Database side of a recording: audit rows and the hashed ``EvidenceFile``.

Small functions of a ``Session`` so they run through the console's op runner (one DB thread,
one transaction each); the audit row commits with the change it describes (SECURITY.md).
Paths are stored relative to the evidence store so a moved data directory still verifies.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from officer_console.store import audit
from officer_console.store.audit import Actor
from officer_console.store.models import EvidenceFile
from officer_console.video.recorder import RecordingResult, sha256_file

KIND = "recording"


@dataclass(frozen=True)
class RecordingTarget:
    """Whom a recording belongs to: always an appointment, a case once one is accepted."""

    appointment_id: int
    case_id: int | None = None

    @property
    def entity(self) -> tuple[str, int]:
        if self.case_id is not None:
            return "case", self.case_id
        return "appointment", self.appointment_id


def relative_path(path: Path, evidence_dir: Path) -> str:
    try:
        return path.resolve().relative_to(evidence_dir.resolve()).as_posix()
    except ValueError:
        return str(path)


def record_start(
    session: Session,
    actor: Actor,
    target: RecordingTarget,
    path: Path,
    evidence_dir: Path,
    *,
    at: datetime | None = None,
) -> None:
    entity_type, entity_id = target.entity
    audit.record(
        session,
        actor,
        "recording.start",
        entity_type=entity_type,
        entity_id=entity_id,
        detail={"file": relative_path(path, evidence_dir), "appointment": target.appointment_id},
        at=at,
    )


def record_stop(
    session: Session,
    actor: Actor,
    target: RecordingTarget,
    result: RecordingResult,
    evidence_dir: Path,
) -> int:
    """Store the hashed file and audit stop + hash; returns the ``EvidenceFile`` id."""
    entity_type, entity_id = target.entity
    row = EvidenceFile(
        case_id=target.case_id,
        appointment_id=target.appointment_id,
        kind=KIND,
        path=relative_path(result.path, evidence_dir),
        sha256=result.sha256,
        size=result.size,
        duration_s=round(result.duration_s, 3),
        created_at=result.ended_at,
    )
    session.add(row)
    session.flush()
    detail = result.detail()
    audit.record(
        session,
        actor,
        "recording.stop",
        entity_type=entity_type,
        entity_id=entity_id,
        detail={
            "evidence_id": row.id,
            "duration_s": detail["duration_s"],
            "gaps": detail["gaps"],
            "dropped": detail["dropped"],
        },
        at=result.ended_at,
    )
    audit.record(
        session,
        actor,
        "recording.hash",
        entity_type="evidence",
        entity_id=row.id,
        detail={"sha256": result.sha256, "size": result.size, "file": row.path},
        at=result.ended_at,
    )
    return row.id


def verify_evidence(row: EvidenceFile, evidence_dir: Path) -> bool:
    """Re-hash a stored file; False when it is missing or changed."""
    path = Path(row.path)
    if not path.is_absolute():
        path = evidence_dir / path
    try:
        return path.stat().st_size == row.size and sha256_file(path) == row.sha256
    except OSError:
        return False
