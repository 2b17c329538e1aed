"""Append-only, hash-chained audit log written in the caller's transaction.

``hash = SHA-256(canonical row ‖ prev_hash)``. Appends are serialised by the single
``audit_head`` row (a row lock on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises
writers), so the chain has no forks and ids are gap-free. If the audit row cannot be written
the surrounding change rolls back with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.domain.masking import mask_text
from officer_console.store.models import AuditEvent, AuditHead
from officer_console.store.types import utcnow

GENESIS_HASH = "0" * 64
OUTCOMES = ("ok", "denied", "failed")


@dataclass(frozen=True)
class Actor:
    """Who does something, from where. ``police_number`` is not personal data of a citizen."""

    police_number: str
    officer_id: int | None
    workstation: str

    @classmethod
    def system(cls, workstation: str, name: str = "system") -> Actor:
        return cls(police_number=name, officer_id=None, workstation=workstation)


def _clean(value: Any) -> Any:
    """Mask personal data that slipped into a detail value; details never hold secrets."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return mask_text(str(value))


def _iso_ms(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


def canonical(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every column but the hashes, in a fixed JSON form."""
    row = {
        "id": event.id,
        "at": _iso_ms(event.at),
        "actor": event.actor,
        "officer_id": event.officer_id,
        "workstation": event.workstation,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "outcome": event.outcome,
        "detail": event.detail,
    }
    return json.dumps(row, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(event: AuditEvent, prev_hash: str) -> str:
    return hashlib.sha256(canonical(event) + prev_hash.encode()).hexdigest()


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    entity_type: str = "",
    entity_id: object = "",
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    head = session.execute(
        update(AuditHead)
        .where(AuditHead.id == 1)
        .values(last_id=AuditHead.last_id + 1)
        .returning(AuditHead.last_id, AuditHead.last_hash)
    ).one()
    when = (at or utcnow()).astimezone(UTC)
    event = AuditEvent(
        id=head.last_id,
        at=when.replace(microsecond=when.microsecond // 1000 * 1000),
        actor=actor.police_number,
        officer_id=actor.officer_id,
        workstation=mask_text(actor.workstation)[:64],
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        outcome=outcome,
        detail=_clean(detail or {}),
        prev_hash=head.last_hash,
    )
    event.hash = chain_hash(event, head.last_hash)
    session.add(event)
    session.flush()
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(last_hash=event.hash))
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _iter_events(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def verify_chain(session: Session) -> ChainReport:
    """Re-hash the whole chain; report the first row whose link or content is broken."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    checked = 0
    for event in _iter_events(session):
        if event.id != expected_id:
            return ChainReport(checked, expected_id, f"第 {expected_id} 行缺失（行被删除）")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.id, f"第 {event.id} 行的前序哈希与上一行不符")
        if chain_hash(event, prev_hash) != event.hash:
            return ChainReport(checked, event.id, f"第 {event.id} 行内容被修改（哈希不符）")
        prev_hash = event.hash
        expected_id += 1
        checked += 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_id != checked or head.last_hash != prev_hash):
        return ChainReport(checked, checked + 1, f"链尾记录不一致：应有 {head.last_id} 行，实有 {checked} 行")
    return ChainReport(checked, None, "审计链完整")


def events_for(session: Session, entity_type: str, entity_id: object) -> list[AuditEvent]:
    """History of one entity (e.g. an appointment), oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == str(entity_id))
            .order_by(AuditEvent.id)
        )
    )
