"""The procedure state machine: order, per-step rules, persistence round trip."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from officer_console.domain.errors import DomainError, RuleViolation, ValidationError
from officer_console.domain.procedure import (
    STEP_ORDER,
    CaseProcedure,
    HearingChoice,
    ProcedureKind,
    Step,
    check_decision_deadline,
    hearing_period_end,
    procedure_kind,
)

ACCEPTED = datetime(2024, 6, 11, 1, 0, tzinfo=UTC)
QA = [("是否为本人驾驶？", "是本人驾驶"), ("对违法事实有无异议？", "无异议")]


def simple_through_notice(fine: int = 200, points: int = 6) -> CaseProcedure:
    proc = CaseProcedure.start(ProcedureKind.SIMPLE, 1, accepted_at=ACCEPTED)
    proc = proc.complete_inquiry(True, QA)
    return proc.complete_notice(fine, points, False, None, True)


def finished() -> CaseProcedure:
    proc = simple_through_notice()
    proc = proc.complete_ruling(200, 6, False, "当事人无异议，维持拟处罚", None)
    proc = proc.complete_confirmation(signed=True, refused_to_sign=False)
    return proc.complete_service(True, "sms", "138 1234 1234", ACCEPTED + timedelta(minutes=20))


def rule_code(func: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(RuleViolation) as info:
        func(*args, **kwargs)
    return info.value.code


def test_happy_path_simple() -> None:
    proc = finished()
    assert proc.is_complete
    assert proc.next_step is None
    assert proc.completed_steps == STEP_ORDER
    assert (proc.notified_fine, proc.notified_points) == (200, 6)
    assert (proc.ruling_fine, proc.ruling_points) == (200, 6)
    assert proc.service is not None
    assert proc.service.address == "13812341234"
    data = json.loads(json.dumps(proc.to_dict()))
    assert CaseProcedure.from_dict(data) == proc


def test_steps_have_chinese_labels() -> None:
    assert [step.value for step in Step] == [
        "inquiry",
        "notice",
        "ruling",
        "confirmation",
        "service",
    ]
    assert Step.INQUIRY.label == "询问"
    assert ProcedureKind.GENERAL.label == "一般程序"


def test_out_of_order_names_expected_step() -> None:
    proc = CaseProcedure.start(ProcedureKind.SIMPLE, 1)
    with pytest.raises(RuleViolation) as info:
        proc.complete_ruling(100, 0, False, "复核", None)
    assert info.value.code == "step_out_of_order"
    assert "询问" in info.value.message
    inquired = proc.complete_inquiry(True, QA)
    assert rule_code(inquired.complete_inquiry, True, QA) == "step_out_of_order"
    assert rule_code(finished().complete_service, True, "sms", "13812341234", ACCEPTED) == (
        "step_out_of_order"
    )


@pytest.mark.parametrize(
    ("fine", "kwargs", "kind"),
    [
        (0, {}, ProcedureKind.SIMPLE),
        (200, {}, ProcedureKind.SIMPLE),
        (201, {}, ProcedureKind.GENERAL),
        (2000, {}, ProcedureKind.GENERAL),
    ],
)
def test_procedure_kind(fine: int, kwargs: dict[str, bool], kind: ProcedureKind) -> None:
    assert procedure_kind(fine, **kwargs) is kind


@pytest.mark.parametrize("kwargs", [{"suspension": True}, {"revocation": True}])
def test_suspension_or_revocation_is_not_remote(kwargs: dict[str, bool]) -> None:
    assert rule_code(procedure_kind, 100, **kwargs) == "remote_not_allowed"


def test_inquiry_rules() -> None:
    proc = CaseProcedure.start(ProcedureKind.SIMPLE, 1)
    assert rule_code(proc.complete_inquiry, False, QA) == "identity_not_verified"
    with pytest.raises(ValidationError):
        proc.complete_inquiry(True, [])
    with pytest.raises(ValidationError):
        proc.complete_inquiry(True, [("问题", "")])
    refused = proc.complete_inquiry(True, [("是否本人驾驶？", "")], refused=True)
    assert refused.inquiry is not None
    assert refused.inquiry.refused


def test_notice_rules() -> None:
    proc = CaseProcedure.start(ProcedureKind.SIMPLE, 1).complete_inquiry(True, QA)
    with pytest.raises(ValidationError, match="陈述"):
        proc.complete_notice(100, 1, False, "  ", False)
    with pytest.raises(ValidationError, match="罚款或警告"):
        proc.complete_notice(0, 0, False, None, True)
    assert rule_code(proc.complete_notice, 300, 3, False, None, True) == "procedure_kind_mismatch"
    with_statement = proc.complete_notice(100, 1, False, "我当时在避让行人", False)
    assert with_statement.notice is not None
    assert with_statement.notice.statement == "我当时在避让行人"
    warning_only = proc.complete_notice(0, 0, True, None, True)
    assert warning_only.next_step is Step.RULING


def test_hearing_request() -> None:
    proc = CaseProcedure.start(ProcedureKind.GENERAL, 1, assist_officer_id=2)
    proc = proc.complete_inquiry(True, QA)
    code = rule_code(proc.complete_notice, 2000, 6, False, None, True, hearing_requested=True)
    assert code == "hearing_requested"
    with pytest.raises(ValidationError, match="不享有听证"):
        proc.complete_notice(1999, 6, False, None, True, hearing_requested=True)
    with pytest.raises(ValidationError, match="听证权利"):  # no silent skip of the hearing
        proc.complete_notice(2000, 6, False, None, True)
    waived = proc.complete_notice(2000, 6, False, None, True, hearing=HearingChoice.WAIVED)
    assert waived.next_step is Step.RULING
    assert waived.notice is not None and waived.notice.hearing is HearingChoice.WAIVED


def test_hearing_request_needs_no_statement() -> None:
    proc = CaseProcedure.start(ProcedureKind.GENERAL, 1, assist_officer_id=2)
    proc = proc.complete_inquiry(True, QA)
    # Neither statement nor waiver: the request alone ends remote handling.
    code = rule_code(
        proc.complete_notice, 2000, 6, False, None, False, hearing=HearingChoice.REQUESTED
    )
    assert code == "hearing_requested"
    with pytest.raises(ValidationError, match="不享有听证"):
        proc.complete_notice(500, 6, False, None, True, hearing=HearingChoice.WAIVED)


def test_reserved_hearing_makes_the_ruling_wait_five_days() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    notified = datetime(2024, 6, 11, 15, 30, tzinfo=UTC)  # 23:30 local on 11 June
    proc = CaseProcedure.start(ProcedureKind.GENERAL, 1, assist_officer_id=2, accepted_at=notified)
    proc = proc.complete_inquiry(True, QA)
    proc = proc.complete_notice(
        2000,
        6,
        False,
        "我当时有急事",
        False,
        hearing=HearingChoice.RESERVED,
        notified_at=notified,
        tz=tz,
    )
    assert proc.notice is not None
    # Day of notice not counted; the fifth day (16 June) runs to its end, local time.
    assert proc.notice.ruling_not_before == datetime(2024, 6, 17, tzinfo=tz)
    early = datetime(2024, 6, 16, 23, 59, tzinfo=tz)
    assert rule_code(proc.complete_ruling, 2000, 6, False, "复核", None, now=early) == (
        "hearing_period_running"
    )
    with pytest.raises(ValueError, match="now"):
        proc.complete_ruling(2000, 6, False, "复核", None)
    ruled = proc.complete_ruling(
        2000, 6, False, "复核", None, now=datetime(2024, 6, 17, 9, tzinfo=tz)
    )
    assert ruled.next_step is Step.CONFIRMATION
    # The 24 hours count from the period's end, not from the (days-old) acceptance ...
    late = datetime(2024, 6, 18, 1, tzinfo=tz)
    assert rule_code(proc.complete_ruling, 2000, 6, False, "复核", None, now=late) == (
        "decision_deadline_passed"
    )
    # ... and the choice survives the store's JSON round trip.
    again = CaseProcedure.from_dict(json.loads(json.dumps(proc.to_dict())))
    assert again == proc
    with pytest.raises(ValueError, match="notified_at"):
        CaseProcedure.start(ProcedureKind.GENERAL, 1).complete_inquiry(True, QA).complete_notice(
            2000, 6, False, None, True, hearing=HearingChoice.RESERVED
        )


def test_hearing_period_end_counts_local_days() -> None:
    tz = ZoneInfo("Asia/Shanghai")
    # 00:30 local on 1 March 2024 (leap year) is still 29 Feb in UTC.
    notified = datetime(2024, 2, 29, 16, 30, tzinfo=UTC)
    assert hearing_period_end(notified, tz) == datetime(2024, 3, 7, tzinfo=tz)
    with pytest.raises(ValueError, match="timezone-aware"):
        hearing_period_end(datetime(2024, 3, 1), tz)


def test_old_snapshots_without_a_hearing_choice_still_load() -> None:
    data = simple_through_notice().to_dict()
    del data["steps"]["notice"]["hearing"]
    del data["steps"]["notice"]["ruling_not_before"]
    notice = CaseProcedure.from_dict(data).notice
    assert notice is not None and notice.hearing is HearingChoice.NOT_APPLICABLE


def test_ruling_may_not_exceed_notice() -> None:
    proc = simple_through_notice(fine=150, points=3)
    assert rule_code(proc.complete_ruling, 200, 3, False, "复核", None) == "ruling_exceeds_notice"
    assert rule_code(proc.complete_ruling, 150, 6, False, "复核", None) == "ruling_exceeds_notice"
    assert rule_code(proc.complete_ruling, 150, 3, True, "复核", None) == "ruling_exceeds_notice"
    lighter = proc.complete_ruling(100, 3, False, "采纳申辩，减轻处罚", None)
    assert (lighter.ruling_fine, lighter.ruling_points) == (100, 3)
    warning_instead = proc.complete_ruling(0, 3, True, "改为警告", None)
    assert warning_instead.ruling is not None
    assert warning_instead.ruling.warning
    with pytest.raises(ValidationError):
        proc.complete_ruling(100, 3, False, "  ", None)


def test_general_procedure_needs_a_second_officer() -> None:
    proc = CaseProcedure.start(ProcedureKind.GENERAL, 1).complete_inquiry(True, QA)
    proc = proc.complete_notice(500, 6, False, None, True)
    assert rule_code(proc.complete_ruling, 500, 6, False, "复核", None) == "assist_officer_required"
    assert rule_code(proc.complete_ruling, 500, 6, False, "复核", 1) == "assist_officer_same"
    ruled = proc.complete_ruling(500, 6, False, "复核", 2)
    assert ruled.assist_officer_id == 2
    preset = replace(proc, assist_officer_id=3).complete_ruling(500, 6, False, "复核", None)
    assert preset.ruling is not None
    assert preset.ruling.assist_officer_id == 3


def test_points_reaching_12_stop_remote_handling() -> None:
    assert rule_code(CaseProcedure.start, ProcedureKind.SIMPLE, 1, cycle_points_before=12) == (
        "points_reach_12"
    )
    proc = simple_through_notice(points=6).with_cycle_points_before(6)
    with pytest.raises(RuleViolation) as info:
        proc.complete_ruling(200, 6, False, "复核", None)
    assert info.value.code == "points_reach_12"
    assert "12分" in info.value.message
    assert (
        simple_through_notice(points=6)
        .with_cycle_points_before(5)
        .complete_ruling(200, 6, False, "复核", None)
        .is_complete
        is False
    )


def test_confirmation_needs_exactly_one_choice() -> None:
    proc = simple_through_notice().complete_ruling(200, 6, False, "复核", None)
    for signed, refused in [(True, True), (False, False)]:
        with pytest.raises(ValidationError):
            proc.complete_confirmation(signed, refused)
    refusal = proc.complete_confirmation(False, True)
    assert refusal.confirmation is not None
    assert refusal.confirmation.refused_to_sign


def test_service_rules() -> None:
    proc = simple_through_notice().complete_ruling(200, 6, False, "复核", None)
    proc = proc.complete_confirmation(True, False)
    sent = ACCEPTED + timedelta(hours=1)
    assert rule_code(proc.complete_service, False, "sms", "13812341234", sent) == (
        "service_consent_required"
    )
    with pytest.raises(ValidationError):
        proc.complete_service(True, "email", "a@b.c", sent)
    with pytest.raises(ValidationError):
        proc.complete_service(True, "sms", "12345", sent)
    with pytest.raises(ValidationError):
        proc.complete_service(True, "sms", "13812341234", ACCEPTED - timedelta(minutes=1))
    done = proc.complete_service(True, "mini_program", "o-abc", sent)
    assert done.is_complete


def test_decision_deadline() -> None:
    check_decision_deadline(ACCEPTED, ACCEPTED + timedelta(hours=24))
    with pytest.raises(RuleViolation) as info:
        check_decision_deadline(ACCEPTED, ACCEPTED + timedelta(hours=24, seconds=1))
    assert info.value.code == "decision_deadline_passed"
    proc = simple_through_notice()
    late = ACCEPTED + timedelta(hours=25)
    assert rule_code(proc.complete_ruling, 200, 6, False, "复核", None, now=late) == (
        "decision_deadline_passed"
    )


def test_from_dict_rejects_corrupt_data() -> None:
    data = finished().to_dict()
    with pytest.raises(ValueError, match="version"):
        CaseProcedure.from_dict({**data, "version": 99})
    gap = json.loads(json.dumps(data))
    del gap["steps"]["notice"]
    with pytest.raises(ValueError, match="order"):
        CaseProcedure.from_dict(gap)
    wrong_type = json.loads(json.dumps(data))
    wrong_type["steps"]["ruling"]["fine"] = "200"
    with pytest.raises(ValueError, match="fine"):
        CaseProcedure.from_dict(wrong_type)


# --- random call sequences -------------------------------------------------------------

FINES = st.sampled_from([0, 50, 200, 201, 1999, 2000, 5000])
POINTS = st.sampled_from([0, 1, 3, 3, 6, 12])
TEXT = st.sampled_from(["", "复核意见：维持", "当事人称不知道限速", "无异议"])
MOSTLY = st.sampled_from([True, True, True, False])
OFFICERS = st.sampled_from([None, 1, 2])


class ProcedureMachine(RuleBasedStateMachine):
    """Calls steps in random order with random data; only legal progress may happen."""

    proc: CaseProcedure

    @initialize(
        kind=st.sampled_from(ProcedureKind),
        points_before=st.sampled_from([0, 0, 2, 6, 11]),
        assist=OFFICERS,
    )
    def start(self, kind: ProcedureKind, points_before: int, assist: int | None) -> None:
        self.proc = CaseProcedure.start(
            kind,
            1,
            assist_officer_id=assist,
            cycle_points_before=points_before,
            accepted_at=ACCEPTED,
        )

    def attempt(self, step: Step, call: Any) -> None:
        before = self.proc
        try:
            after = call(before)
        except DomainError as exc:
            error: DomainError | None = exc
        else:
            error = None
        if error is not None:
            if before.next_step is step:
                assert error.code != "step_out_of_order"
            else:
                assert isinstance(error, RuleViolation)
                assert error.code == "step_out_of_order"
            return
        assert before.next_step is step, "a step was skipped or repeated"
        assert after.completed_steps == (*before.completed_steps, step)
        for name in ("inquiry", "notice", "ruling", "confirmation", "service"):
            if getattr(before, name) is not None:
                assert getattr(after, name) == getattr(before, name)
        self.proc = after

    @rule(verified=MOSTLY, refused=st.booleans(), answer=TEXT)
    def inquiry(self, verified: bool, refused: bool, answer: str) -> None:
        self.attempt(
            Step.INQUIRY, lambda p: p.complete_inquiry(verified, [("问", answer)], refused)
        )

    @rule(
        fine=FINES,
        points=POINTS,
        warning=st.booleans(),
        statement=TEXT,
        waived=st.booleans(),
        hearing=st.sampled_from([None, None, *HearingChoice]),
        requested=st.sampled_from([False, False, False, True]),
    )
    def notice(
        self,
        *,
        fine: int,
        points: int,
        warning: bool,
        statement: str,
        waived: bool,
        hearing: HearingChoice | None,
        requested: bool,
    ) -> None:
        self.attempt(
            Step.NOTICE,
            lambda p: p.complete_notice(
                fine,
                points,
                warning,
                statement,
                waived,
                hearing=hearing,
                hearing_requested=requested,
                notified_at=ACCEPTED,
                tz=UTC,
            ),
        )

    @rule(
        data=st.data(),
        fine_change=st.sampled_from([0, 0, -50, -1000, 1, 100]),
        points_change=st.sampled_from([0, 0, -1, -3, 1]),
        warning=st.sampled_from([False, False, False, True]),
        note=TEXT,
        assist=st.sampled_from([2, 2, 1, None]),
        later=st.sampled_from([timedelta(hours=1), timedelta(days=6, hours=1), timedelta(days=9)]),
    )
    def ruling(
        self,
        *,
        data: st.DataObject,
        fine_change: int,
        points_change: int,
        warning: bool,
        note: str,
        assist: int | None,
        later: timedelta,
    ) -> None:
        # Mostly stay close to the notice (so later steps get exercised), sometimes exceed it.
        notice = self.proc.notice
        base_fine = notice.proposed_fine if notice else data.draw(FINES)
        base_points = notice.proposed_points if notice else data.draw(POINTS)
        fine = max(0, base_fine + fine_change)
        points = min(12, max(0, base_points + points_change))
        now = ACCEPTED + later
        had_ruling = self.proc.ruling is not None
        self.attempt(
            Step.RULING, lambda p: p.complete_ruling(fine, points, warning, note, assist, now=now)
        )
        if not had_ruling and self.proc.ruling is not None:
            self.ruled_at = now

    @rule(signed=st.booleans(), refused=st.booleans())
    def confirmation(self, signed: bool, refused: bool) -> None:
        self.attempt(Step.CONFIRMATION, lambda p: p.complete_confirmation(signed, refused))

    @rule(consent=MOSTLY, channel=st.sampled_from(["sms", "mini_program", "fax"]))
    def service(self, consent: bool, channel: str) -> None:
        sent = ACCEPTED + timedelta(hours=2)
        self.attempt(
            Step.SERVICE, lambda p: p.complete_service(consent, channel, "13812341234", sent)
        )

    @invariant()
    def steps_form_a_prefix(self) -> None:
        done = self.proc.completed_steps
        assert done == STEP_ORDER[: len(done)]
        assert self.proc.is_complete == (len(done) == len(STEP_ORDER))

    @invariant()
    def ruling_never_exceeds_notice(self) -> None:
        ruling, notice = self.proc.ruling, self.proc.notice
        if ruling is not None:
            assert notice is not None
            assert ruling.fine <= notice.proposed_fine
            assert ruling.points <= notice.proposed_points
            assert self.proc.cycle_points_before + ruling.points < 12
            if self.proc.kind is ProcedureKind.GENERAL:
                assert ruling.assist_officer_id not in (None, self.proc.lead_officer_id)

    @invariant()
    def hearing_right_is_never_skipped(self) -> None:
        notice, ruling = self.proc.notice, self.proc.ruling
        if notice is None:
            return
        entitled = notice.proposed_fine >= 2000
        assert (notice.hearing is not HearingChoice.NOT_APPLICABLE) == entitled
        assert notice.hearing is not HearingChoice.REQUESTED  # that one stops the case
        if ruling is not None and notice.hearing is HearingChoice.RESERVED:
            assert notice.ruling_not_before is not None
            assert self.ruled_at >= notice.ruling_not_before

    ruled_at = ACCEPTED

    @invariant()
    def round_trips_through_json(self) -> None:
        data = json.loads(json.dumps(self.proc.to_dict()))
        assert CaseProcedure.from_dict(data) == self.proc


ProcedureMachine.TestCase.settings = settings(
    max_examples=300,
    stateful_step_count=40,
    suppress_health_check=[HealthCheck.too_slow],
)
TestProcedureMachine = ProcedureMachine.TestCase
