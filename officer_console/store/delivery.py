"""Electronic service: the citizen downloads a served decision PDF with the SMS token.

Only ``sha256(token)`` (hex) is stored in ``service_records.token_hash``; whoever issues the
token uses :func:`hash_token`. The first download is recorded as the delivery time
(``delivered_at``) and audited; the file is re-hashed against its evidence row before it is
handed out, so a tampered or missing document is never served.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain.errors import ConflictError, DomainError, NotFoundError
from officer_console.store import audit
from officer_console.store.audit import Actor
from officer_console.store.evidence import EvidenceReader
from officer_console.store.models import Decision, EvidenceFile, ServiceRecord

__all__ = ["TOKEN_PATTERN", "ServedDocument", "fetch_document", "hash_token"]

#: Tokens are URL-safe random strings (``secrets.token_urlsafe(24)`` → 32 characters).
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,128}")
TOKEN_VALID_DAYS = 90  # the citizen has 60 days to seek review; keep the link a while longer


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ServedDocument:
    number: str
    data: bytes = field(repr=False)
    delivered_at: datetime


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
    """Resolve a download token to the decision PDF and record the delivery (first time).

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
    delivered = record.delivered_at
    if delivered is None:
        delivered = now
        session.execute(
            update(ServiceRecord)
            .where(ServiceRecord.id == record.id, ServiceRecord.delivered_at.is_(None))
            .values(delivered_at=now)
        )
    audit.record(
        session,
        actor,
        "document.download",
        entity_type="service_record",
        entity_id=record.id,
        detail={"decision": number, "first": record.delivered_at is None},
        at=now,
    )
    return ServedDocument(number, data, delivered)
