"""The appointment lifecycle rules: statuses, transitions and who may make each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from officer_console.domain import appointment as life
from officer_console.domain.appointment import Actor, Facts, Status
from officer_console.domain.errors import PermissionDenied, RuleViolation, ValidationError
from officer_console.domain.events import EVENT_LABELS, event_label

T0 = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
OWNER = Actor(7, "officer", 1)
OTHER = Actor(8, "officer", 1)
LEAD = Actor(9, "shift_lead", 1)
FOREIGN_LEAD = Actor(10, "shift_lead", 2)
ADMIN = Actor(11, "admin", None)
SYSTEM = Actor(None)


def facts(status: str, **kw: object) -> Facts:
    base: dict[str, object] = {
        "status": status,
        "officer_id": None if status == "waiting" else 7,
        "squad_id": 1,
        "slot_start": T0,
        "slot_end": T0 + timedelta(minutes=30),
    }
    base.update(kw)
    return Facts(**base)  # type: ignore[arg-type]


def test_every_status_has_a_label_and_is_active_or_closed() -> None:
    for status in Status:
        assert life.label(status) != status
        assert (status in life.ACTIVE_STATUSES) != (status in life.CLOSED_STATUSES)
    assert life.label("handed_over") == "转窗口办理"


def test_every_transition_target_is_a_known_status() -> None:
    for t in life.TRANSITIONS.values():
        assert t.target is None or t.target in life.STATUS_LABELS
        assert all(s in life.ACTIVE_STATUSES for s in t.sources)


@given(
    name=st.sampled_from(sorted(life.TRANSITIONS)),
    status=st.sampled_from(list(Status)),
    actor=st.sampled_from([OWNER, OTHER, LEAD, FOREIGN_LEAD, ADMIN, SYSTEM]),
    state=st.tuples(st.integers(-120, 120), st.integers(0, 3), st.booleans()),
)
def test_check_never_lets_a_closed_case_move_and_answers_in_chinese(
    name: str, status: str, actor: Actor, state: tuple[int, int, bool]
) -> None:
    minutes, attempts, live = state
    f = facts(status, contact_attempts=attempts, call_live=live)
    now = T0 + timedelta(minutes=minutes)
    refusal: PermissionDenied | RuleViolation | None = None
    try:
        target = life.check(name, f, actor, now=now)
    except (PermissionDenied, RuleViolation) as exc:
        refusal = exc
    if refusal is not None:
        assert refusal.message and not refusal.message.isascii()
        assert life.allowed(name, f, actor, now=now) is False
        return
    assert status not in life.CLOSED_STATUSES
    assert target in life.STATUS_LABELS
    assert life.allowed(name, f, actor, now=now) is True
    if name != "claim":
        # Only parties to the case may act: never an officer of another case or squad.
        assert actor not in (OTHER, FOREIGN_LEAD)


def test_assigned_officer_outcomes() -> None:
    now = T0 + timedelta(minutes=5)
    assert life.check("hand_over", facts("in_call"), OWNER) == "handed_over"
    assert life.check("release", facts("claimed"), OWNER) == "waiting"
    assert life.check("start_procedure", facts("in_call"), OWNER) == "in_procedure"
    assert life.check("complete", facts("in_procedure"), OWNER) == "completed"
    # resume: a re-sent code and 开始视频 during a procedure keep 办理中
    assert life.check("open_video", facts("in_procedure"), OWNER) == "in_procedure"
    assert life.check("dispatch", facts("in_procedure"), OWNER) == "in_procedure"
    assert life.check("open_video", facts("contacting"), OWNER) == "in_call"
    with pytest.raises(PermissionDenied, match="认领该预约的民警"):
        life.check("no_show", facts("contacting", contact_attempts=1), OTHER, now=now)
    with pytest.raises(PermissionDenied):
        life.check("hand_over", facts("in_call"), LEAD)


def test_no_show_needs_a_started_slot_and_a_contact_attempt_or_an_ended_slot() -> None:
    early = T0 - timedelta(minutes=1)
    during = T0 + timedelta(minutes=10)
    after = T0 + timedelta(minutes=30)
    with pytest.raises(RuleViolation, match="尚未开始"):
        life.check("no_show", facts("claimed", contact_attempts=3), OWNER, now=early)
    with pytest.raises(RuleViolation, match="至少联系"):
        life.check("no_show", facts("claimed"), OWNER, now=during)
    assert life.check("no_show", facts("contacting", contact_attempts=1), OWNER, now=during)
    assert life.check("no_show", facts("claimed"), OWNER, now=after) == "no_show"


def test_reassign_by_shift_lead_before_the_procedure_only_and_not_during_a_call() -> None:
    for status in ("waiting", "claimed", "contacting", "in_call"):
        assert life.check("reassign", facts(status), LEAD) == status
        assert life.check("reassign", facts(status), ADMIN) == status
    with pytest.raises(RuleViolation, match="先挂断"):
        life.check("reassign", facts("in_call", call_live=True), LEAD)
    with pytest.raises(RuleViolation, match="办理中"):
        life.check("reassign", facts("in_procedure"), LEAD)
    with pytest.raises(PermissionDenied, match="带班领导"):
        life.check("reassign", facts("claimed"), OWNER)
    with pytest.raises(PermissionDenied):
        life.check("reassign", facts("claimed"), FOREIGN_LEAD)


def test_handover_reasons() -> None:
    assert life.check_handover("hearing", "  ") == ("hearing", "")
    with pytest.raises(ValidationError, match="具体原因"):
        life.check_handover("other", " ")
    with pytest.raises(ValidationError, match="原因"):
        life.check_handover("bogus", "x")
    with pytest.raises(ValidationError, match="200"):
        life.check_handover("other", "长" * 201)
    assert life.handover_text("technical", "网络中断") == "技术故障：网络中断"
    assert set(life.HANDOVER_REASONS.values()) == {
        "当事人有异议",
        "需要听证",
        "须收缴驾驶证",
        "技术故障",
        "其他",
    }


def test_event_labels_are_plain_chinese() -> None:
    for name, text in EVENT_LABELS.items():
        assert not text.isascii(), name
    assert event_label("code.issue") == "代码已发送"
    assert event_label("sms.send") == "短信已发送"
    assert event_label("video.citizen_admit") == "视频已接通"
    assert event_label("recording.start") == "录像开始"
    assert event_label("no.such") == "其他操作"


def test_unknown_transition_is_a_clear_error() -> None:
    with pytest.raises(ValidationError, match="未知的操作"):
        life.check("teleport", facts("claimed"), OWNER)


def test_every_case_event_the_code_records_has_a_plain_label() -> None:
    """Scan the package for recorded event names of a case's history: each has a label."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "officer_console"
    prefixes = ("appointment.", "code.", "dispatch.", "sms.", "call.", "video.", "recording.")
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for name in re.findall(r'"([a-z_]+\.[a-z_]+)"', path.read_text(encoding="utf-8")):
            if name.startswith(prefixes) and not name.endswith(("_py", ".py")):
                found.add(name)
    found |= {f"appointment.{t}" for t in life.TRANSITIONS}
    assert "code.issue" in found and "recording.start" in found  # the scan sees them
    missing = sorted(n for n in found if n not in EVENT_LABELS)
    assert missing == []


def test_no_show_waits_after_the_first_contact_while_the_slot_runs() -> None:
    """A code SMS 4 s ago is no attempt to reach the citizen: the rule says how long is left."""
    contacted = T0 + timedelta(minutes=1)
    soon = contacted + timedelta(seconds=4)
    f = facts("contacting", contact_attempts=1, first_contact_at=contacted)
    with pytest.raises(RuleViolation, match=r"须等待 10 分钟.*还需约 10 分钟"):
        life.check("no_show", f, OWNER, now=soon)
    assert not life.allowed("no_show", f, OWNER, now=soon)
    assert life.check("no_show", f, OWNER, now=contacted + life.NO_SHOW_WAIT) == "no_show"


def test_closed_statuses_are_the_ended_ones() -> None:
    assert [s for s in life.Status if life.is_closed(s)] == list(life.CLOSED_STATUSES)
    assert life.is_closed("handed_over") and not life.is_closed("in_call")
