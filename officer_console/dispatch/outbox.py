"""Demo/development SMS provider: the message goes into ``sms_messages`` instead of a vendor.

It is the only provider that keeps the message body — including the plain verification code
— so the demo citizen page can show "the SMS" (:func:`latest_outbox_message`). That breaks
the hash-only rule for codes on purpose and must never be configured in production.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.sms.base import (
    SmsError,
    SmsMessage,
    SmsProvider,
    SmsResult,
    invalid_phone_result,
)
from officer_console.dispatch.templates import SmsTemplate
from officer_console.domain.errors import ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile
from officer_console.store.db.engine import run_in_transaction
from officer_console.store.db.models import Appointment, Citizen
from officer_console.store.db.models import SmsMessage as SmsRow

__all__ = ["OutboxSmsProvider", "latest_outbox_message"]

log = logging.getLogger("officer_console.dispatch.sms.outbox")


class OutboxSmsProvider(SmsProvider):
    """Writes the rendered text into the dispatch's ``sms_messages`` row (its own transaction).

    The dispatch service has already created that row (found by idempotency key); a message
    sent without one — a developer tool, say — gets a new row on the citizen's latest
    appointment. Sending the same key twice stores nothing new.
    """

    name = "outbox"

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        template: SmsTemplate | None = None,
        valid_minutes: int = 10,
    ) -> None:
        self._factory = factory
        self._template = template or SmsTemplate()
        self._minutes = valid_minutes

    def send(self, msg: SmsMessage) -> SmsResult:
        try:
            number = validate_mobile(msg.phone)
        except ValidationError as exc:
            return invalid_phone_result(exc.message)
        try:
            body = self._template.render(msg.params, minutes=self._minutes)
        except SmsError as exc:
            return _failed("TEMPLATE", exc.message)
        row_id = run_in_transaction(self._factory, lambda s: self._store(s, msg, number, body))
        if row_id is None:
            return _failed("NO_APPOINTMENT", "演示发件箱找不到该号码的预约，短信未保存。")
        log.info("outbox stored message for %s key=%s", mask_phone(number), msg.idempotency_key)
        return SmsResult(
            accepted=True,
            provider_message_id=f"outbox-{row_id}",
            error_code=None,
            message_zh="短信已存入演示发件箱（未真实发送）。",
            retryable=False,
        )

    @staticmethod
    def _store(session: Session, msg: SmsMessage, number: str, body: str) -> int | None:
        row = session.scalar(select(SmsRow).where(SmsRow.idempotency_key == msg.idempotency_key))
        if row is not None:
            if not row.body:  # first delivery for this key; a repeat keeps the original
                session.execute(update(SmsRow).where(SmsRow.id == row.id).values(body=body))
            return row.id
        appointment_id = session.scalar(
            select(Appointment.id)
            .join(Citizen, Citizen.id == Appointment.citizen_id)
            .where(Citizen.phone == number)
            .order_by(Appointment.slot_start.desc(), Appointment.id.desc())
            .limit(1)
        )
        if appointment_id is None:
            return None
        new = SmsRow(
            appointment_id=appointment_id,
            idempotency_key=msg.idempotency_key,
            provider="outbox",
            phone=number,
            body=body,
            status="sent",
            provider_message_id=f"outbox-key-{secrets.token_hex(4)}",
        )
        session.add(new)
        session.flush()
        return new.id


def _failed(code: str, text: str) -> SmsResult:
    return SmsResult(
        accepted=False, provider_message_id=None, error_code=code, message_zh=text, retryable=False
    )


def latest_outbox_message(session: Session, phone: str) -> tuple[str, datetime] | None:
    """The newest outbox text for ``phone`` and when it was created, for the demo citizen page."""
    try:
        number = validate_mobile(phone)
    except ValidationError:
        return None
    row = session.execute(
        select(SmsRow.body, SmsRow.created_at)
        .where(SmsRow.provider == "outbox", SmsRow.phone == number, SmsRow.body != "")
        .order_by(SmsRow.created_at.desc(), SmsRow.id.desc())
        .limit(1)
    ).one_or_none()
    return None if row is None else (str(row.body), row.created_at)
