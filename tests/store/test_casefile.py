"""Case file: masked data, date rules, catalogue text, squad permission and the audited reveal."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.domain.errors import PermissionDenied
from officer_console.store.appointments import casefile, queue
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import (
    Appointment,
    AppointmentViolation,
    AuditEvent,
    CatalogueEntry,
    Citizen,
    Licence,
    Officer,
    Squad,
    Vehicle,
    ViolationRecord,
)
from tests.support import builders

FULL_NAME, FULL_PHONE, FULL_ID = "张三丰", "13812341234", "11010519491231002X"


@pytest.fixture
def case(factory: sessionmaker[Session]) -> dict[str, int]:
    with transaction(factory) as s:
        sq = builders.squad(s)
        other = builders.squad(s, "370103", "市中区大队")
        mine = builders.officer(s, sq, "370102001", name="李明")
        colleague = builders.officer(s, sq, "370102002", name="赵强")
        stranger = builders.officer(s, other, "370103001", name="钱亮")
        admin = builders.officer(s, None, "admin", role="admin", name="管理员")
        (aid,) = builders.appointments(s, sq, 1)
        appt = s.get(Appointment, aid)
        assert appt is not None
        citizen = s.get(Citizen, appt.citizen_id)
        vehicle = s.get(Vehicle, appt.vehicle_id)
        assert citizen is not None and vehicle is not None
        citizen.name, citizen.phone, citizen.id_number = FULL_NAME, FULL_PHONE, FULL_ID
        vehicle.inspection_valid_until = date(2031, 3, 1)
        appt.urgent, appt.urgent_reason, appt.urgent_due_date = (
            True,
            "scoring_cycle",
            date(2030, 1, 1),
        )
        s.add(
            Licence(
                citizen_id=citizen.id,
                licence_number=FULL_ID,
                file_number="370100123456",
                licence_class="C1",
                first_issue_date=date(2015, 6, 10),
                issuing_authority="济南市公安局交通警察支队车辆管理所",
                cycle_points=6,
            )
        )
        s.add(
            CatalogueEntry(
                region="370100",
                code="1625",
                behaviour="驾驶机动车违反道路交通信号灯通行的",
                conduct_basis="DJF38",
                penalty_basis="DJF90",
                fine_min=200,
                fine_max=200,
                fine_default=200,
                points=6,
                effective_from=date(2022, 4, 1),
            )
        )
        for ref, code, at in (
            ("r1", "1625", datetime(2024, 5, 1, 2, 30, tzinfo=UTC)),
            ("r2", "9999", datetime(2024, 6, 1, 2, 30, tzinfo=UTC)),  # not in the catalogue
            ("r3", "1625", datetime(2021, 6, 1, 2, 30, tzinfo=UTC)),  # before it took effect
        ):
            rec = ViolationRecord(
                vehicle_id=vehicle.id,
                region="370100",
                code=code,
                occurred_at=at,
                location="经十路与舜耕路路口",
                fine=200,
                points=6 if code == "1625" else 0,
                source_ref=ref,
            )
            s.add(rec)
            s.flush()
            s.add(AppointmentViolation(appointment_id=aid, violation_id=rec.id))
        queue.claim(s, builders.actor_for(mine), sq.id, aid)
        return {
            "appt": aid,
            "squad": sq.id,
            "other": other.id,
            "mine": mine.id,
            "colleague": colleague.id,
            "stranger": stranger.id,
            "admin": admin.id,
        }


def _actor(s: Session, officer_id: int):  # type: ignore[no-untyped-def]
    officer = s.get(Officer, officer_id)
    assert officer is not None
    return builders.actor_for(officer)


def _committing(factory: sessionmaker[Session], work):  # type: ignore[no-untyped-def]
    """Run ``work`` and commit even when it raises PermissionDenied (as the GUI does)."""
    with factory() as s:
        s.begin()
        try:
            return work(s)
        except PermissionDenied:
            s.commit()
            raise
        finally:
            if s.in_transaction():
                s.commit()


def test_case_file_is_masked_and_complete(factory, case) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        cf = casefile.load_case_file(
            s, case["appt"], case["mine"], "officer", case["squad"], today=date(2025, 6, 1)
        )
    assert cf.citizen == casefile.CitizenPart("张**", "138****1234", "110105********002X")
    assert cf.can_reveal
    assert cf.licence is not None
    assert (cf.licence.licence_class, cf.licence.cycle_points) == ("C1", 6)
    assert cf.licence.cycle_end == date(2025, 6, 9)
    assert cf.vehicle is not None and cf.vehicle.plate.startswith("鲁A")
    assert cf.vehicle.inspection_due == date(2031, 3, 31)  # the recorded 检验有效期至 wins
    behaviours = [v.behaviour for v in cf.violations]
    assert behaviours == ["", "驾驶机动车违反道路交通信号灯通行的", ""]
    assert (cf.fine_total, cf.points_total) == (600, 12)
    a = cf.appointment
    assert (a.status_label, a.urgent, a.urgent_reason) == ("已认领", True, "清分")
    assert a.officer_name == "李明（370102001）"
    assert [h.action for h in cf.history] == ["预约", "认领"]
    assert cf.history[1].actor == "李明（370102001）" and cf.history[1].outcome == "成功"
    text = repr(cf)
    assert FULL_NAME not in text and FULL_PHONE not in text and FULL_ID not in text


def test_colleague_sees_case_but_cannot_reveal(factory, case) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        cf = casefile.load_case_file(s, case["appt"], case["colleague"], "officer", case["squad"])
    assert not cf.can_reveal
    assert cf.licence is not None and cf.licence.cycle_end is not None


def test_other_squad_is_denied_and_audited(factory, case) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="本大队"):
        _committing(
            factory,
            lambda s: casefile.load_case_file(
                s, case["appt"], case["stranger"], "officer", case["other"]
            ),
        )
    with factory() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "case.open")).all()
    assert [(e.outcome, e.officer_id) for e in denied] == [("denied", case["stranger"])]


def test_admin_opens_any_squad(factory, case) -> None:  # type: ignore[no-untyped-def]
    with factory() as s:
        cf = casefile.load_case_file(s, case["appt"], case["admin"], "admin", None)
    assert cf.appointment.id == case["appt"] and not cf.can_reveal


def test_reveal_for_assigned_officer_is_audited_without_values(factory, case) -> None:  # type: ignore[no-untyped-def]
    got = _committing(
        factory, lambda s: casefile.reveal_citizen(s, _actor(s, case["mine"]), case["appt"])
    )
    assert (got.name, got.phone, got.id_number) == (FULL_NAME, FULL_PHONE, FULL_ID)
    assert FULL_NAME not in repr(got)
    with factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "citizen.reveal")).all()
    assert [(e.outcome, e.entity_id) for e in events] == [("ok", str(case["appt"]))]
    detail = json.dumps(events[0].detail, ensure_ascii=False)
    for value in (FULL_NAME, FULL_PHONE, FULL_ID):
        assert value not in detail


@pytest.mark.parametrize("who", ["colleague", "stranger", "admin"])
def test_reveal_by_anyone_else_is_denied_and_audited(factory, case, who) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="认领该预约的民警"):
        _committing(
            factory, lambda s: casefile.reveal_citizen(s, _actor(s, case[who]), case["appt"])
        )
    with factory() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "citizen.reveal")).all()
        cf = casefile.load_case_file(s, case["appt"], case["mine"], "officer", case["squad"])
    assert [(e.outcome, e.officer_id) for e in events] == [("denied", case[who])]
    assert "查看完整信息" in [h.action for h in cf.history]
    assert "被拒绝" in [h.outcome for h in cf.history]


def test_missing_appointment_is_a_clear_error(factory, case) -> None:  # type: ignore[no-untyped-def]
    from officer_console.domain.errors import NotFoundError

    with factory() as s, pytest.raises(NotFoundError, match="预约不存在"):
        casefile.load_case_file(s, 999_999, case["mine"], "officer", case["squad"])


def test_reassign_history_names_the_target(factory, case) -> None:  # type: ignore[no-untyped-def]
    with transaction(factory) as s:
        squad = s.get(Squad, case["squad"])
        lead = builders.officer(s, squad, "370102099", "shift_lead", "孙队")
        version = s.get(Appointment, case["appt"]).version  # type: ignore[union-attr]
        queue.reassign(
            s,
            builders.actor_for(lead),
            "shift_lead",
            case["squad"],
            [(case["appt"], version)],
            reason="警力调整",
            to_officer_id=case["colleague"],
        )
    with factory() as s:
        cf = casefile.load_case_file(s, case["appt"], case["colleague"], "officer", case["squad"])
    last = cf.history[-1]
    assert (last.action, last.actor) == ("改派", "孙队（370102099）")
    assert last.detail == "改派给 赵强（370102002）：警力调整"
    assert cf.can_reveal
