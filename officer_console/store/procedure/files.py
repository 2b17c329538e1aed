"""Files the procedure keeps as evidence: ID snapshot, signatures, rendered documents.

ONE write path for evidence files: the shared evidence store's verified ``put_bytes``
(:mod:`officer_console.evidence_store`) followed by :func:`store.evidence.record_document` in
the caller's transaction. The object is written first (a rolled-back transaction leaves an
unreferenced object, never a row without its file); a store that cannot be written raises
``StoreUnavailable`` with a Chinese message and the step rolls back.

``store`` may be given as a directory :class:`~pathlib.Path` (tests, the demo): it is the
``local`` directory store on that directory.
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from pathlib import Path

from sqlalchemy.orm import Session

from officer_console.domain.errors import ValidationError
from officer_console.evidence_store.base import EvidenceMissing, EvidenceStore, IntegrityFailure
from officer_console.evidence_store.local import DirectoryStore
from officer_console.evidence_store.reading import read_verified
from officer_console.store.audit import Actor
from officer_console.store.evidence import record_document
from officer_console.store.models import Case, EvidenceFile
from officer_console.store.types import utcnow

__all__ = [
    "KINDS",
    "StoreLike",
    "as_store",
    "put_evidence",
    "read_file",
    "store_file",
    "store_signature",
]

KINDS = {
    "id_snapshot": "png",
    "signature": "png",
    "decision": "pdf",
    "inquiry_record": "pdf",
    "notice_record": "pdf",
    "service_confirm": "pdf",
    "service_receipt": "pdf",  # the scanned 送达回证 (PDF or PNG: ``ext``)
    "eservice_receipt": "pdf",  # the signed 电子送达回证 (store/procedure/receipt.py)
}

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


def store_file(
    session: Session,
    actor: Actor,
    store: StoreLike,
    *,
    case_id: int,
    appointment_id: int,
    kind: str,
    data: bytes,
    label: str = "",
    ext: str = "",
) -> EvidenceFile:
    """Store ``data`` under ``cases/<id>/`` and add its hashed ``EvidenceFile`` row."""
    if kind not in KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}")
    if not data:
        raise ValueError("empty evidence file")
    now = utcnow().astimezone(UTC)
    digest = hashlib.sha256(data).hexdigest()
    suffix = ext or KINDS[kind]
    name = f"{kind}{'-' + label if label else ''}-{now:%Y%m%dT%H%M%S%f}-{digest[:8]}.{suffix}"
    return put_evidence(
        session,
        actor,
        store,
        key=f"cases/{case_id}/{name}",
        kind=kind,
        data=data,
        case_id=case_id,
        appointment_id=appointment_id,
    )


def read_file(store: StoreLike, row: EvidenceFile) -> bytes:
    """The stored bytes, re-hashed; ValueError when changed, OSError when missing."""
    try:
        return read_verified(as_store(store), row.path, row.sha256, row.size)
    except IntegrityFailure:
        raise ValueError(f"evidence {row.id} does not match its hash") from None
    except EvidenceMissing:
        raise FileNotFoundError(row.path) from None


def store_signature(
    session: Session, actor: Actor, store: StoreLike, case: Case, png: bytes, *, label: str
) -> int:
    """The party's signature image for one step (``label``) as hashed evidence; its row id."""
    if not png.startswith(b"\x89PNG"):
        raise ValidationError("signature", "签名应为PNG图片")
    row = store_file(
        session,
        actor,
        store,
        case_id=case.id,
        appointment_id=case.appointment_id,
        kind="signature",
        data=png,
        label=label,
    )
    return row.id
