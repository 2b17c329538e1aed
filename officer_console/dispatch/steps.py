"""The dispatch steps' transactions: claim a step, record its result, plan a retry.

A step is claimed by a conditional UPDATE (``queued|failed → sending``) that only one caller
wins, so concurrent retries on any number of workstations send at most once. Each function
runs in a transaction of its own (see :mod:`officer_console.dispatch.service`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from officer_console.dispatch import codes
from officer_console.dispatch.dialers.base import CallResult
from officer_console.dispatch.records import FreshDispatchNeeded, load_outcome
from officer_console.dispatch.sms.base import SmsResult
from officer_console.domain.errors import DomainError, NotFoundError, PermissionDenied
from officer_console.domain.masking import mask_phone
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, CallAttempt, Dispatch
from officer_console.store.db.models import SmsMessage as SmsRow
from officer_console.store.db.types import utcnow

__all__ = [
    "CallJob",
    "audit_denied",
    "blocked_text",
    "claim_call",
    "claim_sms",
    "plan_retry",
    "record_call",
    "record_sms",
]


@dataclass(frozen=True)
class CallJob:
    """What a claimed call step needs to place the call."""

    appointment_id: int
    phone: str


def audit_denied(
    session: Session,
    actor: Actor,
    entity_id: int,
    exc: DomainError,
    *,
    action: str = "dispatch.create",
    entity_type: str = "appointment",
) -> None:
    """Audit a refusal in its own transaction (the refused one rolled back)."""
    if isinstance(exc, codes.CodeRejected):
        codes.record_issue_denied(session, actor, entity_id, exc)
    audit.record(
        session,
        actor,
        action,
        entity_type=entity_type,
        entity_id=entity_id,
        outcome="denied",
        detail={"reason": exc.code},
    )


def claim_sms(session: Session, dispatch_id: int, *, have_message: bool) -> str:
    """``sending`` when this caller may send now, else the state that forbids it."""
    row = session.scalar(select(SmsRow).where(SmsRow.dispatch_id == dispatch_id))
    if row is None:
        raise NotFoundError("该呼叫没有短信记录")
    if row.status not in ("queued", "failed"):
        return "unknown" if row.status == "sending" else row.status
    if not have_message:
        return row.status
    won = session.execute(
        update(SmsRow)
        .where(SmsRow.id == row.id, SmsRow.status.in_(("queued", "failed")))
        .values(status="sending")
        .returning(SmsRow.id)
    ).scalar_one_or_none()
    if won is None:
        return "unknown"
    session.execute(update(Dispatch).where(Dispatch.id == dispatch_id).values(sms_status="sending"))
    return "sending"


def record_sms(
    session: Session, actor: Actor, dispatch_id: int, state: str, result: SmsResult
) -> None:
    row = session.scalar(select(SmsRow).where(SmsRow.dispatch_id == dispatch_id))
    assert row is not None
    session.execute(
        update(SmsRow)
        .where(SmsRow.id == row.id)
        .values(
            status=state,
            provider_message_id=(result.provider_message_id or "")[:64] or None,
            error_code=None if result.accepted else (result.error_code or "")[:64],
            error_message=None if result.accepted else result.message_zh[:200],
            attempts=SmsRow.attempts + result.attempts,
            sent_at=utcnow() if result.accepted else None,
        )
    )
    session.execute(update(Dispatch).where(Dispatch.id == dispatch_id).values(sms_status=state))
    audit.record(
        session,
        actor,
        "sms.send",
        entity_type="appointment",
        entity_id=row.appointment_id,
        outcome="ok" if result.accepted else "failed",
        detail={
            "dispatch_id": dispatch_id,
            "provider": row.provider,
            "status": state,
            "error_code": result.error_code,
            "attempts": result.attempts,
            "phone": mask_phone(row.phone),
        },
    )


def claim_call(session: Session, dispatch_id: int) -> CallJob | str:
    row = session.get(Dispatch, dispatch_id)
    if row is None:
        raise NotFoundError("呼叫记录不存在")
    if row.call_status not in ("queued", "failed"):
        return "unknown" if row.call_status == "sending" else row.call_status
    won = session.execute(
        update(Dispatch)
        .where(Dispatch.id == dispatch_id, Dispatch.call_status.in_(("queued", "failed")))
        .values(call_status="sending")
        .returning(Dispatch.appointment_id)
    ).scalar_one_or_none()
    if won is None:
        return "unknown"
    appt = session.get(Appointment, won)
    assert appt is not None
    return CallJob(won, str(appt.citizen.phone))


def record_call(
    session: Session,
    actor: Actor,
    job: CallJob,
    *,
    dispatch_id: int,
    dialer: str,
    result: CallResult,
) -> None:
    session.add(
        CallAttempt(
            appointment_id=job.appointment_id,
            dispatch_id=dispatch_id,
            dialer=dialer,
            status=result.status,
            detail=result.message_zh[:200],
        )
    )
    session.execute(
        update(Dispatch).where(Dispatch.id == dispatch_id).values(call_status=result.status)
    )
    audit.record(
        session,
        actor,
        "call.place",
        entity_type="appointment",
        entity_id=job.appointment_id,
        outcome="ok" if result.ok else "failed",
        detail={
            "dispatch_id": dispatch_id,
            "dialer": dialer,
            "status": result.status,
            "detail": result.detail[:100],
            "phone": mask_phone(job.phone),
        },
    )


def plan_retry(
    session: Session, actor: Actor, dispatch_id: int, *, have_code: bool, now: datetime
) -> tuple[bool, bool]:
    """Which steps a retry repeats: (sms, call). Raises when only a fresh dispatch can help."""
    row = session.get(Dispatch, dispatch_id)
    if row is None:
        raise NotFoundError("呼叫记录不存在")
    appt = session.get(Appointment, row.appointment_id)
    if appt is None or actor.officer_id is None or appt.officer_id != actor.officer_id:
        raise PermissionDenied("只有认领该预约的民警可以重试呼叫")
    newest = session.scalar(
        select(Dispatch.id)
        .where(Dispatch.appointment_id == row.appointment_id)
        .order_by(Dispatch.id.desc())
        .limit(1)
    )
    if newest != dispatch_id:
        raise FreshDispatchNeeded("该预约已有更新的呼叫，本次呼叫不能再重试。")
    outcome = load_outcome(session, dispatch_id, now=now)
    sms_due = outcome.sms.state in ("queued", "failed")
    call_due = outcome.call.state in ("queued", "failed")
    if not (sms_due or call_due):
        return False, False
    if outcome.code.state != "sent":
        raise FreshDispatchNeeded(
            "验证码已过期或失效，不能重试；请重新点击“一键呼叫”，将生成新的验证码。"
        )
    if sms_due and not have_code:
        raise FreshDispatchNeeded(
            "本机已不保存该验证码（程序重启过），不能重发；请重新点击“一键呼叫”生成新的验证码。"
        )
    audit.record(
        session,
        actor,
        "dispatch.retry",
        entity_type="appointment",
        entity_id=row.appointment_id,
        detail={"dispatch_id": dispatch_id, "sms": sms_due, "call": call_due},
    )
    return sms_due, call_due


def blocked_text(state: str) -> str:
    """Why a step was not (re)done."""
    if state == "unknown":
        return "状态未知：上次发送未得到确认，不会自动重发。请先核实，必要时重新点击“一键呼叫”。"
    if state in ("queued", "failed"):
        return "本机已不保存该验证码，请重新点击“一键呼叫”。"
    return "已完成，不再重复。"
