"""Electronic service: the citizen downloads a served decision PDF with the SMS token.

Only ``sha256(token)`` (hex) is stored in ``service_records.token_hash``; whoever issues the
token uses :func:`hash_token`. The file is re-hashed against its evidence row before it is
handed out, so a tampered or missing document is never served.

Delivery starts statutory periods, so it is recorded apart from the read: the gateway calls
:func:`load_document` (no writes), streams the file, and only after the whole document went
out to the citizen calls :func:`record_delivery` (first time sets ``delivered_at``; every
complete transfer is audited). :func:`fetch_document` does both at once for callers that
hand the bytes over in-process.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Decision, EvidenceFile, ServiceRecord
from officer_console.store.evidence.rows import EvidenceReader

__all__ = [
    "TOKEN_PATTERN",
    "ServedDocument",
    "fetch_document",
    "hash_token",
    "load_document",
    "record_delivery",
]

#: Tokens are URL-safe random strings (``secrets.token_urlsafe(24)`` → 32 characters).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
TOKEN_VALID_DAYS = 90  # the citizen has 60 days to seek review; keep the link a while longer


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ServedDocument:
    number: str
    data: bytes = field(repr=False)
    #: The recorded delivery time; None while no complete transfer has been recorded.
    delivered_at: datetime | None
    record_id: int = 0


def _read(key: str, store: EvidenceReader | None, evidence_dir: Path | None) -> bytes:
    if store is not None:
        return store.read(key)
    path = Path(key)
    if not path.is_absolute():
        if evidence_dir is None:
            raise FileNotFoundError(key)
        path = evidence_dir / path
    return path.read_bytes()


def _not_found() -> NotFoundError:
    return NotFoundError("文书不存在或链接已过期", code="document_not_found")


def load_document(
    session: Session,
    token: str,
    *,
    now: datetime,
    store: EvidenceReader | None = None,
    evidence_dir: Path | None = None,
    valid_days: int = TOKEN_VALID_DAYS,
) -> ServedDocument:
    """Resolve a download token to the verified decision PDF without recording anything.

    The file is read through the evidence ``store`` (any workstation's document, whichever
    backend); ``evidence_dir`` is the older direct read of a local directory."""
    if not TOKEN_PATTERN.fullmatch(token):
        raise _not_found()
    row = session.execute(
        select(ServiceRecord, Decision.number, EvidenceFile)
        .join(Decision, Decision.id == ServiceRecord.decision_id)
        .outerjoin(EvidenceFile, EvidenceFile.id == Decision.evidence_id)
        .where(ServiceRecord.token_hash == hash_token(token))
    ).one_or_none()
    if row is None:
        raise _not_found()
    record, number, evidence = row
    if record.sent_at is None or not record.consent or evidence is None:
        raise _not_found()
    if record.sent_at + timedelta(days=valid_days) <= now:
        raise _not_found()
    try:
        data = _read(evidence.path, store, evidence_dir)
    except (OSError, DomainError):  # missing, or the store is unreachable
        raise NotFoundError("文书文件暂不可用，请联系办案大队", code="document_missing") from None
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise ConflictError("文书校验失败，请联系办案大队", code="document_integrity")
    return ServedDocument(number, data, record.delivered_at, record.id)


def record_delivery(
    session: Session, served: ServedDocument, *, now: datetime, actor: Actor
) -> datetime:
    """Record one complete transfer: the first sets ``delivered_at``; each is audited.

    The conditional update keeps the earliest time when two transfers finish together."""
    done = session.execute(
        update(ServiceRecord)
        .where(ServiceRecord.id == served.record_id, ServiceRecord.delivered_at.is_(None))
        .values(delivered_at=now)
    )
    first = cast("CursorResult[Any]", done).rowcount
    delivered = now
    if not first:
        delivered = (
            session.scalar(
                select(ServiceRecord.delivered_at).where(ServiceRecord.id == served.record_id)
            )
            or now
        )
    audit.record(
        session,
        actor,
        "document.download",
        entity_type="service_record",
        entity_id=served.record_id,
        detail={"decision": served.number, "first": bool(first)},
        at=now,
    )
    return delivered


def fetch_document(
    session: Session,
    token: str,
    *,
    now: datetime,
    actor: Actor,
    store: EvidenceReader | None = None,
    evidence_dir: Path | None = None,
    valid_days: int = TOKEN_VALID_DAYS,
) -> ServedDocument:
    """Load the document and record its delivery in one go (in-process hand-over)."""
    served = load_document(
        session, token, now=now, store=store, evidence_dir=evidence_dir, valid_days=valid_days
    )
    delivered = record_delivery(session, served, now=now, actor=actor)
    return ServedDocument(served.number, served.data, delivered, served.record_id)
