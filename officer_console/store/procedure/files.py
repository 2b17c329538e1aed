"""Files the procedure keeps as evidence: ID snapshot, signatures, rendered documents.

Every file goes through the one write path, :func:`store.evidence.writing.put_evidence`
(verified ``put_bytes``, then the hashed, audited row in the caller's transaction); a store
that cannot be written raises ``StoreUnavailable`` with a Chinese message and the step rolls
back.
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from sqlalchemy.orm import Session

from officer_console.domain.errors import ValidationError
from officer_console.evidence_store.base import EvidenceMissing, IntegrityFailure
from officer_console.evidence_store.reading import read_verified
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Case, EvidenceFile
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.writing import StoreLike, as_store, put_evidence

__all__ = [
    "KINDS",
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
