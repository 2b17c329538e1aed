"""The one-click dispatch end to end on SQLite and PostgreSQL.

(i) outbox provider + URI dialer with a recording opener; (ii) the Aliyun provider against the
local gateway (real HTTP, signatures re-computed) and the AMI dialer against the local AMI
server. "No duplicate message" is always counted where it would hurt: at the server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import CodeRejected, verify_code
from officer_console.dispatch.dialers.ami import AmiConfig, AmiDialer
from officer_console.dispatch.dialers.base import Dialer
from officer_console.dispatch.dialers.uri import UriDialer
from officer_console.dispatch.outbox import OutboxSmsProvider, latest_outbox_message
from officer_console.dispatch.records import StepUpdate
from officer_console.dispatch.service import DispatchService, FreshDispatchNeeded
from officer_console.dispatch.sms.aliyun import AliyunSmsConfig, AliyunSmsProvider
from officer_console.dispatch.sms.base import RetryPolicy, SmsProvider
from officer_console.domain.errors import ConflictError, PermissionDenied
from officer_console.store.appointments import queue
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import (
    Appointment,
    AuditEvent,
    CallAttempt,
    Dispatch,
    SmsMessage,
    VerificationCode,
)
from officer_console.store.db.types import utcnow
from tests.servers.ami_server import AMI_SECRET, AMI_USER, AmiServer
from tests.servers.sms_gateway import ALIYUN_KEYS, SmsGateway
from tests.support import builders

PHONE = "13800000000"
KEY_ID, SECRET = next(iter(ALIYUN_KEYS.items()))


@dataclass
class World:
    actor: Actor
    other: Actor
    appointment_id: int
    version: int


@dataclass
class Opener:
    """Records the URIs handed to the 'softphone'; answers from ``results`` then True."""

    results: list[bool] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def __call__(self, uri: str) -> bool:
        self.opened.append(uri)
        return self.results.pop(0) if self.results else True


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    with transaction(factory) as s:
        squad = builders.squad(s)
        me = builders.actor_for(builders.officer(s, squad, "370102001"))
        other = builders.actor_for(builders.officer(s, squad, "370102002"), "ws-other")
        [appointment] = builders.appointments(s, squad, 1)
        version = queue.claim(s, me, squad.id, appointment)
    return World(me, other, appointment, version)


@pytest.fixture
def gateway() -> Iterator[SmsGateway]:
    with SmsGateway(slow_seconds=0.6) as gw:
        yield gw


def aliyun(url: str) -> AliyunSmsProvider:
    return AliyunSmsProvider(
        AliyunSmsConfig(
            KEY_ID,
            SECRET,
            base_url=url,
            connect_timeout=0.5,
            read_timeout=0.3,
            retry=RetryPolicy(attempts=2, backoff=0.01),
        )
    )


def ami(port: int) -> AmiDialer:
    return AmiDialer(
        AmiConfig(
            host="127.0.0.1",
            port=port,
            username=AMI_USER,
            secret=AMI_SECRET,
            ring_timeout=0.2,
            connect_timeout=0.5,
            response_timeout=0.5,
            event_grace=0.5,
        )
    )


def service(
    factory: sessionmaker[Session], sms: SmsProvider, dialer: Dialer, **kw: object
) -> DispatchService:
    return DispatchService(
        factory, sms, dialer, join_link="https://jj.example.cn/join", officer_extension="8001", **kw
    )  # type: ignore[arg-type]


def count(factory: sessionmaker[Session], model: type, **where: object) -> int:
    with factory() as s:
        stmt = select(func.count()).select_from(model).filter_by(**where)
        return int(s.scalar(stmt) or 0)


def contacting_moves(factory: sessionmaker[Session], appointment_id: int) -> int:
    with factory() as s:
        events = audit.events_for(s, "appointment", appointment_id)
    return sum(
        1 for e in events if e.action == "appointment.dispatch" and e.detail["to"] == "contacting"
    )


def assert_chain_ok(factory: sessionmaker[Session]) -> None:
    with factory() as s:
        report = audit.verify_chain(s)
    assert report.ok, report.reason


# --- (i) outbox + URI ----------------------------------------------------------------------


def test_outbox_and_uri_end_to_end(factory, world) -> None:  # type: ignore[no-untyped-def]
    opener = Opener()
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(opener))
    events: list[StepUpdate] = []
    outcome = asyncio.run(
        svc.dispatch(world.actor, world.appointment_id, world.version, events.append)
    )
    assert (outcome.code.state, outcome.sms.state, outcome.call.state) == (
        "sent",
        "sent",
        "handed_off",
    )
    assert outcome.ok and outcome.failed_steps == ()
    assert (outcome.appointment_status, outcome.appointment_version) == (
        "contacting",
        world.version + 1,
    )
    assert opener.opened == [f"tel:+86{PHONE}"]
    by_step = {
        step: [e.state for e in events if e.step == step] for step in ("code", "sms", "call")
    }
    assert by_step == {
        "code": ["sending", "sent"],
        "sms": ["queued", "sending", "sent"],
        "call": ["queued", "sending", "handed_off"],
    }
    with factory() as s:
        latest = latest_outbox_message(s, PHONE)
        [row] = s.scalars(select(SmsMessage)).all()
        actions = [e.action for e in audit.events_for(s, "appointment", world.appointment_id)]
    assert latest is not None
    match = re.search(r"验证码(\d{6})", latest[0])
    assert match and "https://jj.example.cn/join" in latest[0]
    assert row.status == "sent" and row.idempotency_key.startswith(f"oc-{outcome.dispatch_id}-")
    for action in (
        "dispatch.create",
        "code.issue",
        "appointment.dispatch",
        "sms.send",
        "call.place",
    ):
        assert action in actions
    with transaction(factory) as s:  # the citizen page's check accepts the texted code
        assert verify_code(s, phone=PHONE, code=match.group(1), client_ip="127.0.0.1") == (
            world.appointment_id
        )
    assert contacting_moves(factory, world.appointment_id) == 1
    assert_chain_ok(factory)


def test_retry_with_nothing_failed_sends_nothing(factory, world) -> None:  # type: ignore[no-untyped-def]
    opener = Opener()
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(opener))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    again = asyncio.run(svc.retry(world.actor, first.dispatch_id))
    assert again.ok and len(opener.opened) == 1
    assert count(factory, AuditEvent, action="dispatch.retry") == 0


def test_call_failure_then_retry_repeats_only_the_call(factory, world) -> None:  # type: ignore[no-untyped-def]
    opener = Opener(results=[False])
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(opener))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert (first.sms.state, first.call.state) == ("sent", "failed")
    assert "软电话" in first.call.message and first.failed_steps == ("call",)
    with factory() as s:
        body_before = s.scalars(select(SmsMessage.body)).one()
    second = asyncio.run(svc.retry(world.actor, first.dispatch_id))
    assert second.ok and len(opener.opened) == 2
    with factory() as s:
        assert s.scalars(select(SmsMessage.body)).all() == [body_before]
        calls = s.scalars(select(CallAttempt.status).order_by(CallAttempt.id)).all()
    assert calls == ["failed", "handed_off"]
    assert contacting_moves(factory, world.appointment_id) == 1
    assert_chain_ok(factory)


def test_redispatch_voids_the_old_code_and_moves_contacting_to_contacting(factory, world) -> None:  # type: ignore[no-untyped-def]
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(Opener()))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    second = asyncio.run(svc.dispatch(world.actor, world.appointment_id, first.appointment_version))
    assert second.dispatch_id != first.dispatch_id and second.ok
    assert count(factory, VerificationCode) == 2
    with factory() as s:
        voided = s.scalars(select(VerificationCode.voided_at).order_by(VerificationCode.id)).all()
    assert voided[0] is not None and voided[1] is None
    with pytest.raises(FreshDispatchNeeded, match="更新的呼叫"):
        asyncio.run(svc.retry(world.actor, first.dispatch_id))


def test_only_the_claiming_officer_may_dispatch_and_denial_is_audited(factory, world) -> None:  # type: ignore[no-untyped-def]
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(Opener()))
    with pytest.raises(PermissionDenied):
        asyncio.run(svc.dispatch(world.other, world.appointment_id, world.version))
    assert count(factory, Dispatch) == 0 and count(factory, VerificationCode) == 0
    assert count(factory, AuditEvent, action="dispatch.create", outcome="denied") == 1
    with factory() as s:
        appt = s.get(Appointment, world.appointment_id)
        assert appt is not None and appt.status == "claimed"


def test_only_the_claiming_officer_may_retry(factory, world) -> None:  # type: ignore[no-untyped-def]
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(Opener(results=[False])))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    with pytest.raises(PermissionDenied):
        asyncio.run(svc.retry(world.other, first.dispatch_id))
    assert count(factory, AuditEvent, action="dispatch.retry", outcome="denied") == 1
    assert count(factory, CallAttempt) == 1
    assert_chain_ok(factory)


def test_stale_version_changes_nothing(factory, world) -> None:  # type: ignore[no-untyped-def]
    svc = service(factory, OutboxSmsProvider(factory), UriDialer(Opener()))
    with pytest.raises(ConflictError):
        asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version - 1))
    assert count(factory, Dispatch) == 0 and count(factory, SmsMessage) == 0


def test_per_phone_rate_limit_is_denied_and_audited(factory, world) -> None:  # type: ignore[no-untyped-def]
    svc = service(
        factory, OutboxSmsProvider(factory), UriDialer(Opener()), max_per_phone_per_hour=1
    )
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    with pytest.raises(CodeRejected) as info:
        asyncio.run(svc.dispatch(world.actor, world.appointment_id, first.appointment_version))
    assert info.value.code == "rate_limited"
    assert count(factory, Dispatch) == 1
    assert count(factory, AuditEvent, action="code.issue", outcome="denied") == 1
    assert_chain_ok(factory)


def test_retry_after_expiry_or_restart_needs_a_fresh_dispatch(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    now = [utcnow()]
    gateway.script("aliyun", "balance")
    svc = service(factory, aliyun(gateway.url), UriDialer(Opener()), clock=lambda: now[0])
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert first.sms.state == "failed"
    restarted = service(factory, aliyun(gateway.url), UriDialer(Opener()), clock=lambda: now[0])
    with pytest.raises(FreshDispatchNeeded, match="程序重启"):
        asyncio.run(restarted.retry(world.actor, first.dispatch_id))
    now[0] += timedelta(minutes=11)
    with pytest.raises(FreshDispatchNeeded, match="过期"):
        asyncio.run(svc.retry(world.actor, first.dispatch_id))
    assert gateway.count("aliyun") == 1


# --- (ii) Aliyun against the local gateway, AMI against the local PBX ----------------------


def test_aliyun_and_ami_end_to_end(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with AmiServer(reason=4) as pbx:
            svc = service(factory, aliyun(gateway.url), ami(pbx.port))
            outcome = await svc.dispatch(world.actor, world.appointment_id, world.version)
            assert (outcome.sms.state, outcome.call.state) == ("sent", "originated")
            assert len(pbx.originates) == 1 and pbx.originates[0]["Exten"] == PHONE
            [sms] = gateway.accepted
            with factory() as s:
                row = s.scalars(select(SmsMessage)).one()
            assert sms.idempotency_key == row.idempotency_key
            assert row.provider_message_id == sms.message_id and row.body == ""
            assert sms.params["link"] == "https://jj.example.cn/join"
            with transaction(factory) as s:
                code = sms.params["code"]
                assert verify_code(s, phone=PHONE, code=code, client_ip="10.0.0.1") == (
                    world.appointment_id
                )

    asyncio.run(scenario())
    with factory() as s:  # the code travelled to the vendor only: not one plain copy here
        text = " ".join(s.scalars(select(VerificationCode.code_hash)))
        text += " ".join(str(e.detail) for e in s.scalars(select(AuditEvent)))
        text += " ".join(s.scalars(select(SmsMessage.body)))
    assert gateway.accepted[0].params["code"] not in text
    assert_chain_ok(factory)


def test_gateway_500s_then_recovery_retry_sends_exactly_one(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.script("aliyun", "http_500", "http_500", "http_500")
    svc = service(factory, aliyun(gateway.url), UriDialer(Opener()))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert (first.sms.state, first.call.state) == ("failed", "handed_off")
    assert "HTTP 500" in first.sms.message and first.failed_steps == ("sms",)
    assert gateway.count("aliyun") == 2 and gateway.accepted == []
    second = asyncio.run(svc.retry(world.actor, first.dispatch_id))
    assert second.sms.state == "sent" and second.ok
    assert len(gateway.accepted) == 1 and gateway.count("aliyun") == 4
    asyncio.run(svc.retry(world.actor, first.dispatch_id))
    assert len(gateway.accepted) == 1 and gateway.count("aliyun") == 4
    assert contacting_moves(factory, world.appointment_id) == 1
    with factory() as s:
        attempts = s.scalars(select(SmsMessage.attempts)).one()
    assert attempts == 4
    assert_chain_ok(factory)


def test_balance_error_is_clear_and_not_looped(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.script("aliyun", "balance")
    svc = service(factory, aliyun(gateway.url), UriDialer(Opener()))
    outcome = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert outcome.sms.state == "failed"
    assert "余额不足" in outcome.sms.message
    assert gateway.count("aliyun") == 1 and gateway.accepted == []
    with factory() as s:
        row = s.scalars(select(SmsMessage)).one()
    assert row.error_code == "isv.AMOUNT_NOT_ENOUGH"
    assert count(factory, AuditEvent, action="sms.send", outcome="failed") == 1


def test_read_timeout_is_unknown_and_never_resent(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.script("aliyun", "slow")
    svc = service(factory, aliyun(gateway.url), UriDialer(Opener()))
    events: list[StepUpdate] = []
    outcome = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert outcome.sms.state == "unknown" and outcome.failed_steps == ()
    again = asyncio.run(svc.retry(world.actor, outcome.dispatch_id, events.append))
    assert again.sms.state == "unknown"
    assert gateway.count("aliyun") == 1 and len(gateway.accepted) == 1
    assert events == []  # nothing was due


def test_ami_failure_then_retry_repeats_only_the_call(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> None:
        async with AmiServer(reason=5) as pbx:
            svc = service(factory, aliyun(gateway.url), ami(pbx.port))
            first = await svc.dispatch(world.actor, world.appointment_id, world.version)
            assert (first.sms.state, first.call.state) == ("sent", "failed")
            assert "正忙" in first.call.message
            pbx.reason = 4
            second = await svc.retry(world.actor, first.dispatch_id)
            assert second.call.state == "originated" and second.ok
            assert len(pbx.originates) == 2

    asyncio.run(scenario())
    assert len(gateway.accepted) == 1 and gateway.count("aliyun") == 1
    assert contacting_moves(factory, world.appointment_id) == 1
    assert count(factory, AuditEvent, action="call.place", outcome="failed") == 1
    assert_chain_ok(factory)


def test_concurrent_retries_send_at_most_once(factory, world, gateway) -> None:  # type: ignore[no-untyped-def]
    gateway.script("aliyun", "http_500", "http_500")
    svc = service(factory, aliyun(gateway.url), UriDialer(Opener()))
    first = asyncio.run(svc.dispatch(world.actor, world.appointment_id, world.version))
    assert first.sms.state == "failed"

    async def storm() -> None:
        await asyncio.gather(*(svc.retry(world.actor, first.dispatch_id) for _ in range(8)))

    asyncio.run(storm())
    assert len(gateway.accepted) == 1
    with factory() as s:
        assert s.scalars(select(SmsMessage.status)).one() == "sent"
