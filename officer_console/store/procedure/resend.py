"""重新发送链接: the service link sent again — only on an officer's explicit request, audited.

The first service SMS (``svc-<case id>``, :mod:`.service`) is never re-sent
automatically. A re-send is a separate, explicit action: each request carries its own key
(``svc-<case id>-r-<request>``, made once per click), so retrying the same request never sends
twice, and a request left *unknown* is never re-sent. The link gets a fresh token (only its
hash is stored, so the old one cannot be sent again); the service time stays the first
successful send's.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.errors import ConflictError, NotFoundError, ValidationError
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, Case, Decision, ServiceRecord, SmsMessage
from officer_console.store.db.types import utcnow
from officer_console.store.evidence.delivery import hash_token
from officer_console.store.procedure.service import ServiceJob, mark_sms_result, queue_sms

__all__ = ["prepare_resend", "record_resend_result", "resend_key"]

_REQUEST = re.compile(r"[A-Za-z0-9_-]{6,40}")


def resend_key(case_id: int, request: str) -> str:
    if not _REQUEST.fullmatch(request):
        raise ValidationError("request", "重发请求编号无效")
    return f"svc-{case_id}-r-{request}"


def _served(session: Session, case_id: int) -> tuple[Case, Decision, ServiceRecord]:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFoundError("案件不存在")
    decision = session.scalar(select(Decision).where(Decision.case_id == case_id))
    record = (
        session.scalar(
            select(ServiceRecord).where(
                ServiceRecord.decision_id == decision.id, ServiceRecord.channel == "sms"
            )
        )
        if decision is not None
        else None
    )
    if decision is None or record is None or record.sent_at is None:
        raise ConflictError("本案尚未电子送达成功，不能重新发送链接", code="not_served")
    return case, decision, record


def prepare_resend(
    session: Session,
    actor: Actor,
    case_id: int,
    *,
    request: str,
    provider: str,
    body_template: str = "",
    link_base: str = "",
) -> ServiceJob:
    """Claim one re-send for the officer's request ``request`` (or say why not to send)."""
    case, decision, record = _served(session, case_id)
    key = resend_key(case_id, request)
    sms = session.scalar(select(SmsMessage).where(SmsMessage.idempotency_key == key))
    if sms is not None:  # the same request again: never a second SMS
        state = "sent" if sms.status == "sent" else "unknown"
        return ServiceJob(state, case.id, record.address, decision.number, key)
    token = secrets.token_urlsafe(24)
    record.token_hash = hash_token(token)
    appt = session.get(Appointment, case.appointment_id)
    assert appt is not None
    queue_sms(
        session,
        appointment_id=appt.id,
        key=key,
        provider=provider,
        phone=record.address,
        link_base=link_base,
        body_template=body_template,
        number=decision.number,
        token=token,
    )
    audit.record(
        session,
        actor,
        "service.resend",
        entity_type="case",
        entity_id=case.id,
        detail={"decision": decision.number, "key": key, "provider": provider},
    )
    return ServiceJob("send", case.id, record.address, decision.number, key, token)


def record_resend_result(
    session: Session,
    actor: Actor,
    case_id: int,
    key: str,
    *,
    accepted: bool,
    outcome_unknown: bool = False,
    provider_message_id: str | None = None,
    error: str = "",
) -> str:
    state = mark_sms_result(
        session,
        key,
        accepted=accepted,
        outcome_unknown=outcome_unknown,
        provider_message_id=provider_message_id,
        error=error,
        now=utcnow(),
    )
    audit.record(
        session,
        actor,
        "service.sms",
        entity_type="case",
        entity_id=case_id,
        outcome="ok" if accepted else "failed",
        detail={"key": key, "status": state, "resend": True},
    )
    return state
