"""Verification codes on SQLite and PostgreSQL: expiry, reuse, brute force, voiding, limits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch import codes
from officer_console.dispatch.codes import CodeRejected, IssuedCode, issue_code, verify_code
from officer_console.domain.errors import ValidationError
from officer_console.store.appointments import queue
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, AuditEvent, VerificationCode
from officer_console.store.db.types import utcnow
from tests.support import builders

PHONE = "13800000000"
IP = "203.0.113.7"


@dataclass(frozen=True)
class World:
    actor: Actor
    appointment_id: int
    second_id: int  # another appointment of another citizen


@pytest.fixture
def world(factory: sessionmaker[Session]) -> World:
    with transaction(factory) as s:
        squad = builders.squad(s)
        officer = builders.officer(s, squad, "370102001")
        actor = builders.actor_for(officer)
        first, second = builders.appointments(s, squad, 2)
        queue.claim(s, actor, squad.id, first)
        queue.claim(s, actor, squad.id, second)
    return World(actor, first, second)


def _issue(factory: sessionmaker[Session], w: World, now: datetime | None = None) -> IssuedCode:
    with transaction(factory) as s:
        return issue_code(s, w.actor, w.appointment_id, now=now)


def _verify(
    factory: sessionmaker[Session],
    code: str,
    *,
    now: datetime | None = None,
    ip: str = IP,
    **kw: int,
) -> int:
    """Like the gateway: one transaction per request, rejections propagate as exceptions."""
    with transaction(factory) as s:
        return verify_code(s, phone=PHONE, code=code, client_ip=ip, now=now, **kw)


def _reject(factory: sessionmaker[Session], code: str, **kw: object) -> CodeRejected:
    with pytest.raises(CodeRejected) as info:
        _verify(factory, code, **kw)  # type: ignore[arg-type]
    return info.value


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_issued_code_is_six_digits_and_only_its_salted_hash_is_stored(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    assert re.fullmatch(r"[0-9]{6}", issued.code)
    assert issued.code not in repr(issued)
    with factory() as s:
        row = s.get(VerificationCode, issued.code_id)
        assert row is not None
        scheme, salt, digest = row.code_hash.split("$")
        assert (scheme, len(salt), len(digest)) == ("sha256", 32, 64)
        assert issued.code not in row.code_hash
        assert row.expires_at - row.created_at == timedelta(minutes=10)
        details = [str(e.detail) for e in s.scalars(select(AuditEvent))]
    assert not any(issued.code in d for d in details)
    assert any("138****0000" in d for d in details)
    assert not any(PHONE in d for d in details)


def test_db_holds_no_plain_six_digit_code(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = [_issue(factory, world) for _ in range(3)]
    with factory() as s:
        hashes = list(s.scalars(select(VerificationCode.code_hash)))
        audit_text = " ".join(str(e.detail) for e in s.scalars(select(AuditEvent)))
    for item in issued:
        assert all(item.code not in h for h in hashes)
        assert item.code not in audit_text
    assert two_salts_differ(hashes)


def two_salts_differ(hashes: list[str]) -> bool:
    return len({h.split("$")[1] for h in hashes}) == len(hashes)


def test_same_code_hashes_differently_and_matches_in_constant_time() -> None:
    a, b = codes.hash_code("123456"), codes.hash_code("123456")
    assert a != b
    assert codes.matches("123456", a) and codes.matches("123456", b)
    assert not codes.matches("123457", a)
    assert not codes.matches("123456", "md5$salt$" + "0" * 32)
    assert not codes.matches("123456", "garbage")


def test_correct_code_returns_the_appointment_once(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    assert _verify(factory, issued.code) == world.appointment_id
    again = _reject(factory, issued.code)
    assert again.code == "code_used"
    assert "已使用" in again.message
    with factory() as s:
        row = s.get(VerificationCode, issued.code_id)
        assert row is not None and row.used_at is not None


def test_expiry_with_injected_clock(factory, world) -> None:  # type: ignore[no-untyped-def]
    t0 = utcnow()
    issued = _issue(factory, world, now=t0)
    late = _reject(factory, issued.code, now=t0 + timedelta(minutes=10, seconds=1))
    assert late.code == "code_expired"
    fresh = _issue(factory, world, now=t0 + timedelta(minutes=11))
    ok = _verify(factory, fresh.code, now=t0 + timedelta(minutes=20, seconds=59))
    assert ok == world.appointment_id


def test_validity_is_configurable_but_never_above_ten_minutes(factory, world) -> None:  # type: ignore[no-untyped-def]
    t0 = utcnow()
    with transaction(factory) as s:
        short = issue_code(s, world.actor, world.appointment_id, valid_minutes=2, now=t0)
    assert short.expires_at == t0 + timedelta(minutes=2)
    assert _reject(factory, short.code, now=t0 + timedelta(minutes=3)).code == "code_expired"
    with transaction(factory) as s, pytest.raises(ValidationError):
        issue_code(s, world.actor, world.appointment_id, valid_minutes=11)


def test_five_wrong_tries_lock_the_code_even_for_the_right_code(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    wrong = _wrong(issued.code)
    reasons = [_reject(factory, wrong) for _ in range(5)]
    assert [r.code for r in reasons] == ["code_invalid"] * 4 + ["code_locked"]
    assert "还可以再试 4 次" in reasons[0].message
    assert "还可以再试 1 次" in reasons[3].message
    assert _reject(factory, issued.code).code == "code_locked"
    with factory() as s:
        row = s.get(VerificationCode, issued.code_id)
        assert row is not None
        assert row.attempts == 5  # counted although every request ended in an exception
        assert row.voided_at is not None and row.used_at is None


def test_malformed_input_counts_as_a_wrong_try(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    for junk in ("", "12345", "abcdef", "1234567", "１２３４５６"):
        assert _reject(factory, junk).code in {"code_invalid", "code_locked"}
    assert _reject(factory, issued.code).code == "code_locked"


def test_check_code_reports_without_raising_and_leaves_commit_to_caller(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    with transaction(factory) as s:
        result = codes.check_code(s, phone=PHONE, code=_wrong(issued.code), client_ip=IP)
    assert not result.ok
    assert (result.reason, result.appointment_id) == ("code_invalid", world.appointment_id)
    with factory() as s:
        row = s.get(VerificationCode, issued.code_id)
        assert row is not None and row.attempts == 1


def test_reissue_voids_the_previous_code(factory, world) -> None:  # type: ignore[no-untyped-def]
    first = _issue(factory, world)
    second = _issue(factory, world)
    with factory() as s:
        old = s.get(VerificationCode, first.code_id)
        assert old is not None and old.voided_at is not None
    if first.code != second.code:
        assert _reject(factory, first.code).code == "code_invalid"
    assert _verify(factory, second.code) == world.appointment_id


def test_rate_limit_per_phone_per_hour(factory, world) -> None:  # type: ignore[no-untyped-def]
    t0 = utcnow()
    for i in range(5):
        _issue(factory, world, now=t0 + timedelta(minutes=i))
    with pytest.raises(CodeRejected) as info:
        _issue(factory, world, now=t0 + timedelta(minutes=10))
    assert info.value.code == "rate_limited"
    assert "1小时内" in info.value.message
    with transaction(factory) as s:  # another citizen is not affected
        issue_code(s, world.actor, world.second_id, now=t0 + timedelta(minutes=10))
    later = _issue(factory, world, now=t0 + timedelta(minutes=61))
    assert _verify(factory, later.code, now=t0 + timedelta(minutes=62)) == world.appointment_id


def test_rate_limit_per_client_ip(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    for _ in range(3):
        _reject(factory, "000000" if issued.code != "000000" else "111111", max_failures_per_ip=3)
    blocked = _reject(factory, issued.code, max_failures_per_ip=3)
    assert blocked.code == "rate_limited"
    assert _verify(factory, issued.code, ip="198.51.100.9", max_failures_per_ip=3) == (
        world.appointment_id
    )
    with factory() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert [e.detail["ip"] for e in denied] == ["203.0.113.*"]


def test_no_code_and_cancelled_appointment(factory, world) -> None:  # type: ignore[no-untyped-def]
    assert _reject(factory, "123456").code == "no_active_code"
    issued = _issue(factory, world)
    with transaction(factory) as s:
        s.execute(
            update(Appointment)
            .where(Appointment.id == world.appointment_id)
            .values(status="cancelled")
        )
    assert _reject(factory, issued.code).code == "no_active_code"


def test_bad_phone_is_a_validation_error(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s, pytest.raises(ValidationError):
        verify_code(s, phone="12345", code="123456", client_ip=IP)


def test_verifications_are_audited_masked_and_chain_verifies(factory, world) -> None:  # type: ignore[no-untyped-def]
    issued = _issue(factory, world)
    _reject(factory, _wrong(issued.code))
    _verify(factory, issued.code)
    with factory() as s:
        events = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(("code.issue", "code.verify")))
            .order_by(AuditEvent.id)
        ).all()
        report = audit.verify_chain(s)
    assert [(e.action, e.outcome) for e in events] == [
        ("code.issue", "ok"),
        ("code.verify", "failed"),
        ("code.verify", "ok"),
    ]
    assert events[2].entity_id == str(world.appointment_id)
    for e in events:
        assert issued.code not in str(e.detail)
        assert PHONE not in str(e.detail)
    assert report.ok, report.reason


def test_rejection_reasons_are_closed_set() -> None:
    with pytest.raises(ValueError, match="unknown"):
        CodeRejected("nope")
    assert CodeRejected("code_expired").message == codes.REASONS["code_expired"]
