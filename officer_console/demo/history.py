"""Audit history for seeded demo appointments that matches each appointment's status.

A case's history is its audit trail (``casefile._history``). A demo appointment "in
procedure" without a claim, a dispatch or a call in its history would contradict itself, so
every seeded appointment gets the events the real paths write, in order, at plausible times:
claim → dispatch (code, SMS, call) → contacting → in call → in procedure → completed, or the
no-show and cancellation branches. Times never lie after ``now`` (the seeding moment).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from officer_console.domain.masking import mask_phone
from officer_console.store.db import audit
from officer_console.store.db.audit import Actor

__all__ = ["CITIZEN_ACTOR", "PATHS", "write_history"]

CITIZEN_ACTOR = Actor.system("citizen-gateway", "群众（小程序）")
# The status moves behind each final status (the version column counts them, plus one).
PATHS: dict[str, tuple[str, ...]] = {
    "waiting": (),
    "claimed": ("claimed",),
    "contacting": ("claimed", "contacting"),
    "in_call": ("claimed", "contacting", "in_call"),
    "in_procedure": ("claimed", "contacting", "in_call", "in_procedure"),
    "completed": ("claimed", "contacting", "in_call", "in_procedure", "completed"),
    "no_show": ("claimed", "contacting", "no_show"),
    "cancelled": ("cancelled",),
    "handed_over": ("claimed", "contacting", "in_call", "handed_over"),
}
# The lifecycle transition (audit action ``appointment.<name>``) that reaches each status.
_TRANSITION = {
    "cancelled": "cancel",
    "contacting": "dispatch",
    "in_call": "open_video",
    "in_procedure": "start_procedure",
    "completed": "complete",
    "no_show": "no_show",
    "handed_over": "hand_over",
}
_DISPATCH = ("dispatch.create", "code.issue", "sms.send", "call.place")


def _event(
    session: Session,
    actor: Actor,
    action: str,
    appointment_id: int,
    *,
    at: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor,
        action,
        entity_type="appointment",
        entity_id=appointment_id,
        detail=detail,
        at=at,
    )


def write_history(
    session: Session,
    rng: random.Random,
    appointment: dict[str, Any],
    appointment_id: int,
    *,
    phone: str,
    officer: Actor | None,
    now: datetime,
) -> datetime:
    """Write the events of ``appointment``'s path; returns the time of the last one."""
    status = appointment["status"]
    start: datetime = appointment["slot_start"]
    latest = now - timedelta(seconds=30)
    last: datetime = appointment["created_at"]

    def at(when: datetime) -> datetime:
        nonlocal last
        last = max(last + timedelta(seconds=1), min(when, latest))
        return last

    for step in PATHS[status]:
        if step == "cancelled":
            cancel = appointment["created_at"] + timedelta(minutes=rng.randint(30, 600))
            when = at(min(cancel, start - timedelta(minutes=30)))
            detail = {"from": "waiting", "to": "cancelled", "reason": "群众通过小程序取消预约"}
            _event(
                session, CITIZEN_ACTOR, "appointment.cancel", appointment_id, at=when, detail=detail
            )
            continue
        assert officer is not None, f"{status} without an officer"
        if step == "claimed":
            claimed = at(appointment["claimed_at"])
            _event(session, officer, "appointment.claim", appointment_id, at=claimed)
        elif step == "contacting":
            dispatched = at(max(appointment["claimed_at"], start - timedelta(minutes=5)))
            for action in _DISPATCH:
                sent: dict[str, Any] = {"phone": mask_phone(phone), "demo": True}
                _event(session, officer, action, appointment_id, at=at(dispatched), detail=sent)
            detail = {"from": "claimed", "to": "contacting", "reason": ""}
            _event(
                session,
                officer,
                "appointment.dispatch",
                appointment_id,
                at=at(dispatched),
                detail=detail,
            )
        else:
            previous = PATHS[status][PATHS[status].index(step) - 1]
            offset = {"in_call": (1, 3), "in_procedure": (4, 8), "completed": (15, 25)}.get(
                step, (10, 15)
            )
            when = at(start + timedelta(minutes=rng.randint(*offset)))
            reason = {
                "no_show": "三次呼叫未接通，群众未到场",
                "handed_over": "当事人有异议，转窗口办理",
            }
            detail = {"from": previous, "to": step, "reason": reason.get(step, "")}
            action = f"appointment.{_TRANSITION[step]}"
            _event(session, officer, action, appointment_id, at=when, detail=detail)
    return last
