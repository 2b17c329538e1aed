"""Each record signed at its own step: the 询问笔录 right after 询问, the 告知笔录 right after 告知.

:func:`sign_record` is one transaction with its audit rows: the party's signature image for
*this* record (or the refusal to sign, noted on camera) is stored as evidence, the record is
rendered with that slot, archived and signed (the store's :class:`CaseDocumentMaker`), stored as
evidence (``inquiry_record`` / ``notice_record``), and the case's state notes it
(``state["records"][step]``) with a version bump. The next step is refused until the record of
the step before is signed or the refusal recorded (:func:`require_record`), so a record is
never made later with a signature given for something else. The decision keeps the signature
given at 确认, the 送达地址确认书 the one given at consent.
"""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session

from officer_console.domain.errors import ConflictError, RuleViolation, ValidationError
from officer_console.domain.procedure import Step
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Case, EvidenceFile
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.documents import store_document
from officer_console.store.evidence.writing import StoreLike
from officer_console.store.procedure.core import CaseChange, changed, open_case
from officer_console.store.procedure.documents import CaseDocumentMaker, case_facts
from officer_console.store.procedure.files import read_file, store_signature
from officer_console.store.procedure.presence import require_citizen

__all__ = ["RECORD_KINDS", "RECORD_TITLES", "require_record", "sign_record", "signed_record"]

#: The step whose record it is → evidence kind.
RECORD_KINDS = {"inquiry": "inquiry_record", "notice": "notice_record"}
RECORD_TITLES = {"inquiry": "询问笔录", "notice": "行政处罚告知笔录"}
#: The record is signed while the case waits at this step (the one after the record's own).
_SIGNED_BEFORE = {"inquiry": Step.NOTICE, "notice": Step.RULING}


def require_record(case: Case, step: str) -> None:
    """The next step only after the record of ``step`` was signed (or refused) on camera."""
    if step not in (case.state.get("records") or {}):
        raise RuleViolation(
            f"请先向当事人出示{RECORD_TITLES[step]}，由当事人签名或记录拒绝签名后再继续",
            code="record_unsigned",
        )


def signed_record(session: Session, store: StoreLike, case_id: int, step: str) -> bytes | None:
    """The stored, signed record of ``step`` (re-hashed), or None while it is not signed."""
    case = session.get(Case, case_id)
    entry = ((case.state.get("records") or {}) if case else {}).get(step) or {}
    row = session.get(EvidenceFile, entry["evidence"]) if entry.get("evidence") else None
    if row is None:
        return None
    try:
        return read_file(store, row)
    except (OSError, ValueError):
        raise ConflictError(
            f"{RECORD_TITLES[step]}文件缺失或与存证哈希不符，请联系管理员核查"
        ) from None


def sign_record(
    session: Session,
    actor: Actor,
    store: StoreLike,
    case_id: int,
    *,
    step: str,
    documents: CaseDocumentMaker,
    signature_png: bytes | None,
    refused: bool,
    now: datetime | None = None,
) -> CaseChange:
    """Make, sign and store the record of ``step`` with the party's signature given for it now
    (``signature_png``) or the refusal to sign (``refused``); the citizen must be on video."""
    if step not in RECORD_KINDS:
        raise ValidationError("step", "只有询问笔录和告知笔录在本步骤签名")
    now = now or utcnow()
    title = RECORD_TITLES[step]
    case = open_case(session, actor, case_id, _SIGNED_BEFORE[step])
    if step in (case.state.get("records") or {}):
        raise ConflictError(f"{title}已签名（或已记录拒绝签名），不能重复签名")
    require_citizen(session, case.appointment_id, f"在{title}上签名或拒绝签名")
    signed = signature_png is not None and not refused
    if not signed and not refused:
        raise ValidationError("signature", f"请当事人在{title}上签名，或记录当事人拒绝签名")
    entry: dict[str, Any] = {"signature": None, "refused": not signed, "at": now.isoformat()}
    if signed:
        assert signature_png is not None
        entry["signature"] = store_signature(session, actor, store, case, signature_png, label=step)
    facts = dataclasses.replace(
        case_facts(session, store, case.id, now=now),
        signature_png=signature_png if signed else None,
        refused=not signed,
        signed_at=now,
    )
    kind = RECORD_KINDS[step]
    pdf = documents.record(kind, facts)
    year = now.astimezone(ZoneInfo(facts.unit["timezone"])).year
    short = hashlib.sha256(pdf).hexdigest()[:12]
    doc = store_document(
        session,
        actor,
        case_id=case.id,
        appointment_id=case.appointment_id,
        kind=kind,
        data=pdf,
        relative=f"documents/{year}/{case.id}/{kind}-{short}.pdf",
        evidence_dir=store,
        at=now,
        detail={"step": step},
    )
    entry["evidence"] = doc.id
    state = dict(case.state)
    state["records"] = {**(state.get("records") or {}), step: entry}
    done = session.execute(
        update(Case)
        .where(Case.id == case.id, Case.version == case.version)
        .values(version=Case.version + 1, state=state)
        .returning(Case.id)
    ).scalar_one_or_none()
    if done is None:
        raise ConflictError("该案件已在其他工作站更新，已刷新")
    session.refresh(case)
    audit.record(
        session,
        actor,
        "record.sign",
        entity_type="case",
        entity_id=case.id,
        detail={"step": step, "kind": kind, "evidence_id": doc.id, "refused": not signed},
    )
    return changed(session, case)
