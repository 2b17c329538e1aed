"""Database side of a recording: audit rows and the hashed ``EvidenceFile``.

Small functions of a ``Session`` so they run through the console's op runner (one DB thread,
one transaction each); the audit row commits with the change it describes (SECURITY.md).
Paths are stored relative to the evidence store so a moved data directory still verifies.

Recovery (``start_recovery``, run once after login): a recording whose console was killed, or
whose hang-up found the database down, has a ``recording.start`` row and a playable file but
no ``EvidenceFile``. This workstation's such recordings are hashed, measured from the file and
stored (``recording.recovered`` + ``recording.hash``, both with ``"recovered": true`` — the
table has no column for it); a file that is gone is audited ``recording.missing``. Files are
read on a worker thread, database work goes through the op runner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.domain.masking import mask_text
from officer_console.store import audit
from officer_console.store.audit import Actor
from officer_console.store.models import AuditEvent, EvidenceFile
from officer_console.store.types import utcnow
from officer_console.video.recorder import (
    RecordingResult,
    mark_stored,
    media_duration,
    read_sidecar,
    sha256_file,
    unfinished_recordings,
    update_sidecar,
)

if TYPE_CHECKING:
    from officer_console.video.call import DbRunner

log = logging.getLogger("officer_console.video.evidence")
T = TypeVar("T")

KIND = "recording"
START, STOP, HASH = "recording.start", "recording.stop", "recording.hash"
RECOVERED, MISSING = "recording.recovered", "recording.missing"


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
    result: RecordingResult,
    evidence_dir: Path,
) -> int:
    """Store the hashed file and audit stop + hash; returns the ``EvidenceFile`` id."""
    entity_type, entity_id = target.entity
    row = _add_row(
        session,
        target,
        relative_path(result.path, evidence_dir),
        FileFacts(result.sha256, result.size, result.duration_s, result.ended_at),
    )
    detail = result.detail()
    audit.record(
        session,
        actor,
        STOP,
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
    _audit_hash(session, actor, row, at=result.ended_at)
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


def verify_evidence(row: EvidenceFile, evidence_dir: Path) -> bool:
    """Re-hash a stored file; False when it is missing or changed."""
    path = Path(row.path)
    if not path.is_absolute():
        path = evidence_dir / path
    try:
        return path.stat().st_size == row.size and sha256_file(path) == row.sha256
    except OSError:
        return False


# --- recovery of unfinished recordings -----------------------------------------------------


@dataclass(frozen=True)
class Unfinished:
    """A recording that was started but never stored."""

    file: str  # as audited: relative to the evidence store
    target: RecordingTarget
    started_at: datetime | None = None
    started_by: str = ""
    sidecar: str | None = None  # the sidecar's status; None when there is no sidecar


@dataclass(frozen=True)
class Recovery:
    file: str
    outcome: str  # "recovered", "missing", or "stored" (row existed; sidecar brought up to date)
    evidence_id: int | None = None
    facts: FileFacts | None = None


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


def _absolute(file: str, evidence_dir: Path) -> Path:
    path = Path(file)
    return path if path.is_absolute() else evidence_dir / path


def _from_sidecar(path: Path, evidence_dir: Path, workstation: str) -> Unfinished | None:
    data = read_sidecar(path)
    if data is None or data.get("workstation", workstation) != workstation:
        return None
    try:
        appointment_id = int(data["appointment_id"])
        case_id = int(data["case_id"]) if data.get("case_id") is not None else None
        started = datetime.fromisoformat(data["started_at"]) if data.get("started_at") else None
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
    except (KeyError, TypeError, ValueError):  # the audit trail may still know whose it is
        log.debug("recording %s: the sidecar does not say whose it is", path.name)
        return None
    return Unfinished(
        relative_path(path, evidence_dir),
        RecordingTarget(appointment_id, case_id),
        started,
        str(data.get("officer", "")),
        str(data.get("status", "")),
    )


def file_facts(path: Path) -> FileFacts:
    """Hash, size and real duration of a recording file (raises OSError if unreadable)."""
    stat = path.stat()
    return FileFacts(
        sha256=sha256_file(path),
        size=stat.st_size,
        duration_s=media_duration(path),
        modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
    )


def recover_recordings(
    run_db: Callable[[Callable[[Session], Any]], Any],
    actor: Actor,
    evidence_dir: Path,
    *,
    before: datetime | None = None,
) -> list[Recovery]:
    """Store this workstation's recordings started before ``before`` but never stored.

    ``run_db(work)`` runs ``work(session)`` in a transaction and returns its result. Each
    recording is stored in its own transaction, so one bad file never holds back the others.
    """
    before = before or utcnow()
    workstation = actor.workstation
    unfinished = unfinished_recordings(evidence_dir) if evidence_dir.is_dir() else []
    files = {relative_path(path, evidence_dir) for path in unfinished}
    on_disk: dict[str, Unfinished] = {}  # those whose sidecar says they are ours
    for path in unfinished:
        item = _from_sidecar(path, evidence_dir, workstation)
        if item is not None and (item.started_at is None or item.started_at < before):
            on_disk[item.file] = item
    ledger: Ledger = run_db(lambda s: recording_ledger(s, workstation, files, before=before))
    results: list[Recovery] = []
    for file in sorted(set(ledger.started) | set(on_disk)):
        if file in ledger.resolved or (file in ledger.stored and file not in files):
            continue
        try:
            results.append(
                _recover_one(
                    run_db, actor, file, evidence_dir=evidence_dir, ledger=ledger, on_disk=on_disk
                )
            )
        except (OSError, SQLAlchemyError, DomainError) as exc:  # the others still get their turn
            log.warning("recording %s could not be recovered: %r", file, exc)
            results.append(Recovery(file, "failed"))
    return results


def _recover_one(
    run_db: Callable[[Callable[[Session], Any]], Any],
    actor: Actor,
    file: str,
    *,
    evidence_dir: Path,
    ledger: Ledger,
    on_disk: dict[str, Unfinished],
) -> Recovery:
    path = _absolute(file, evidence_dir)
    if file in ledger.stored:  # stored, but the console died before it updated the sidecar
        mark_stored(path, ledger.stored[file])
        return Recovery(file, "stored", ledger.stored[file])
    item = ledger.started.get(file) or on_disk[file]
    if file in on_disk:  # the audit row knows whose it is; the sidecar, how it ended
        item = Unfinished(
            file, item.target, item.started_at, item.started_by, on_disk[file].sidecar
        )
    try:
        facts = file_facts(path)
    except FileNotFoundError:
        run_db(lambda s: record_missing(s, actor, item))
        if read_sidecar(path) is not None:
            update_sidecar(path, status="missing")
        log.warning("recording %s is missing; audited", file)
        return Recovery(file, "missing")
    evidence_id: int = run_db(lambda s: record_recovered(s, actor, item, facts))
    mark_stored(
        path,
        evidence_id,
        recovered=True,
        sha256=facts.sha256,
        size=facts.size,
        duration_s=round(facts.duration_s, 3),
    )
    log.info(
        "recovered recording %s: %.1f s, %d bytes, evidence #%d",
        file,
        facts.duration_s,
        facts.size,
        evidence_id,
    )
    return Recovery(file, "recovered", evidence_id, facts)


def start_recovery(runner: DbRunner, actor: Actor, evidence_dir: Path) -> Future[list[Recovery]]:
    """Run :func:`recover_recordings` on a daemon thread (files) and the op runner (rows).

    Never raises: a failure is logged and becomes the future's exception.
    """
    outcome: Future[list[Recovery]] = Future()
    before = utcnow()

    def run_db(work: Callable[[Session], T]) -> T:
        # on_failure given: the error is ours to log, not the crash dialog's.
        return runner.run(work, None, lambda _exc: None).result()

    def main() -> None:
        try:
            outcome.set_result(recover_recordings(run_db, actor, evidence_dir, before=before))
        except BaseException as exc:
            log.warning("recovering unfinished recordings failed: %r", exc)
            outcome.set_exception(exc)

    threading.Thread(target=main, name="oc-recovery", daemon=True).start()
    return outcome
