"""Evidence rows: the hashed ``EvidenceFile`` of a recording or document, and its audit rows.

Small functions of a ``Session`` so they run through the console's op runner (one DB thread,
one transaction each); the audit row commits with the change it describes (SECURITY.md).
Paths are stored relative to the evidence store (they are the object's key in a shared store),
so a moved data directory or another workstation still finds the file.

``stored_in`` says where the verified copy lives: ``None`` while the file exists only in the
recording workstation's local spool, else the store's kind (``local``, ``path``, ``s3``)
once the copy there was read back or checksum-verified against ``sha256`` (:func:`mark_stored`).

Files are not touched here: the store layer imports neither Qt nor the video stack.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from officer_console.domain.masking import mask_text
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import AuditEvent, EvidenceFile
from officer_console.store.db.types import utcnow

KIND = "recording"
START, STOP, HASH = "recording.start", "recording.stop", "recording.hash"
RECOVERED, MISSING = "recording.recovered", "recording.missing"
STORED = "evidence.stored"

__all__ = [
    "HASH",
    "KIND",
    "MISSING",
    "RECOVERED",
    "START",
    "STOP",
    "STORED",
    "EvidenceReader",
    "FileFacts",
    "Ledger",
    "RecordingTarget",
    "Unfinished",
    "mark_stored",
    "record_document",
    "record_missing",
    "record_recovered",
    "record_start",
    "record_stop",
    "recording_ledger",
    "relative_path",
]


class EvidenceReader(Protocol):
    """What readers of evidence need from the evidence store (``officer_console.evidence_store``)."""

    def read(self, key: str) -> bytes: ...


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


@dataclass(frozen=True)
class FileFacts:
    """A recording file's hash, size, playable length and when it ended."""

    sha256: str
    size: int
    duration_s: float
    modified_at: datetime


def relative_path(path: Path, evidence_dir: Path) -> str:
    """The file's key in the store: its path below the evidence directory (POSIX)."""
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
        START,
        entity_type=entity_type,
        entity_id=entity_id,
        detail={"file": relative_path(path, evidence_dir), "appointment": target.appointment_id},
        at=at,
    )


def record_stop(
    session: Session,
    actor: Actor,
    target: RecordingTarget,
    file: str,
    facts: FileFacts,
    *,
    gaps: list[dict[str, Any]] | None = None,
    dropped: int = 0,
    ended_at: datetime | None = None,
) -> int:
    """Store the hashed file and audit stop + hash; returns the ``EvidenceFile`` id."""
    entity_type, entity_id = target.entity
    row = _add_row(session, target, file, facts)
    audit.record(
        session,
        actor,
        STOP,
        entity_type=entity_type,
        entity_id=entity_id,
        detail={
            "evidence_id": row.id,
            "duration_s": round(facts.duration_s, 3),
            "gaps": list(gaps or []),
            "dropped": dropped,
        },
        at=ended_at,
    )
    _audit_hash(session, actor, row, at=ended_at)
    return row.id


def _add_row(
    session: Session, target: RecordingTarget, file: str, facts: FileFacts
) -> EvidenceFile:
    row = EvidenceFile(
        case_id=target.case_id,
        appointment_id=target.appointment_id,
        kind=KIND,
        path=file,
        sha256=facts.sha256,
        size=facts.size,
        duration_s=round(facts.duration_s, 3),
        created_at=facts.modified_at,
    )
    session.add(row)
    session.flush()
    return row


def _audit_hash(
    session: Session, actor: Actor, row: EvidenceFile, *, at: datetime | None = None, **extra: Any
) -> None:
    audit.record(
        session,
        actor,
        HASH,
        entity_type="evidence",
        entity_id=row.id,
        detail={"sha256": row.sha256, "size": row.size, "file": row.path, **extra},
        at=at,
    )


def mark_stored(
    session: Session, actor: Actor, evidence_id: int, store_kind: str, *, method: str
) -> bool:
    """Record that the store holds a verified copy (``method``: how it was verified).

    Conditional on ``stored_in`` not already naming this store, so a retry after a lost answer
    neither audits twice nor fails (a row migrated as ``local`` moves on to the configured
    store); returns whether this call recorded it.
    """
    done = session.execute(
        update(EvidenceFile)
        .where(
            EvidenceFile.id == evidence_id,
            or_(EvidenceFile.stored_in.is_(None), EvidenceFile.stored_in != store_kind),
        )
        .values(stored_in=store_kind, stored_at=utcnow())
    )
    if not cast("CursorResult[Any]", done).rowcount:
        return False
    row = session.get(EvidenceFile, evidence_id)
    audit.record(
        session,
        actor,
        STORED,
        entity_type="evidence",
        entity_id=evidence_id,
        detail={
            "store": store_kind,
            "verified": method,
            "sha256": row.sha256 if row else None,
            "file": row.path if row else None,
        },
    )
    return True


def record_document(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    key: str,
    sha256: str,
    size: int,
    stored_in: str,
    case_id: int | None = None,
    appointment_id: int | None = None,
) -> int:
    """The row of a file written straight to the store (a document: ``put_bytes`` inside the
    same transaction's work function, before this): hashed, stored, audited; returns its id."""
    row = EvidenceFile(
        case_id=case_id,
        appointment_id=appointment_id,
        kind=kind,
        path=key,
        sha256=sha256,
        size=size,
        stored_in=stored_in,
        stored_at=utcnow(),
    )
    session.add(row)
    session.flush()
    _audit_hash(session, actor, row, store=stored_in)
    return row.id


# --- recovery of unfinished recordings -----------------------------------------------------


@dataclass(frozen=True)
class Unfinished:
    """A recording that was started but never stored."""

    file: str  # as audited: relative to the evidence store
    target: RecordingTarget
    started_at: datetime | None = None
    started_by: str = ""
    sidecar: str | None = None  # the sidecar's status; None when there is no sidecar


@dataclass
class Ledger:
    """This workstation's recent recording starts and what became of them."""

    started: dict[str, Unfinished] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)  # file → evidence id
    resolved: set[str] = field(default_factory=set)  # already audited recovered / missing


def _chain(workstation: str) -> str:
    """The audit chain of a workstation (as ``audit.record`` names it)."""
    return mask_text(workstation)[:64] or "unknown"


def _target(event: AuditEvent) -> RecordingTarget | None:
    detail = event.detail or {}
    try:
        appointment_id = int(detail["appointment"])
        case_id = int(event.entity_id) if event.entity_type == "case" else None
    except (KeyError, TypeError, ValueError):
        return None
    return RecordingTarget(appointment_id, case_id)


def recording_ledger(
    session: Session,
    workstation: str,
    files: Iterable[str] = (),
    *,
    before: datetime,
    limit: int = 500,
) -> Ledger:
    """The last ``limit`` recordings started on ``workstation`` before ``before``, plus which
    of them (and of ``files``) already have an evidence row or a recovery audit row."""
    chain = _chain(workstation)
    ledger = Ledger()
    starts = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.chain == chain, AuditEvent.action == START, AuditEvent.at < before)
        .order_by(AuditEvent.chain_seq.desc())
        .limit(limit)
    ).all()
    for event in starts:
        target = _target(event)
        file = (event.detail or {}).get("file")
        if target is not None and isinstance(file, str) and file not in ledger.started:
            ledger.started[file] = Unfinished(file, target, event.at, event.actor)
    wanted = set(ledger.started) | set(files)
    if not wanted:
        return ledger
    rows = session.execute(
        select(EvidenceFile.path, EvidenceFile.id).where(
            EvidenceFile.kind == KIND, EvidenceFile.path.in_(sorted(wanted))
        )
    )
    ledger.stored = {path: evidence_id for path, evidence_id in rows}
    since = min((e.chain_seq for e in starts), default=0)
    for detail in session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.chain == chain,
            AuditEvent.chain_seq >= since,
            AuditEvent.action.in_((RECOVERED, MISSING)),
        )
    ):
        file = (detail or {}).get("file")
        if file in wanted:
            ledger.resolved.add(file)
    return ledger


def _start_detail(item: Unfinished) -> dict[str, Any]:
    return {
        "file": item.file,
        "appointment": item.target.appointment_id,
        "started_at": item.started_at.isoformat() if item.started_at else None,
        "started_by": item.started_by,
        "sidecar": item.sidecar,
    }


def record_recovered(session: Session, actor: Actor, item: Unfinished, facts: FileFacts) -> int:
    """Store a recovered recording like ``record_stop`` does; returns the evidence id (the
    existing one if another run stored it first)."""
    existing = session.scalar(
        select(EvidenceFile.id).where(EvidenceFile.kind == KIND, EvidenceFile.path == item.file)
    )
    if existing is not None:
        return existing
    row = _add_row(session, item.target, item.file, facts)
    entity_type, entity_id = item.target.entity
    audit.record(
        session,
        actor,
        RECOVERED,
        entity_type=entity_type,
        entity_id=entity_id,
        detail={
            **_start_detail(item),
            "evidence_id": row.id,
            "duration_s": row.duration_s,
            "ended_at": facts.modified_at.isoformat(),
            "recovered": True,
        },
    )
    _audit_hash(session, actor, row, recovered=True)
    return row.id


def record_missing(session: Session, actor: Actor, item: Unfinished) -> None:
    entity_type, entity_id = item.target.entity
    audit.record(
        session,
        actor,
        MISSING,
        entity_type=entity_type,
        entity_id=entity_id,
        outcome="failed",
        detail={**_start_detail(item), "reason": "file not found"},
    )
