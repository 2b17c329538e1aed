"""The one owner of an appointment's life: statuses, Chinese labels, transitions, who may act.

Pure Python (no Qt, no SQL) so the rules are tested exhaustively and every layer asks the same
question the same way. The store (:mod:`officer_console.store.appointments.lifecycle`) loads the facts,
calls :func:`check` and writes the change; widgets call :func:`allowed` only to enable
buttons — the store checks again. Rules and their sources: docs/domain.md.

Who may make a change is one of three parties:

* the **assigned officer** (``appointments.officer_id``) — dispatch, video, outcomes;
* the **shift lead** of the appointment's squad (or an admin) — 改派 in every state before
  the procedure starts, with a reason;
* **the system** — the citizen's own actions through the gateway (cancel before claiming).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from officer_console.domain.errors import PermissionDenied, RuleViolation, ValidationError

__all__ = [
    "ACTIVE_STATUSES",
    "BEFORE_CALL",
    "CLOSED_STATUSES",
    "HANDOVER_REASONS",
    "NO_SHOW_WAIT",
    "STATUS_LABELS",
    "TRANSITIONS",
    "VIDEO_ROOM_STATUSES",
    "Actor",
    "Facts",
    "Party",
    "Status",
    "Transition",
    "allowed",
    "check",
    "check_handover",
    "is_closed",
    "label",
    "no_show_due",
]


class Status(StrEnum):
    WAITING = "waiting"  # booked, nobody has claimed it
    CLAIMED = "claimed"  # an officer owns it
    CONTACTING = "contacting"  # code + SMS + call dispatched
    IN_CALL = "in_call"  # video room open / citizen connected
    IN_PROCEDURE = "in_procedure"  # the procedure wizard runs
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"
    HANDED_OVER = "handed_over"  # 转窗口办理: the citizen goes to a service window


STATUS_LABELS: dict[str, str] = {
    Status.WAITING: "待认领",
    Status.CLAIMED: "已认领",
    Status.CONTACTING: "联系中",
    Status.IN_CALL: "视频中",
    Status.IN_PROCEDURE: "办理中",
    Status.COMPLETED: "已办结",
    Status.CANCELLED: "已取消",
    Status.NO_SHOW: "未到场",
    Status.HANDED_OVER: "转窗口办理",
}
ACTIVE_STATUSES: tuple[str, ...] = (
    Status.WAITING,
    Status.CLAIMED,
    Status.CONTACTING,
    Status.IN_CALL,
    Status.IN_PROCEDURE,
)
CLOSED_STATUSES: tuple[str, ...] = (
    Status.COMPLETED,
    Status.CANCELLED,
    Status.NO_SHOW,
    Status.HANDED_OVER,
)
# Before the procedure starts: what a shift lead may still move to someone else.
BEFORE_PROCEDURE: tuple[str, ...] = (
    Status.WAITING,
    Status.CLAIMED,
    Status.CONTACTING,
    Status.IN_CALL,
)
# Nobody has spoken to the citizen yet: the row is overdue once its slot has begun.
BEFORE_CALL: tuple[str, ...] = (Status.WAITING, Status.CLAIMED, Status.CONTACTING)
# 未到场 during the slot: the citizen gets this long after the first contact to join.
NO_SHOW_WAIT = timedelta(minutes=10)
# A video room may be open, and the citizen may join with a code, only while the case runs.
VIDEO_ROOM_STATUSES: tuple[str, ...] = (
    Status.CLAIMED,
    Status.CONTACTING,
    Status.IN_CALL,
    Status.IN_PROCEDURE,
)
# reason code → label (转窗口办理); "other" needs the free text.
HANDOVER_REASONS: dict[str, str] = {
    "disputed": "当事人有异议",
    "hearing": "需要听证",
    "licence_seizure": "须收缴驾驶证",
    "technical": "技术故障",
    "other": "其他",
}
REASON_MAX = 200


def label(status: str) -> str:
    """The Chinese label of a status (the raw value for an unknown one)."""
    return STATUS_LABELS.get(status, status)


def is_closed(status: str) -> bool:
    """Whether the appointment has ended (no countdown, no further action but viewing)."""
    return status in CLOSED_STATUSES


class Party(StrEnum):
    ASSIGNED = "assigned"  # the officer the appointment is assigned to
    SHIFT_LEAD = "shift_lead"  # shift lead of the appointment's squad, or an admin
    SQUAD_OFFICER = "squad_officer"  # any officer or shift lead of the squad (claim)
    SYSTEM = "system"  # the citizen through the gateway, or a maintenance job


@dataclass(frozen=True)
class Transition:
    """``target`` None: the status stays (a change of officer or a version bump);
    ``keeps``: source statuses the transition leaves as they are (a running procedure)."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str | None
    parties: tuple[Party, ...]
    needs_reason: bool = False
    keeps: tuple[str, ...] = ()


def _t(
    name: str,
    text: str,
    sources: tuple[str, ...],
    target: str | None,
    *parties: Party,
    reason: bool = False,
    keeps: tuple[str, ...] = (),
) -> Transition:
    return Transition(name, text, sources, target, parties, reason, keeps)


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        _t("claim", "认领", (Status.WAITING,), Status.CLAIMED, Party.SQUAD_OFFICER),
        _t(
            "release",
            "释放回队列",
            (Status.CLAIMED, Status.CONTACTING, Status.IN_CALL),
            Status.WAITING,
            Party.ASSIGNED,
        ),
        # A dispatch (or a re-sent code) puts the case in 联系中; during a procedure the
        # re-sent code only lets the citizen reconnect — the procedure status stays.
        _t(
            "dispatch",
            "呼叫并发送验证码",
            (Status.CLAIMED, Status.CONTACTING, Status.IN_CALL, Status.IN_PROCEDURE),
            Status.CONTACTING,
            Party.ASSIGNED,
            keeps=(Status.IN_PROCEDURE,),
        ),
        # 开始视频 again during a procedure (after a hang-up, a drop or a restart) resumes the
        # call; the procedure status stays and the wizard lands on the first incomplete step.
        _t(
            "open_video",
            "开始视频",
            (Status.CONTACTING, Status.IN_CALL, Status.IN_PROCEDURE),
            Status.IN_CALL,
            Party.ASSIGNED,
            keeps=(Status.IN_PROCEDURE,),
        ),
        _t(
            "start_procedure",
            "开始办理",
            (Status.IN_CALL,),
            Status.IN_PROCEDURE,
            Party.ASSIGNED,
        ),
        _t("complete", "办结", (Status.IN_PROCEDURE,), Status.COMPLETED, Party.ASSIGNED),
        _t(
            "no_show",
            "未到场",
            (Status.CLAIMED, Status.CONTACTING, Status.IN_CALL),
            Status.NO_SHOW,
            Party.ASSIGNED,
            reason=False,
        ),
        _t(
            "hand_over",
            "转窗口办理",
            (Status.CLAIMED, Status.CONTACTING, Status.IN_CALL, Status.IN_PROCEDURE),
            Status.HANDED_OVER,
            Party.ASSIGNED,
            reason=True,
        ),
        _t("reassign", "改派", BEFORE_PROCEDURE, None, Party.SHIFT_LEAD, reason=True),
        _t("cancel", "取消预约", (Status.WAITING, Status.CLAIMED), Status.CANCELLED, Party.SYSTEM),
    )
}


@dataclass(frozen=True)
class Actor:
    """Who asks: ``officer_id`` None is the system (gateway, maintenance)."""

    officer_id: int | None
    role: str = ""
    squad_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.officer_id is None


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one appointment (loaded by the store)."""

    status: str
    officer_id: int | None
    squad_id: int
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    contact_attempts: int = 0
    first_contact_at: datetime | None = None  # the first dispatch (code + SMS + call)
    call_live: bool = False  # a video room of the appointment is still open
    extra: dict[str, object] = field(default_factory=dict)


def _is(party: Party, facts: Facts, actor: Actor) -> bool:
    if party is Party.SYSTEM:
        return actor.is_system
    if actor.is_system:
        return False
    if party is Party.ASSIGNED:
        return facts.officer_id is not None and facts.officer_id == actor.officer_id
    if party is Party.SHIFT_LEAD:
        return actor.role == "admin" or (
            actor.role == "shift_lead" and actor.squad_id == facts.squad_id
        )
    return actor.role in ("officer", "shift_lead") and actor.squad_id == facts.squad_id


def _who_text(transition: Transition) -> str:
    parts = {
        Party.ASSIGNED: "认领该预约的民警",
        Party.SHIFT_LEAD: "本大队带班领导",
        Party.SQUAD_OFFICER: "本大队民警",
        Party.SYSTEM: "当事人本人",
    }
    return "或".join(parts[p] for p in transition.parties)


def no_show_due(facts: Facts, now: datetime) -> str | None:
    """Why 未到场 cannot be recorded yet (None: it can).

    Allowed once the slot has started, at least one contact attempt is recorded and the
    citizen has had ``NO_SHOW_WAIT`` since the first one to join — or once the slot has ended
    (docs/domain.md, "未到场").
    """
    if facts.slot_start is None or facts.slot_end is None:
        return None
    if now >= facts.slot_end:
        return None
    if now < facts.slot_start:
        return "预约时段尚未开始，不能记为未到场"
    if facts.contact_attempts < 1:
        return "预约时段未结束时，须至少联系当事人一次（一键呼叫）后才能记为未到场"
    if facts.first_contact_at is not None and now < facts.first_contact_at + NO_SHOW_WAIT:
        left = facts.first_contact_at + NO_SHOW_WAIT - now
        minutes = max(1, -(-int(left.total_seconds()) // 60))
        wait = int(NO_SHOW_WAIT.total_seconds() // 60)
        return (
            f"首次联系当事人后须等待 {wait} 分钟，当事人仍未接入才能记为未到场"
            f"（还需约 {minutes} 分钟）"
        )
    return None


def check(name: str, facts: Facts, actor: Actor, *, now: datetime | None = None) -> str:
    """The status after transition ``name``; raises a DomainError with the Chinese reason.

    PermissionDenied: the actor is not a party to the transition. RuleViolation: the state
    does not allow it (wrong status, call still live, slot not due).
    """
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise ValidationError("transition", f"未知的操作：{name}")
    if not any(_is(p, facts, actor) for p in transition.parties):
        if Party.ASSIGNED in transition.parties and facts.officer_id is None:
            raise PermissionDenied(f"该预约尚未认领，不能{transition.label}")
        raise PermissionDenied(f"只有{_who_text(transition)}可以{transition.label}")
    if facts.status not in transition.sources:
        raise RuleViolation(
            f"预约当前为“{label(facts.status)}”，不能{transition.label}",
            code="status",
        )
    if name == "reassign" and facts.call_live:
        raise RuleViolation("视频通话仍在进行：请先挂断通话，再改派", code="call_live")
    if name == "release" and facts.call_live:
        raise RuleViolation("视频通话仍在进行：请先挂断通话，再释放", code="call_live")
    if name == "no_show":
        if now is None:
            raise ValueError("no_show needs now")
        why = no_show_due(facts, now)
        if why is not None:
            raise RuleViolation(why, code="too_early")
    if facts.status in transition.keeps:
        return facts.status
    return transition.target or facts.status


def allowed(name: str, facts: Facts, actor: Actor, *, now: datetime | None = None) -> bool:
    """Whether :func:`check` would pass (for enabling buttons; the store checks again)."""
    try:
        check(name, facts, actor, now=now)
    except (PermissionDenied, RuleViolation):
        return False
    return True


def check_reason(text: str, *, required: bool, what: str = "原因") -> str:
    """A stripped reason of at most ``REASON_MAX`` characters."""
    text = (text or "").strip()
    if required and not text:
        raise ValidationError("reason", f"请填写{what}")
    if len(text) > REASON_MAX:
        raise ValidationError("reason", f"{what}不能超过 {REASON_MAX} 字")
    return text


def check_handover(reason_code: str, text: str) -> tuple[str, str]:
    """(code, free text) of a 转窗口办理; "other" needs the free text."""
    if reason_code not in HANDOVER_REASONS:
        raise ValidationError("reason", "请选择转窗口办理的原因")
    text = check_reason(text, required=reason_code == "other", what="具体原因")
    return reason_code, text


def handover_text(reason_code: str, text: str) -> str:
    """The plain Chinese reason shown in history: "当事人有异议：……"."""
    base = HANDOVER_REASONS.get(reason_code, reason_code)
    return f"{base}：{text}" if text else base
