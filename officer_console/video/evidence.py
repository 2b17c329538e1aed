"""File side of a recording's evidence: hashing, verifying and recovering recording files.

The rows and audit entries are :mod:`officer_console.store.evidence.rows` (re-exported here for the
callers that think in recordings); this module reads files and adapts a
:class:`~officer_console.video.recorder.RecordingResult` to them.

Recovery (:func:`recover_recordings`, run once after login on the console's I/O runner): a
recording whose console was killed, or whose hang-up found the database down, has a ``recording.start`` row and a playable file but
no ``EvidenceFile``. This workstation's such recordings are hashed, measured from the file and
stored (``recording.recovered`` + ``recording.hash``, both with ``"recovered": true`` — the
table has no column for it); a file that is gone is audited ``recording.missing``. Files are
read on a worker thread, database work goes through the op runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.evidence_store.base import EvidenceStore
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import EvidenceFile
from officer_console.store.db.types import utcnow
from officer_console.store.evidence import rows
from officer_console.store.evidence.rows import (
    HASH,
    KIND,
    MISSING,
    RECOVERED,
    START,
    STOP,
    FileFacts,
    Ledger,
    RecordingTarget,
    Unfinished,
    record_missing,
    record_recovered,
    record_start,
    recording_ledger,
    relative_path,
)
from officer_console.video.recorder import RecordingResult
from officer_console.video.recording_files import (
    mark_stored,
    media_duration,
    read_sidecar,
    sha256_file,
    unfinished_recordings,
    update_sidecar,
)

__all__ = [
    "HASH",
    "KIND",
    "MISSING",
    "RECOVERED",
    "START",
    "STOP",
    "FileFacts",
    "Ledger",
    "RecordingTarget",
    "Recovery",
    "Unfinished",
    "file_facts",
    "record_missing",
    "record_recovered",
    "record_start",
    "record_stop",
    "recording_ledger",
    "recover_recordings",
    "relative_path",
    "verify_evidence",
]

log = logging.getLogger("officer_console.video.evidence")
T = TypeVar("T")


def record_stop(
    session: Session,
    actor: Actor,
    target: RecordingTarget,
    result: RecordingResult,
    evidence_dir: Path,
) -> int:
    """Store the hashed file and audit stop + hash; returns the ``EvidenceFile`` id."""
    detail = result.detail()
    return rows.record_stop(
        session,
        actor,
        target,
        relative_path(result.path, evidence_dir),
        FileFacts(result.sha256, result.size, result.duration_s, result.ended_at),
        gaps=detail["gaps"],
        dropped=detail["dropped"],
        ended_at=result.ended_at,
    )


def verify_evidence(
    row: EvidenceFile, evidence_dir: Path, store: EvidenceStore | None = None
) -> bool:
    """Re-hash a stored file; False when it is missing or changed. With ``store``, the copy
    the store holds (for rows marked stored there), else the file under ``evidence_dir``."""
    if store is not None:
        return store.verify(row.path, row.sha256, row.size)
    path = Path(row.path)
    if not path.is_absolute():
        path = evidence_dir / path
    try:
        return path.stat().st_size == row.size and sha256_file(path) == row.sha256
    except OSError:
        return False


# --- recovery of unfinished recordings -----------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    file: str
    outcome: str  # "recovered", "missing", or "stored" (row existed; sidecar brought up to date)
    evidence_id: int | None = None
    facts: FileFacts | None = None


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
