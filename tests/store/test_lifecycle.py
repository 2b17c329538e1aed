"""Every appointment transition through store/appointments/lifecycle.py, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain import appointment as rules
from officer_console.domain.errors import (
    ConflictError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.store.appointments import casefile, lifecycle
from officer_console.store.db import changes
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Appointment, AuditEvent, Dispatch, Officer, VideoSession
from tests.support import builders

SLOT = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)
DURING = SLOT + timedelta(minutes=10)


@pytest.fixture
def world(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as s:
        sq = builders.squad(s)
        other = builders.squad(s, "370103", "市中区大队")
        a = builders.officer(s, sq, "370102001", name="李明")
        b = builders.officer(s, sq, "370102002", name="赵强")
        lead = builders.officer(s, sq, "370102099", role="shift_lead", name="孙队")
        ids = builders.appointments(s, sq, 3, start=SLOT)
        return {"squad": sq.id, "other": other.id, "a": a.id, "b": b.id, "lead": lead.id} | {
            f"appt{i}": v for i, v in enumerate(ids)
        }


def _actor(factory: sessionmaker[Session], officer_id: int) -> Actor:
    with factory() as s:
        return builders.actor_for(s.get(Officer, officer_id))


def _claimed(factory: sessionmaker[Session], world: dict[str, int], key: str = "appt0") -> int:
    officer = _actor(factory, world["a"])
    with transaction(factory) as s:
        return lifecycle.claim(s, world[key], officer).appointment_id


def _status(factory: sessionmaker[Session], appointment_id: int) -> tuple[str, int | None, int]:
    with factory() as s:
        a = s.get(Appointment, appointment_id)
        assert a is not None
        return a.status, a.officer_id, a.version


def _events(factory: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with factory() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_claim_dispatch_video_procedure_complete_bump_versions_and_audit(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    with factory() as s:
        seq0 = changes.current(s)
    steps = ["dispatch", "open_video", "start_procedure", "complete"]
    expected = ["contacting", "in_call", "in_procedure", "completed"]
    for name, status in zip(steps, expected, strict=True):
        version = _status(factory, appt)[2]
        with transaction(factory) as s:
            change = getattr(lifecycle, name)(s, appt, officer, expected_version=version)
        assert (change.status, change.version, change.transition) == (status, version + 1, name)
        assert change.changed_seq > seq0
        assert _events(factory, f"appointment.{name}")[0].detail["to"] == status
    assert _status(factory, appt)[0] == "completed"


def test_video_reopens_during_a_procedure_and_the_status_stays(factory, world) -> None:  # type: ignore[no-untyped-def]
    """Resume after a hang-up/drop/restart: a re-sent code and 开始视频 keep 办理中."""
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    for name in ("dispatch", "open_video", "start_procedure"):
        with transaction(factory) as s:
            getattr(lifecycle, name)(s, appt, officer, expected_version=_status(factory, appt)[2])
    for name in ("dispatch", "open_video", "open_video"):
        version = _status(factory, appt)[2]
        with transaction(factory) as s:
            change = getattr(lifecycle, name)(s, appt, officer, expected_version=version)
        assert (change.old_status, change.status, change.version) == (
            "in_procedure",
            "in_procedure",
            version + 1,
        )
    detail = _events(factory, "appointment.open_video")[-1].detail
    assert detail["from"] == detail["to"] == "in_procedure"
    with pytest.raises(PermissionDenied), transaction(factory) as s:  # only the assigned officer
        lifecycle.open_video(s, appt, _actor(factory, world["b"]))
    for done in ("complete",):
        with transaction(factory) as s:
            getattr(lifecycle, done)(s, appt, officer)
    with pytest.raises(RuleViolation, match="已办结"), transaction(factory) as s:
        lifecycle.open_video(s, appt, officer)  # a finished case has no video any more


def test_stale_version_is_a_conflict_and_changes_nothing(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    with pytest.raises(ConflictError, match="其他工作站"), transaction(factory) as s:
        lifecycle.dispatch(s, appt, officer, expected_version=1)
    assert _status(factory, appt)[0] == "claimed"


def test_refusals_are_audited_and_the_case_is_untouched(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer_a, officer_b = _actor(factory, world["a"]), _actor(factory, world["b"])
    # The caller commits the denial (the GUI: run_keeping_denials).
    with transaction(factory) as s, pytest.raises(PermissionDenied, match="认领该预约的民警"):
        lifecycle.no_show(s, appt, officer_b, now=SLOT + timedelta(hours=1))
    with transaction(factory) as s, pytest.raises(PermissionDenied, match="带班领导"):
        lifecycle.reassign(s, appt, officer_a, reason="x", to_officer_id=world["b"])
    denied = [e for e in _events(factory, "appointment.no_show") if e.outcome == "denied"]
    assert len(denied) == 1 and denied[0].officer_id == world["b"]
    assert [e.outcome for e in _events(factory, "appointment.reassign")] == ["denied"]
    assert _status(factory, appt)[:2] == ("claimed", world["a"])


def test_no_show_needs_contact_or_an_ended_slot_and_records_attempts(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    with pytest.raises(RuleViolation, match="至少联系"), transaction(factory) as s:
        lifecycle.no_show(s, appt, officer, now=DURING)
    with transaction(factory) as s:
        s.add(Dispatch(appointment_id=appt, officer_id=world["a"], created_at=DURING))
    # a code SMS seconds ago is not an attempt to reach the citizen: the rule says the wait
    soon = DURING + timedelta(seconds=4)
    with pytest.raises(RuleViolation, match="须等待 10 分钟"), transaction(factory) as s:
        lifecycle.no_show(s, appt, officer, now=soon)
    with transaction(factory) as s:
        change = lifecycle.no_show(s, appt, officer, now=DURING + rules.NO_SHOW_WAIT)
    assert change.status == "no_show"
    event = _events(factory, "appointment.no_show")[0]
    assert (event.detail["dispatches"], event.detail["calls"]) == (1, 0)
    # the slot ended: no contact needed
    other = _claimed(factory, world, "appt1")
    with transaction(factory) as s:
        assert lifecycle.no_show(s, other, officer, now=SLOT + timedelta(hours=2)).status


def test_hand_over_with_reason_shows_in_plain_chinese_history(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    with pytest.raises(ValidationError), transaction(factory) as s:
        lifecycle.hand_over(s, appt, officer, reason_code="other", text="")
    with transaction(factory) as s:
        change = lifecycle.hand_over(
            s, appt, officer, reason_code="disputed", text="对违法事实有异议"
        )
    assert change.status == "handed_over" and change.status_label == "转窗口办理"
    with factory() as s:
        cf = casefile.load_case_file(s, appt, world["a"], "officer", world["squad"])
    last = cf.history[-1]
    assert last.action == "转窗口办理"
    assert last.detail == "已认领 → 转窗口办理（当事人有异议：对违法事实有异议）"
    assert cf.history[0].actor == "当事人"
    for entry in cf.history:
        assert "." not in entry.action  # never a raw event name such as code.issue


def test_release_puts_it_back_in_the_queue(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer = _actor(factory, world["a"])
    with transaction(factory) as s:
        change = lifecycle.release(s, appt, officer, reason="临时外出")
    assert (change.status, change.officer_id) == ("waiting", None)
    assert _status(factory, appt)[:2] == ("waiting", None)


def test_reassign_in_call_after_the_call_ended_but_not_while_live(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    officer, lead = _actor(factory, world["a"]), _actor(factory, world["lead"])
    with transaction(factory) as s:
        lifecycle.dispatch(s, appt, officer)
        lifecycle.open_video(s, appt, officer)
        s.add(
            VideoSession(
                appointment_id=appt,
                room_id="room-1",
                console_secret_hash="sha256$x$y",
                status="open",
                created_at=datetime.now(UTC),
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    with pytest.raises(RuleViolation, match="先挂断"), transaction(factory) as s:
        lifecycle.reassign(s, appt, lead, reason="调整", to_officer_id=world["b"])
    with transaction(factory) as s:
        s.execute(
            VideoSession.__table__.update().values(status="ended")  # type: ignore[attr-defined]
        )
    with transaction(factory) as s:
        change = lifecycle.reassign(s, appt, lead, reason="李明外出处警", to_officer_id=world["b"])
    assert (change.old_status, change.status, change.officer_id) == (
        "in_call",
        "contacting",
        world["b"],
    )
    officer_b = _actor(factory, world["b"])
    with transaction(factory) as s:
        lifecycle.open_video(s, appt, officer_b)
        lifecycle.start_procedure(s, appt, officer_b)
    with pytest.raises(RuleViolation, match="办理中"), transaction(factory) as s:
        lifecycle.reassign(s, appt, lead, reason="x", to_officer_id=world["a"])


def test_reassign_to_another_squad_returns_it_to_their_queue(factory, world) -> None:  # type: ignore[no-untyped-def]
    appt = _claimed(factory, world)
    lead = _actor(factory, world["lead"])
    with transaction(factory) as s:
        change = lifecycle.reassign(s, appt, lead, reason="改约", to_squad_id=world["other"])
    assert (change.status, change.squad_ids) == ("waiting", (world["squad"], world["other"]))


def test_citizen_cancel_is_a_system_transition(factory, world) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        change = lifecycle.cancel(s, world["appt2"], Actor.system("gw", "citizen"))
    assert change.status == "cancelled"
    officer = _actor(factory, world["a"])
    with pytest.raises(PermissionDenied), transaction(factory) as s:
        lifecycle.cancel(s, world["appt1"], officer)
