"""The one write path for evidence files, shared by the procedure and the decision documents.

The shared evidence store's verified ``put_bytes`` (:mod:`officer_console.evidence_store`)
first, then the hashed, audited ``EvidenceFile`` row in the caller's transaction: a rolled-back
transaction leaves an unreferenced object, never a row without its file. ``store`` may be a
directory :class:`~pathlib.Path` (tests, the demo): the ``local`` directory store on it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from officer_console.evidence_store.base import EvidenceStore
from officer_console.evidence_store.local import DirectoryStore
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import EvidenceFile
from officer_console.store.evidence.rows import record_document

__all__ = ["StoreLike", "as_store", "put_evidence"]

StoreLike = EvidenceStore | Path


def as_store(store: StoreLike) -> EvidenceStore:
    """The evidence store; a bare directory is the ``local`` store on it."""
    return DirectoryStore(store, "local") if isinstance(store, Path) else store


def put_evidence(
    session: Session,
    actor: Actor,
    store: StoreLike,
    *,
    key: str,
    kind: str,
    data: bytes,
    case_id: int | None,
    appointment_id: int | None,
) -> EvidenceFile:
    """``put_bytes`` (verified read-back) then the hashed, audited ``EvidenceFile`` row."""
    if not data:
        raise ValueError("empty evidence file")
    target = as_store(store)
    put = target.put_bytes(key, data)
    row_id = record_document(
        session,
        actor,
        kind=kind,
        key=put.key,
        sha256=put.sha256,
        size=put.size,
        stored_in=target.kind,
        case_id=case_id,
        appointment_id=appointment_id,
    )
    row = session.get(EvidenceFile, row_id)
    assert row is not None
    return row
