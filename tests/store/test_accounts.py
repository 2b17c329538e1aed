"""Accounts: policy, argon2id, lockout with an injected clock, TOTP, audit of every attempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.errors import ValidationError
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import AuditEvent, Officer
from officer_console.store.people import accounts
from tests.support import builders

ADMIN = Actor.system("ws-admin", "admin")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def officer_number(factory: sessionmaker[Session]) -> str:
    with transaction(factory) as s:
        sq = builders.squad(s)
        builders.officer(s, sq, "370102001")
    return "370102001"


def _login(factory, password: str, clock: Clock, **kw):  # type: ignore[no-untyped-def]
    return accounts.login(
        factory, police_number="370102001", password=password, workstation="ws-1", clock=clock, **kw
    )


def test_password_policy() -> None:
    for bad, msg in (
        ("short1", "至少"),
        ("password123", "常见"),
        ("x" * 200, "不能超过"),
        ("ab370102001cd", "警号"),
    ):
        with pytest.raises(ValidationError, match=msg):
            accounts.check_password_policy(bad, police_number="370102001")
    accounts.check_password_policy("长城-Wall-2026!", police_number="370102001")


def test_hash_is_argon2id_with_strong_parameters(production_hasher: object) -> None:
    """The program's parameters (the suite hashes with cheap ones, tests/conftest.py)."""
    h = accounts.hash_password("Correct-Horse-42")
    assert h.startswith("$argon2id$")
    params = dict(p.split("=") for p in h.split("$")[3].split(","))
    assert int(params["m"]) == 64 * 1024 and int(params["t"]) == 3 and int(params["p"]) == 2
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2  # the ASVS floor
    assert accounts.verify_password(h, "Correct-Horse-42")
    assert not accounts.verify_password(h, "wrong")


def test_five_failures_in_window_lock_until_admin_unlocks(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    for _ in range(4):
        with pytest.raises(accounts.LoginFailed) as failed:
            _login(factory, "wrong", clock)
        assert failed.value.message == accounts.LOGIN_FAILED  # no remaining-tries count
        clock.now += timedelta(minutes=2)
    with pytest.raises(accounts.LoginFailed) as failed:
        _login(factory, "wrong", clock)
    assert failed.value.message == accounts.LOGIN_FAILED  # the lock is not told to the typist
    with pytest.raises(accounts.LoginFailed):
        _login(factory, builders.PASSWORD, clock)  # right password, still locked
    clock.now += timedelta(hours=5)
    with pytest.raises(accounts.LoginFailed):
        _login(factory, builders.PASSWORD, clock)  # no automatic unlock
    with transaction(factory) as s:
        accounts.unlock(s, ADMIN, officer_number)
    info = _login(factory, builders.PASSWORD, clock)
    assert info.police_number == officer_number
    with factory() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert audit.verify_chain(s).ok
    assert actions.count("login") == 8
    assert "account.lock" in actions and "account.unlock" in actions
    with factory() as s:
        lock = s.scalars(select(AuditEvent).where(AuditEvent.action == "account.lock")).one()
        assert lock.detail["failures"] == 5  # type: ignore[index]


def test_unknown_wrong_and_locked_get_one_identical_message(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    """Nothing tells an unknown police number from a wrong password or a locked account."""
    clock = Clock()

    def message(number: str, password: str) -> str:
        with pytest.raises(accounts.LoginFailed) as failed:
            accounts.login(
                factory, police_number=number, password=password, workstation="ws", clock=clock
            )
        return str(failed.value.message)

    unknown = message("999999", "Whatever-Pass-1")
    wrong = message(officer_number, "Whatever-Pass-1")
    for _ in range(5):
        message(officer_number, "Whatever-Pass-1")
    locked = message(officer_number, builders.PASSWORD)
    with transaction(factory) as s:
        accounts.unlock(s, ADMIN, officer_number)
        accounts.set_disabled(s, ADMIN, officer_number, True)
    disabled = message(officer_number, builders.PASSWORD)
    assert unknown == wrong == locked == disabled == accounts.LOGIN_FAILED
    for hint in ("次", "锁定", "停用", "不存在"):
        assert hint not in accounts.LOGIN_FAILED
    with factory() as s:
        reasons = [
            e.detail["reason"]  # type: ignore[index]
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "login", AuditEvent.outcome == "denied")
                .order_by(AuditEvent.id)
            )
        ]
    assert reasons[0] == "unknown_user" and reasons[-2:] == ["locked", "disabled"]


def test_failures_outside_the_window_do_not_lock(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    for _ in range(8):
        with pytest.raises(accounts.LoginFailed):
            _login(factory, "wrong", clock)
        clock.now += timedelta(minutes=5)  # at most 3 failures fall in any 15-minute window
        if _ % 3 == 2:
            clock.now += timedelta(minutes=16)
    assert _login(factory, builders.PASSWORD, clock).police_number == officer_number


def test_unknown_user_and_disabled_user_are_denied_and_audited(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    with pytest.raises(accounts.LoginFailed, match="登录失败"):
        accounts.login(factory, police_number="999999", password="x", workstation="ws", clock=clock)
    with transaction(factory) as s:
        accounts.set_disabled(s, ADMIN, officer_number, True)
    with pytest.raises(accounts.LoginFailed, match="登录失败"):
        _login(factory, builders.PASSWORD, clock)
    with factory() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert len(denied) == 2


def test_totp_second_factor(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    with transaction(factory) as s:
        secret = accounts.enrol_totp(s, ADMIN, officer_number)
    with pytest.raises(accounts.LoginFailed):
        _login(factory, builders.PASSWORD, clock)  # code missing
    code = pyotp.TOTP(secret).at(clock.now)
    assert _login(factory, builders.PASSWORD, clock, totp_code=code).totp_enabled
    with factory() as s:
        assert s.scalar(
            select(Officer.totp_required).where(Officer.police_number == officer_number)
        )


def test_admin_can_require_totp_before_enrolment(factory, officer_number) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(accounts.LoginFailed, match="动态口令"):
        _login(factory, builders.PASSWORD, Clock(), require_totp=True)


def test_create_user_validates_and_audits(factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        builders.squad(s)
    with pytest.raises(ValidationError, match="大队"), transaction(factory) as s:
        accounts.create_user(
            s,
            ADMIN,
            police_number="370102005",
            name="周警官",
            role="officer",
            password="Str0ng-Passw0rd",
        )
    with transaction(factory) as s:
        o = accounts.create_user(
            s,
            ADMIN,
            police_number="370102005",
            name="周警官",
            role="officer",
            password="Str0ng-Passw0rd",
            squad_code="370102",
        )
        assert o.password_hash.startswith("$argon2id$")
    with pytest.raises(ValidationError, match="已存在"), transaction(factory) as s:
        accounts.create_user(
            s,
            ADMIN,
            police_number="370102005",
            name="周警官",
            role="officer",
            password="Str0ng-Passw0rd",
            squad_code="370102",
        )
