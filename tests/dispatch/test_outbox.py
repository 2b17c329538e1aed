"""The demo outbox provider stores the rendered SMS where the demo citizen page can read it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.outbox import OutboxSmsProvider, latest_outbox_message
from officer_console.dispatch.sms.base import SmsMessage, SmsProvider
from officer_console.dispatch.templates import SmsTemplate
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import SmsMessage as SmsRow
from tests.support import builders

PHONE = "13800000000"
LINK = "http://127.0.0.1:8470/join"


@dataclass(frozen=True)
class World:
    appointment_id: int


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    with transaction(factory) as s:
        squad = builders.squad(s)
        [appointment] = builders.appointments(s, squad, 1)
    return World(appointment)


def _message(key: str, phone: str = PHONE, code: str = "482913") -> SmsMessage:
    template = SmsTemplate()
    return template.message(
        provider="outbox",
        phone=phone,
        code=code,
        squad="历下区大队",
        link=LINK,
        idempotency_key=key,
    )


def test_is_an_sms_provider(factory) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(OutboxSmsProvider(factory), SmsProvider)
    assert OutboxSmsProvider(factory).name == "outbox"


def test_fills_the_dispatch_row_once(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        s.add(
            SmsRow(
                appointment_id=world.appointment_id,
                idempotency_key="oc-1-abcd",
                provider="outbox",
                phone=PHONE,
                status="queued",
            )
        )
    outbox = OutboxSmsProvider(factory, valid_minutes=5)
    first = outbox.send(_message("oc-1-abcd"))
    assert first.accepted, first.message_zh
    assert first.provider_message_id and first.provider_message_id.startswith("outbox-")
    again = outbox.send(_message("oc-1-abcd", code="000111"))
    assert again.accepted and again.provider_message_id == first.provider_message_id
    with factory() as s:
        [row] = s.scalars(select(SmsRow)).all()
        latest = latest_outbox_message(s, "+86 138 0000 0000")
    assert row.status == "queued"  # the dispatch service owns the status
    assert row.body.startswith("【济南交警】历下区大队民警正在等候您进行远程违法处理视频")
    assert "即将开始" not in row.body  # also sent for slots that began or ended long ago
    assert "验证码482913，5分钟内有效" in row.body
    assert LINK in row.body
    assert "000111" not in row.body
    assert latest is not None and latest[0] == row.body


def test_without_a_row_it_files_under_the_latest_appointment(factory, world) -> None:  # type: ignore[no-untyped-def]
    result = OutboxSmsProvider(factory).send(_message("dev-tool-1"))
    assert result.accepted
    with factory() as s:
        [row] = s.scalars(select(SmsRow)).all()
    assert (row.appointment_id, row.status, row.provider) == (
        world.appointment_id,
        "sent",
        "outbox",
    )


def test_unknown_or_invalid_phone_is_not_stored(factory, world) -> None:  # type: ignore[no-untyped-def]
    outbox = OutboxSmsProvider(factory)
    stranger = outbox.send(_message("k-2", phone="13999999999"))
    assert not stranger.accepted and stranger.error_code == "NO_APPOINTMENT"
    bad = outbox.send(_message("k-3", phone="12345"))
    assert not bad.accepted and bad.error_code == "INVALID_PHONE"
    with factory() as s:
        assert s.scalars(select(SmsRow)).all() == []
        assert latest_outbox_message(s, PHONE) is None
        assert latest_outbox_message(s, "not a phone") is None


def test_latest_message_is_the_newest_for_that_phone(factory, world) -> None:  # type: ignore[no-untyped-def]
    outbox = OutboxSmsProvider(factory)
    outbox.send(_message("k-a", code="111111"))
    outbox.send(_message("k-b", code="222222"))
    with factory() as s:
        latest = latest_outbox_message(s, PHONE)
    assert latest is not None
    body, created_at = latest
    assert "222222" in body and created_at.tzinfo is not None
