"""The audit trail: append-only, hash-chained events, one chain per workstation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from officer_console.store.db.models.base import Base


class AuditEvent(Base):
    """Append-only, hash-chained: ``hash = SHA-256(canonical row ‖ prev_hash)``.

    One chain per workstation (``chain``), numbered gap-free by ``chain_seq``: workstations
    append without waiting for each other, and each chain still breaks visibly if a row is
    changed, removed or inserted. ``id`` gives the global order.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_entity", "entity_type", "entity_id"),
        UniqueConstraint("chain", "chain_seq"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    chain: Mapped[str] = mapped_column(String(64))
    chain_seq: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(32))
    officer_id: Mapped[int | None] = mapped_column(Integer)
    workstation: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    entity_type: Mapped[str] = mapped_column(String(32), default="")
    entity_id: Mapped[str] = mapped_column(String(32), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """Each chain's tip; its row lock serialises appends within one chain only."""

    __tablename__ = "audit_head"
    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
