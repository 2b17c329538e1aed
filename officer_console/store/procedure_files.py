"""Files the procedure keeps as evidence: ID snapshot, signatures, rendered documents.

ONE function writes them (:func:`store_file`) so moving to the shared evidence store is a
one-line redirect. The row and its ``evidence.hash`` audit row are written in the caller's
transaction; the file is written first (a rolled-back transaction leaves an unreferenced file,
never a row without its file).
"""

from __future__ import annotations

import hashlib
from datetime import UTC
from pathlib import Path

from sqlalchemy.orm import Session

from officer_console.store import audit
from officer_console.store.audit import Actor
from officer_console.store.models import EvidenceFile
from officer_console.store.types import utcnow

__all__ = ["KINDS", "read_file", "store_file"]

KINDS = {
    "id_snapshot": "png",
    "signature": "png",
    "decision": "pdf",
    "inquiry_record": "pdf",
    "notice_record": "pdf",
    "service_confirm": "pdf",
}


def store_file(
    session: Session,
    actor: Actor,
    evidence_dir: Path,
    *,
    case_id: int,
    appointment_id: int,
    kind: str,
    data: bytes,
    label: str = "",
) -> EvidenceFile:
    """Write ``data`` under ``cases/<id>/`` and add its hashed ``EvidenceFile`` row."""
    if kind not in KINDS:
        raise ValueError(f"unknown evidence kind {kind!r}")
    if not data:
        raise ValueError("empty evidence file")
    now = utcnow().astimezone(UTC)
    digest = hashlib.sha256(data).hexdigest()
    name = f"{kind}{'-' + label if label else ''}-{now:%Y%m%dT%H%M%S%f}-{digest[:8]}.{KINDS[kind]}"
    relative = Path("cases") / str(case_id) / name
    target = evidence_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    row = EvidenceFile(
        case_id=case_id,
        appointment_id=appointment_id,
        kind=kind,
        path=relative.as_posix(),
        sha256=digest,
        size=len(data),
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "evidence.hash",
        entity_type="evidence",
        entity_id=row.id,
        detail={"case_id": case_id, "kind": kind, "sha256": digest, "size": len(data)},
    )
    return row


def read_file(evidence_dir: Path, row: EvidenceFile) -> bytes:
    """The stored bytes, re-hashed; raises ValueError when the file was changed."""
    path = Path(row.path)
    data = (path if path.is_absolute() else evidence_dir / path).read_bytes()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ValueError(f"evidence {row.id} does not match its hash")
    return data
