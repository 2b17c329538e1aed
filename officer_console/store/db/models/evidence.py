"""Evidence files: recordings, decision PDFs, service records and signatures, hashed when
written, and where a verified copy is kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from officer_console.store.db.models.base import Base
from officer_console.store.db.types import utcnow


class EvidenceFile(Base):
    """A recording, decision PDF, service record or signature, hashed when written."""

    __tablename__ = "evidence_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(400))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    duration_s: Mapped[float | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Where a verified copy lives (store kind: local | path | s3); None = only in the spool
    # of the workstation that recorded it (see store/evidence/rows.py, docs/evidence.md).
    stored_in: Mapped[str | None] = mapped_column(String(16))
    stored_at: Mapped[datetime | None] = mapped_column()
