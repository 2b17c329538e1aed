"""Accounts: creation, argon2id passwords, login with lockout, unlock, roles, TOTP.

Lockout (CJIS AC-7): ``max_failures`` failed logins within ``window`` lock the account until
an admin unlocks it. Every attempt, lock and unlock is audited in the same transaction.

Whoever types learns nothing about the account: an unknown police number, a wrong password or
one-time code, a locked or a disabled account all raise :class:`LoginFailed` with the one
:data:`LOGIN_FAILED` message (no remaining-tries count), and each costs one argon2 verification
so the time taken does not tell them apart either. The reason is in the audit row; the lockout
is for the admin to see (``account.lock`` audit, the users dialog).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.domain.errors import NotFoundError, PermissionDenied, ValidationError
from officer_console.paths import resource
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Officer, Squad
from officer_console.store.db.types import utcnow

ROLES = ("officer", "shift_lead", "admin", "auditor")
ROLE_LABELS = {
    "officer": "办案民警",
    "shift_lead": "带班领导",
    "admin": "管理员",
    "auditor": "审计员",
}
PASSWORD_MIN, PASSWORD_MAX = 8, 128

# argon2id, m = 64 MiB, t = 3, p = 2: above the ASVS floor (m ≥ 19 MiB, t ≥ 2).
PRODUCTION_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
_hasher = PRODUCTION_HASHER
Clock = Callable[[], datetime]
LOGIN_FAILED = "登录失败：警号、密码或动态口令不正确，或该账号当前不能登录。请核对后重试，仍有问题请联系管理员。"


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Hash new passwords with ``hasher`` from now on; returns the one used before.

    The test suite injects cheap parameters here (≈ 190 ms per hash otherwise); the program
    never calls it. Stored hashes carry their own parameters, so verification is unaffected.
    """
    global _hasher  # one process-wide policy, like the parameters it replaces
    previous, _hasher = _hasher, hasher
    _dummy_hash.cache_clear()  # the dummy must cost what a real verification costs
    return previous


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when there is no usable account (same cost as a real one)."""
    return _hasher.hash("not-a-password-of-anyone")


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resource("security", "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, *, police_number: str = "") -> None:
    if len(password) < PASSWORD_MIN:
        raise ValidationError("password", f"密码至少 {PASSWORD_MIN} 位")
    if len(password) > PASSWORD_MAX:
        raise ValidationError("password", f"密码不能超过 {PASSWORD_MAX} 位")
    if password.lower() in _common_passwords():
        raise ValidationError("password", "密码过于常见，请换一个不易被猜到的密码")
    if police_number and police_number in password:
        raise ValidationError("password", "密码不能包含警号")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class OfficerInfo:
    """What the GUI needs about the signed-in officer — no hash, no secret."""

    id: int
    police_number: str
    name: str
    role: str
    squad_id: int | None
    squad_name: str
    totp_enabled: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


def officer_info(session: Session, officer: Officer) -> OfficerInfo:
    squad = session.get(Squad, officer.squad_id) if officer.squad_id else None
    return OfficerInfo(
        id=officer.id,
        police_number=officer.police_number,
        name=officer.name,
        role=officer.role,
        squad_id=officer.squad_id,
        squad_name=squad.name if squad else "",
        totp_enabled=officer.totp_secret is not None,
    )


def create_user(
    session: Session,
    actor: Actor,
    *,
    police_number: str,
    name: str,
    role: str,
    password: str,
    squad_code: str | None = None,
) -> Officer:
    police_number = police_number.strip()
    if not police_number.isalnum() or not 4 <= len(police_number) <= 16:
        raise ValidationError("police_number", "警号应为 4–16 位字母或数字")
    if role not in ROLES:
        raise ValidationError("role", f"未知角色 {role}，可选: {', '.join(ROLES)}")
    name = name.strip()
    if not 1 <= len(name) <= 32:
        raise ValidationError("name", "姓名长度应为 1–32 个字")
    check_password_policy(password, police_number=police_number)
    squad_id = None
    if squad_code:
        squad = session.scalar(select(Squad).where(Squad.code == squad_code))
        if squad is None:
            raise NotFoundError(f"找不到大队 {squad_code}")
        squad_id = squad.id
    elif role in ("officer", "shift_lead"):
        raise ValidationError("squad", "民警和带班领导必须指定所属大队")
    if session.scalar(select(Officer.id).where(Officer.police_number == police_number)):
        raise ValidationError("police_number", f"警号 {police_number} 已存在")
    officer = Officer(
        police_number=police_number,
        name=name,
        role=role,
        squad_id=squad_id,
        password_hash=hash_password(password),
    )
    session.add(officer)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        entity_type="officer",
        entity_id=officer.id,
        detail={"police_number": police_number, "role": role, "squad": squad_code},
    )
    return officer


class LoginFailed(PermissionDenied):
    code = "login_failed"


def authenticate(
    session: Session,
    *,
    police_number: str,
    password: str,
    workstation: str,
    totp_code: str | None = None,
    require_totp: bool = False,
    max_failures: int = 5,
    window: timedelta = timedelta(minutes=15),
    clock: Clock = utcnow,
) -> OfficerInfo:
    """Check credentials; count failures; lock after too many. Raises LoginFailed.

    The caller must commit even when LoginFailed is raised, so failures and locks persist:
    use ``login`` below, which does that.
    """
    now = clock()
    officer = session.scalar(select(Officer).where(Officer.police_number == police_number.strip()))
    who = Actor(
        police_number=police_number.strip()[:32] or "?", officer_id=None, workstation=workstation
    )
    if officer is None:
        verify_password(_dummy_hash(), password)  # same time as a known number
        audit.record(
            session, who, "login", outcome="denied", detail={"reason": "unknown_user"}, at=now
        )
        raise LoginFailed(LOGIN_FAILED)
    who = Actor(police_number=officer.police_number, officer_id=officer.id, workstation=workstation)

    def denied(reason: str, message: str, **extra: object) -> LoginFailed:
        audit.record(
            session,
            who,
            "login",
            entity_type="officer",
            entity_id=officer.id,
            outcome="denied",
            detail={"reason": reason, **extra},
            at=now,
        )
        return LoginFailed(message)

    ok = verify_password(officer.password_hash, password)
    if officer.disabled:
        raise denied("disabled", LOGIN_FAILED)
    if officer.locked_at is not None:
        raise denied("locked", LOGIN_FAILED, password_ok=ok)
    totp_needed = officer.totp_secret is not None or officer.totp_required or require_totp
    if ok and totp_needed:
        if officer.totp_secret is None:
            raise denied("totp_not_enrolled", "管理员要求启用动态口令，请先联系管理员绑定动态口令")
        ok = bool(totp_code) and pyotp.TOTP(officer.totp_secret).verify(
            str(totp_code).strip(), for_time=now, valid_window=1
        )
    if not ok:
        if officer.first_failed_at is None or now - officer.first_failed_at > window:
            officer.first_failed_at = now
            officer.failed_logins = 0
        officer.failed_logins += 1
        failure = denied("bad_credentials", LOGIN_FAILED, failures=officer.failed_logins)
        if officer.failed_logins >= max_failures:
            officer.locked_at = now
            audit.record(
                session,
                who,
                "account.lock",
                entity_type="officer",
                entity_id=officer.id,
                detail={"failures": officer.failed_logins, "notify": "admin"},
                at=now,
            )
        raise failure
    officer.failed_logins = 0
    officer.first_failed_at = None
    audit.record(session, who, "login", entity_type="officer", entity_id=officer.id, at=now)
    return officer_info(session, officer)


def require_role(actor_role: str, *allowed: str) -> None:
    if actor_role not in allowed:
        raise PermissionDenied("没有权限执行此操作")


def _get(session: Session, police_number: str) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.police_number == police_number))
    if officer is None:
        raise NotFoundError(f"找不到警号 {police_number}")
    return officer


def unlock(session: Session, actor: Actor, police_number: str) -> None:
    officer = _get(session, police_number)
    officer.locked_at = None
    officer.failed_logins = 0
    officer.first_failed_at = None
    audit.record(session, actor, "account.unlock", entity_type="officer", entity_id=officer.id)


def reset_password(session: Session, actor: Actor, police_number: str, new_password: str) -> None:
    officer = _get(session, police_number)
    check_password_policy(new_password, police_number=officer.police_number)
    officer.password_hash = hash_password(new_password)
    officer.password_changed_at = utcnow()
    audit.record(
        session, actor, "account.reset_password", entity_type="officer", entity_id=officer.id
    )


def set_disabled(
    session: Session, actor: Actor, police_number: str, disabled: bool, *, reason: str = ""
) -> None:
    """``reason`` (why it was disabled) goes into the audit row."""
    officer = _get(session, police_number)
    officer.disabled = disabled
    audit.record(
        session,
        actor,
        "account.disable" if disabled else "account.enable",
        entity_type="officer",
        entity_id=officer.id,
        detail={"reason": reason} if reason else None,
    )


def set_role(session: Session, actor: Actor, police_number: str, role: str) -> None:
    if role not in ROLES:
        raise ValidationError("role", f"未知角色 {role}")
    officer = _get(session, police_number)
    old = officer.role
    officer.role = role
    audit.record(
        session,
        actor,
        "account.role",
        entity_type="officer",
        entity_id=officer.id,
        detail={"from": old, "to": role},
    )


def enrol_totp(session: Session, actor: Actor, police_number: str) -> str:
    """Create a TOTP secret for the account; the caller shows it once (QR / text)."""
    officer = _get(session, police_number)
    secret = pyotp.random_base32()
    officer.totp_secret = secret
    officer.totp_required = True
    audit.record(session, actor, "account.totp_enrol", entity_type="officer", entity_id=officer.id)
    return secret


def login(
    factory: Callable[[], Session],
    **kwargs: object,
) -> OfficerInfo:
    """``authenticate`` in its own transaction that commits failures and locks too."""
    with factory() as session:
        session.begin()
        try:
            info = authenticate(session, **kwargs)  # type: ignore[arg-type]
        except LoginFailed:
            session.commit()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return info
