"""One-time citizen verification codes: issue (console) and check (citizen gateway).

Six digits from :mod:`secrets`, valid at most 10 minutes, single use, bound to one
appointment, stored only as ``sha256$<salt>$<hex>``. A salted hash cannot stop an attacker
who reads the live table from trying all 10⁶ codes — it keeps codes out of backups, exports
and logs; the real protection is the short life, the 5-try lock and the rate limits.

Wrong tries must survive the rejection: :func:`verify_code` commits the session before it
raises :class:`CodeRejected` (callers get a finished transaction), while :func:`check_code`
returns a :class:`CodeCheck` and leaves committing to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from officer_console.domain import appointment as rules
from officer_console.domain.errors import DomainError, NotFoundError, ValidationError
from officer_console.domain.masking import mask_phone
from officer_console.domain.validators import validate_mobile
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor
from officer_console.store.db.models import Appointment, AuditEvent, Citizen, VerificationCode
from officer_console.store.db.types import utcnow

__all__ = [
    "CodeCheck",
    "CodeRejected",
    "IssuedCode",
    "check_code",
    "hash_code",
    "issue_code",
    "matches",
    "verify_code",
]

CODE_DIGITS = 6
MAX_VALID_MINUTES = 10
IP_WINDOW = timedelta(minutes=15)
# Only these states can still be joined; a code of a cancelled or finished case is dead.
_JOINABLE = rules.VIDEO_ROOM_STATUSES  # the lifecycle decides when a code may open a room

REASONS = {
    "code_invalid": "验证码错误，请核对短信中的6位数字后重新输入。",
    "code_expired": "验证码已过期，请等待民警重新发送验证码。",
    "code_used": "该验证码已使用过。如需重新进入视频，请等待民警重新发送验证码。",
    "code_locked": "验证码输错次数过多，已失效，请等待民警重新发送验证码。",
    "rate_limited": "操作过于频繁，请稍后再试。",
    "no_active_code": "没有可用的验证码，请等待民警来电并发送验证码。",
}


class CodeRejected(DomainError):
    """A verification code cannot be issued or accepted; ``code`` is one of ``REASONS``."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown rejection reason {code!r}")
        super().__init__(message or REASONS[code], code=code)


@dataclass(frozen=True)
class IssuedCode:
    """A freshly issued code; ``code`` is plain text only here, in memory, never stored."""

    code: str = field(repr=False)
    code_id: int
    appointment_id: int
    expires_at: datetime


@dataclass(frozen=True)
class CodeCheck:
    """Outcome of :func:`check_code`; ``reason`` is None when the code was accepted."""

    appointment_id: int | None
    reason: str | None = None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def hash_code(code: str, salt: str | None = None) -> str:
    """``sha256$<salt hex>$<sha256(salt ‖ code) hex>``."""
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}{code}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


def matches(code: str, stored: str) -> bool:
    """Constant-time comparison of ``code`` with a stored hash; unknown formats never match."""
    scheme, _, rest = stored.partition("$")
    salt, _, _ = rest.partition("$")
    if scheme != "sha256" or not salt:
        return False
    return hmac.compare_digest(hash_code(code, salt), stored)


def _phone_codes_since(session: Session, phone: str, since: datetime) -> int:
    stmt = (
        select(func.count(VerificationCode.id))
        .join(Appointment, Appointment.id == VerificationCode.appointment_id)
        .join(Citizen, Citizen.id == Appointment.citizen_id)
        .where(Citizen.phone == phone, VerificationCode.created_at > since)
    )
    return int(session.scalar(stmt) or 0)


def issue_code(
    session: Session,
    actor: Actor,
    appointment_id: int,
    *,
    valid_minutes: int = 10,
    now: datetime | None = None,
    max_per_phone_per_hour: int = 5,
) -> IssuedCode:
    """Issue a code for the appointment, voiding its previous ones.

    Runs inside the caller's (larger) transaction, so a rate-limit refusal raises
    :class:`CodeRejected` without an audit row: the caller audits the denial in a transaction
    of its own (see :func:`record_issue_denied`).
    """
    if not 1 <= valid_minutes <= MAX_VALID_MINUTES:
        raise ValidationError(
            "code_valid_minutes", f"验证码有效期应为 1 至 {MAX_VALID_MINUTES} 分钟。"
        )
    now = now or utcnow()
    appt = session.get(Appointment, appointment_id)
    if appt is None:
        raise NotFoundError("预约不存在")
    phone = appt.citizen.phone
    if not phone:
        raise ValidationError("phone", "该群众没有登记手机号码，无法发送验证码。")
    sent = _phone_codes_since(session, phone, now - timedelta(hours=1))
    if sent >= max_per_phone_per_hour:
        raise CodeRejected(
            "rate_limited",
            f"该手机号码1小时内已发送 {sent} 次验证码，已达上限，请稍后再发或改用电话联系。",
        )
    voided = len(
        session.execute(
            update(VerificationCode)
            .where(
                VerificationCode.appointment_id == appointment_id,
                VerificationCode.used_at.is_(None),
                VerificationCode.voided_at.is_(None),
            )
            .values(voided_at=now)
            .returning(VerificationCode.id)
        ).all()
    )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    row = VerificationCode(
        appointment_id=appointment_id,
        code_hash=hash_code(code),
        created_at=now,
        expires_at=now + timedelta(minutes=valid_minutes),
        attempts=0,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "code.issue",
        entity_type="appointment",
        entity_id=appointment_id,
        detail={
            "code_id": row.id,
            "valid_minutes": valid_minutes,
            "voided_previous": voided,
            "phone": mask_phone(phone),
        },
    )
    return IssuedCode(code, row.id, appointment_id, row.expires_at)


def record_issue_denied(
    session: Session, actor: Actor, appointment_id: int, reason: CodeRejected
) -> None:
    """Audit a refused issue in its own transaction (the refused one rolled back)."""
    audit.record(
        session,
        actor,
        "code.issue",
        entity_type="appointment",
        entity_id=appointment_id,
        outcome="denied",
        detail={"reason": reason.code},
    )


def _gateway_actor() -> Actor:
    return Actor.system(f"gateway@{socket.gethostname()}"[:64], "citizen")


def _ip_key(client_ip: str) -> tuple[str, str]:
    """(rate-limit key, masked address for the audit detail)."""
    try:
        ip = ipaddress.ip_address(client_ip.strip())
    except ValueError:
        return "unknown", "unknown"
    key = hashlib.sha256(ip.packed).hexdigest()[:32]
    if isinstance(ip, ipaddress.IPv4Address):
        return key, ".".join(str(ip).split(".")[:3]) + ".*"
    return key, ip.exploded[:14] + ":*"


def _ip_failures(session: Session, key: str, since: datetime) -> int:
    stmt = select(func.count(AuditEvent.id)).where(
        AuditEvent.entity_type == "client_ip",
        AuditEvent.entity_id == key,
        AuditEvent.action == "code.verify",
        AuditEvent.outcome != "ok",
        AuditEvent.at > since,
    )
    return int(session.scalar(stmt) or 0)


def _classify_inactive(newest: VerificationCode | None, now: datetime, max_attempts: int) -> str:
    if newest is None:
        return "no_active_code"
    if newest.used_at is not None:
        return "code_used"
    if newest.voided_at is not None:
        return "code_locked" if newest.attempts >= max_attempts else "no_active_code"
    if newest.expires_at <= now:
        return "code_expired"
    return "no_active_code"  # its appointment was cancelled or finished


def _wrong_try(
    session: Session, active: list[VerificationCode], now: datetime, max_attempts: int
) -> CodeCheck:
    """Count one wrong try on every active code of the phone; lock those that reach the limit."""
    left = max_attempts
    for row in active:
        attempts = session.execute(
            update(VerificationCode)
            .where(VerificationCode.id == row.id)
            .values(attempts=VerificationCode.attempts + 1)
            .returning(VerificationCode.attempts)
        ).scalar_one()
        if attempts >= max_attempts:
            session.execute(
                update(VerificationCode)
                .where(VerificationCode.id == row.id, VerificationCode.voided_at.is_(None))
                .values(voided_at=now)
            )
        left = min(left, max(0, max_attempts - attempts))
    appointment_id = active[0].appointment_id
    if left == 0:
        return CodeCheck(appointment_id, "code_locked", REASONS["code_locked"])
    return CodeCheck(appointment_id, "code_invalid", f"验证码错误，还可以再试 {left} 次。")


def check_code(
    session: Session,
    *,
    phone: str,
    code: str,
    client_ip: str,
    now: datetime | None = None,
    max_attempts: int = 5,
    max_failures_per_ip: int = 30,
    actor: Actor | None = None,
) -> CodeCheck:
    """Check ``code`` for ``phone``; consumes it on success. Never raises for a wrong code.

    Every outcome is audited in the session; the caller must commit even on rejection, or
    the wrong-try counter and the audit row are lost. Raises ValidationError for a phone
    number that is not a mainland mobile.
    """
    now = now or utcnow()
    actor = actor or _gateway_actor()
    number = validate_mobile(phone)
    ip_key, ip_masked = _ip_key(client_ip)
    base = {"phone": mask_phone(number), "ip": ip_masked}
    if _ip_failures(session, ip_key, now - IP_WINDOW) >= max_failures_per_ip:
        result = CodeCheck(None, "rate_limited", "尝试次数过多，请15分钟后再试。")
    else:
        rows = session.execute(
            select(VerificationCode, Appointment.status)
            .join(Appointment, Appointment.id == VerificationCode.appointment_id)
            .join(Citizen, Citizen.id == Appointment.citizen_id)
            .where(Citizen.phone == number)
            .order_by(VerificationCode.id.desc())
            .limit(10)
        ).all()
        active = [
            row
            for row, status in rows
            if row.used_at is None
            and row.voided_at is None
            and row.expires_at > now
            and status in _JOINABLE
        ]
        candidate = code.strip()
        wellformed = len(candidate) == CODE_DIGITS and candidate.isascii() and candidate.isdigit()
        hit = next((r for r in active if wellformed and matches(candidate, r.code_hash)), None)
        if not active:
            reason = _classify_inactive(rows[0][0] if rows else None, now, max_attempts)
            owner = rows[0][0].appointment_id if rows else None
            result = CodeCheck(owner, reason, REASONS[reason])
        elif hit is None:
            result = _wrong_try(session, active, now, max_attempts)
        else:
            consumed = session.execute(
                update(VerificationCode)
                .where(
                    VerificationCode.id == hit.id,
                    VerificationCode.used_at.is_(None),
                    VerificationCode.voided_at.is_(None),
                )
                .values(used_at=now)
                .returning(VerificationCode.id)
            ).scalar_one_or_none()
            if consumed is None:  # a concurrent request used or voided it first
                result = CodeCheck(hit.appointment_id, "code_used", REASONS["code_used"])
            else:
                result = CodeCheck(hit.appointment_id)
    detail = {**base, "appointment_id": result.appointment_id, "reason": result.reason or ""}
    if result.ok:
        audit.record(
            session,
            actor,
            "code.verify",
            entity_type="appointment",
            entity_id=result.appointment_id,
            detail=detail,
            at=now,
        )
    else:
        outcome = "denied" if result.reason == "rate_limited" else "failed"
        audit.record(
            session,
            actor,
            "code.verify",
            entity_type="client_ip",
            entity_id=ip_key,
            outcome=outcome,
            detail=detail,
            at=now,
        )
    return result


def verify_code(
    session: Session,
    *,
    phone: str,
    code: str,
    client_ip: str,
    now: datetime | None = None,
    max_attempts: int = 5,
    max_failures_per_ip: int = 30,
    actor: Actor | None = None,
) -> int:
    """Return the appointment id and consume the code, or commit the wrong try and raise.

    On rejection the session is **committed** (wrong-try counter, lock, audit row) before
    :class:`CodeRejected` is raised, so use a session holding no other pending work.
    """
    result = check_code(
        session,
        phone=phone,
        code=code,
        client_ip=client_ip,
        now=now,
        max_attempts=max_attempts,
        max_failures_per_ip=max_failures_per_ip,
        actor=actor,
    )
    if result.ok:
        assert result.appointment_id is not None
        return result.appointment_id
    assert result.reason is not None
    session.commit()
    raise CodeRejected(result.reason, result.message)
