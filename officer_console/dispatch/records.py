"""What the officer sees of a dispatch: step states, the outcome, the message log.

Plain dataclasses read from the database, so the GUI (and tests) never touch ORM rows.
Step states: ``queued``, ``sending``, ``sent``, ``failed``, ``unknown`` (SMS/call may have
happened — never repeated automatically), ``handed_off``/``originated`` (call placed); the code
step is ``sent`` while usable, else ``used``, ``expired`` or ``void``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError, NotFoundError
from officer_console.domain.masking import mask_phone
from officer_console.store.db.models import Appointment, CallAttempt, Dispatch, VerificationCode
from officer_console.store.db.models import SmsMessage as SmsRow

__all__ = [
    "STATE_LABELS",
    "AppointmentSnapshot",
    "DispatchOutcome",
    "FreshDispatchNeeded",
    "LogRow",
    "StepStatus",
    "StepUpdate",
    "load_outcome",
    "sms_text",
    "snapshot",
]

STEPS = ("code", "sms", "call")
STATE_LABELS = {
    "queued": "等待中",
    "sending": "进行中",
    "sent": "已完成",
    "failed": "失败",
    "unknown": "状态未知",
    "handed_off": "已交软电话",
    "originated": "已呼出",
    "used": "已使用",
    "expired": "已过期",
    "void": "已作废",
}
SMS_LABELS = {
    "queued": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "unknown": "状态未知",
}


class FreshDispatchNeeded(DomainError):
    """A retry cannot help (code expired or gone): the officer must dispatch again."""

    code = "fresh_dispatch_needed"


@dataclass(frozen=True)
class StepUpdate:
    """One progress event; ``dispatch_id`` is None until the dispatch row exists."""

    dispatch_id: int | None
    step: str
    state: str
    message: str = ""


@dataclass(frozen=True)
class StepStatus:
    state: str
    message: str = ""

    @property
    def label(self) -> str:
        return STATE_LABELS.get(self.state, self.state)


@dataclass(frozen=True)
class DispatchOutcome:
    dispatch_id: int
    appointment_id: int
    appointment_version: int
    appointment_status: str
    code: StepStatus
    sms: StepStatus
    call: StepStatus
    code_expires_at: datetime | None

    def step(self, name: str) -> StepStatus:
        return {"code": self.code, "sms": self.sms, "call": self.call}[name]

    @property
    def failed_steps(self) -> tuple[str, ...]:
        """Steps a retry would repeat."""
        return tuple(n for n in ("sms", "call") if self.step(n).state in ("queued", "failed"))

    @property
    def ok(self) -> bool:
        return self.sms.state == "sent" and self.call.state in ("handed_off", "originated")


@dataclass(frozen=True)
class LogRow:
    at: datetime
    phone_masked: str
    status: str
    vendor_message: str

    @property
    def status_label(self) -> str:
        return SMS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class AppointmentSnapshot:
    appointment_id: int
    version: int
    status: str
    officer_id: int | None
    slot_start: datetime
    slot_end: datetime
    timezone: str
    phone_masked: str
    outcome: DispatchOutcome | None
    log: tuple[LogRow, ...]


def _code_state(code: VerificationCode | None, now: datetime) -> str:
    if code is None:
        return "failed"
    if code.used_at is not None:
        return "used"
    if code.voided_at is not None:
        return "void"
    return "expired" if code.expires_at <= now else "sent"


# The SMS services by their Chinese names (the officer reads these; ids stay as sent).
PROVIDER_NAMES = {"aliyun": "阿里云短信", "tencent": "腾讯云短信", "outbox": "演示发件箱"}


def sms_text(
    status: str, provider: str, provider_message_id: str | None, error_message: str | None
) -> str:
    """The officer-facing line for an SMS in ``status``."""
    if status == "sent":
        ref = f"，流水号 {provider_message_id}" if provider_message_id else ""
        return f"短信已发送（{PROVIDER_NAMES.get(provider, provider)}{ref}）"
    if status == "sending":
        return "发送中；如长时间无结果，说明上次发送未得到确认（状态未知），不会自动重发。"
    return error_message or ""


def _sms_message(row: SmsRow) -> str:
    return sms_text(row.status, row.provider, row.provider_message_id, row.error_message)


def load_outcome(session: Session, dispatch_id: int, *, now: datetime) -> DispatchOutcome:
    row = session.get(Dispatch, dispatch_id)
    if row is None:
        raise NotFoundError("呼叫记录不存在")
    appt = session.get(Appointment, row.appointment_id)
    assert appt is not None
    sms = session.scalar(select(SmsRow).where(SmsRow.dispatch_id == dispatch_id))
    code = session.get(VerificationCode, row.code_id) if row.code_id is not None else None
    call_text = session.scalar(
        select(CallAttempt.detail)
        .where(CallAttempt.dispatch_id == dispatch_id)
        .order_by(CallAttempt.id.desc())
        .limit(1)
    )
    code_state = _code_state(code, now)
    code_text = {
        "sent": "验证码有效",
        "used": "群众已使用验证码",
        "expired": "验证码已过期",
        "void": "验证码已作废",
    }.get(code_state, "")
    return DispatchOutcome(
        dispatch_id=dispatch_id,
        appointment_id=appt.id,
        appointment_version=appt.version,
        appointment_status=appt.status,
        code=StepStatus(code_state, code_text),
        sms=StepStatus(sms.status, _sms_message(sms)) if sms else StepStatus("failed"),
        call=StepStatus(row.call_status, call_text or ""),
        code_expires_at=code.expires_at if code else None,
    )


def snapshot(session: Session, appointment_id: int, *, now: datetime) -> AppointmentSnapshot:
    """Everything the dispatch panel shows for one appointment, in one read."""
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    latest = session.scalar(
        select(Dispatch.id)
        .where(Dispatch.appointment_id == appointment_id)
        .order_by(Dispatch.id.desc())
        .limit(1)
    )
    messages = session.scalars(
        select(SmsRow)
        .where(SmsRow.appointment_id == appointment_id)
        .order_by(SmsRow.created_at.desc(), SmsRow.id.desc())
        .limit(50)
    ).all()
    log = tuple(
        LogRow(m.sent_at or m.created_at, mask_phone(m.phone), m.status, _sms_message(m))
        for m in messages
    )
    return AppointmentSnapshot(
        appointment_id=appt.id,
        version=appt.version,
        status=appt.status,
        officer_id=appt.officer_id,
        slot_start=appt.slot_start,
        slot_end=appt.slot_end,
        timezone=appt.squad.timezone,
        phone_masked=mask_phone(appt.citizen.phone),
        outcome=None if latest is None else load_outcome(session, latest, now=now),
        log=log,
    )
