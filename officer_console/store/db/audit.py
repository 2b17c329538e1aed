"""Append-only, hash-chained audit log written in the caller's transaction.

``hash = SHA-256(canonical row ‖ prev_hash)``. There is one chain per workstation: its
``audit_head`` row (locked by the increment on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
serialises all writers anyway) numbers the chain gap-free, so a changed, deleted or inserted
row breaks it visibly — while sixteen workstations append without queueing behind one global
lock. If the audit row cannot be written the surrounding change rolls back with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from officer_console.domain.masking import mask_text
from officer_console.store.db.models import AuditEvent, AuditHead
from officer_console.store.db.types import utcnow

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
        "chain": event.chain,
        "seq": event.chain_seq,
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


def _advance_head(session: Session, chain: str) -> tuple[int, str]:
    """Take the next sequence number of ``chain`` (row-locking its head until commit)."""
    stmt = (
        update(AuditHead)
        .where(AuditHead.chain == chain)
        .values(last_seq=AuditHead.last_seq + 1)
        .returning(AuditHead.last_seq, AuditHead.last_hash)
    )
    head = session.execute(stmt).one_or_none()
    if head is None:
        try:
            with session.begin_nested():
                session.execute(
                    insert(AuditHead).values(chain=chain, last_seq=0, last_hash=GENESIS_HASH)
                )
        except IntegrityError:
            pass  # another transaction created the chain first; the update waits for it
        head = session.execute(stmt).one()
    return int(head.last_seq), str(head.last_hash)


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
    """Append one event to the actor's workstation chain inside the caller's transaction."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown audit outcome {outcome!r}")
    workstation = mask_text(actor.workstation)[:64] or "unknown"
    seq, prev_hash = _advance_head(session, workstation)
    when = (at or utcnow()).astimezone(UTC)
    event = AuditEvent(
        chain=workstation,
        chain_seq=seq,
        at=when.replace(microsecond=when.microsecond // 1000 * 1000),
        actor=actor.police_number,
        officer_id=actor.officer_id,
        workstation=workstation,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        outcome=outcome,
        detail=_clean(detail or {}),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(event, prev_hash)
    # Core insert: no identity-map bookkeeping on the hottest write path.
    values = {c.key: getattr(event, c.key) for c in AuditEvent.__table__.columns if c.key != "id"}
    event.id = session.execute(
        insert(AuditEvent).values(**values).returning(AuditEvent.id)
    ).scalar_one()
    session.execute(
        update(AuditHead).where(AuditHead.chain == workstation).values(last_hash=event.hash)
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_broken_id: int | None
    reason: str

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def _iter_chain(session: Session, chain: str, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.chain == chain, AuditEvent.chain_seq > last)
            .order_by(AuditEvent.chain_seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].chain_seq
        session.expunge_all()


def _verify_one(session: Session, chain: str, head: AuditHead | None) -> ChainReport:
    prev_hash = GENESIS_HASH
    expected = 1
    checked = 0
    last_id: int | None = None
    for event in _iter_chain(session, chain):
        if event.chain_seq != expected:
            return ChainReport(
                checked,
                event.id,
                f"工作站 {chain} 的第 {expected} 条记录缺失（在 #{event.id} 之前被删除）",
            )
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.id, f"#{event.id} 的前序哈希与上一行不符")
        if chain_hash(event, prev_hash) != event.hash:
            return ChainReport(checked, event.id, f"#{event.id} 内容被修改（哈希不符）")
        prev_hash = event.hash
        last_id = event.id
        expected += 1
        checked += 1
    if head is None or head.last_seq != checked or head.last_hash != prev_hash:
        at = last_id if last_id is not None else 0
        return ChainReport(
            checked,
            at,
            f"工作站 {chain} 的链尾不一致：应有 {head.last_seq if head else '?'} 条，实有 {checked} 条",
        )
    return ChainReport(checked, None, "审计链完整")


def verify_chain(session: Session) -> ChainReport:
    """Re-hash every chain; report the first broken row (lowest id among broken chains)."""
    heads = {h.chain: h for h in session.scalars(select(AuditHead))}
    chains = set(heads) | set(session.scalars(select(AuditEvent.chain).distinct()))
    checked = 0
    broken: list[ChainReport] = []
    for chain in sorted(chains):
        report = _verify_one(session, chain, heads.get(chain))
        checked += report.checked
        if not report.ok:
            broken.append(report)
    if broken:
        first = min(broken, key=lambda r: r.first_broken_id or 0)
        return ChainReport(checked, first.first_broken_id, first.reason)
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
