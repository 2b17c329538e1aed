"""Hearing choice, warnings and first-violation leniency (首违警告) in the store, on SQLite
and PostgreSQL: what the notice records, what the ruling may be, what the audit keeps, and
that a warning decision prints no payment terms."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.domain.errors import RuleViolation, ValidationError
from officer_console.domain.procedure import HearingChoice, Step
from officer_console.domain.procedure_notes import RulingProposal
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction, transaction
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Decision,
    ViolationRecord,
)
from officer_console.store.db.types import utcnow
from officer_console.store.evidence import delivery
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import core, leniency
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure import view as pv
from tests.support import builders
from tests.support.case_documents import case_documents, pdf_text
from tests.support.procedure_steps import sign
from tests.support.procedure_world import World, build, png

T = TypeVar("T")


def run(factory: sessionmaker[Session], work: Callable[[Session], T]) -> Any:
    result = run_in_transaction(factory, work)
    return result.view if isinstance(result, core.CaseChange) else result


def started(factory: sessionmaker[Session], w: World, tmp: Path) -> pv.CaseView:
    """开始办理 and 询问 done: the case stands at 告知."""
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    snap = run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp, view.case_id, png()))
    run(
        factory,
        lambda s: pc.complete_inquiry(
            s,
            w.lead,
            view.case_id,
            name_confirmed=True,
            id_last4=w.id_last4,
            snapshot_evidence_id=snap,
            qa=[(q, "是") for q in view.questions()],
            admissions={v.violation_id: True for v in view.violations},
        ),
    )
    docs = case_documents(tmp / "data")  # the 询问笔录 signed at its step (issue 20)
    return run(factory, lambda s: sign(s, w.lead, tmp, view.case_id, "inquiry", docs=docs))


def notice(factory: sessionmaker[Session], w: World, view: pv.CaseView, **kw: Any) -> pv.CaseView:
    kw.setdefault("statement", None)
    kw.setdefault("waived", True)
    kw.setdefault("review_note", "经复核，维持拟处罚意见。")
    done = run(factory, lambda s: pc.complete_notice(s, w.lead, view.case_id, **kw))
    if not done.is_open:  # a hearing request hands the case over
        return done
    tmp = Path(tempfile.mkdtemp(prefix="oc-rules-"))  # the 告知笔录 signed at its step
    docs = case_documents(tmp / "data")
    return run(factory, lambda s: sign(s, w.lead, tmp, view.case_id, "notice", docs=docs))


def request_id(factory: sessionmaker[Session], work: Callable[[Session], Any]) -> int:
    """A co-sign request's id (the operation returns its CaseChange with the id)."""
    return int(run_in_transaction(factory, work).request_id)


def rule(
    factory: sessionmaker[Session],
    w: World,
    view: pv.CaseView,
    fines: dict[int, int],
    *,
    warning: bool = False,
    now: datetime | None = None,
) -> pv.CaseView:
    points = {v.violation_id: v.points for v in view.violations}
    return run(
        factory,
        lambda s: pc.complete_ruling(
            s,
            w.lead,
            view.case_id,
            fines=fines,
            points=points,
            review_note="经复核，维持",
            warning=warning,
            now=now,
        ),
    )


def test_first_violation_is_proposed_as_warning_and_decided_without_payment_terms(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1039",))  # parking: on the Shandong list, 警告或罚款
    view = started(factory, w, tmp_path)
    ((assessment, applies, reason),) = view.leniency
    assert applies and assessment.proposed and assessment.list_version == "2024.1"
    assert "近12个月内无同类违法记录（系统核查）" in reason
    assert "拟给予警告" in view.notice and "拟处罚款" not in view.notice
    assert view.proposed_fine_total == 0 and not view.hearing_right
    vid = view.violations[0].violation_id
    with pytest.raises(ValidationError, match="首违警告理由"):
        notice(factory, w, view, leniency_reasons={vid: "  "})
    view = notice(
        factory, w, view, leniency_reasons={vid: "首次违法，驾驶人已当场驶离，未造成事故"}
    )
    assert view.next_step is Step.RULING
    data = view.step_data["notice"]
    assert data["warning"] and data["proposed_fine"] == 0
    assert data["leniency"][str(vid)]["applies"]
    assert "当场驶离" in data["leniency"][str(vid)]["reason"]
    # The notice proposed 警告: a fine now would be heavier ([XZCF] 45).
    with pytest.raises(RuleViolation) as err:
        rule(factory, w, view, {vid: 200})
    assert err.value.code == "ruling_exceeds_notice"
    with pytest.raises(ValidationError, match="须选择“警告”"):
        rule(factory, w, view, {vid: 0})  # 0 yuan without 警告 is neither
    view = rule(factory, w, view, {vid: 0}, warning=True)
    assert view.next_step is Step.CONFIRMATION
    with read_session(factory) as s:
        decision = s.scalar(select(Decision).where(Decision.case_id == view.case_id))
        assert decision is not None and decision.warning and decision.fine_total == 0
        details = [e.detail for e in audit.events_for(s, "case", view.case_id)
                   if e.action == "case.notice_rights"]  # fmt: skip
        assert details == [{"hearing": "not_applicable", "statement_waived": True,
                            "leniency": {str(vid): True}}]  # fmt: skip
    view = run(
        factory,
        lambda s: pc.complete_confirmation(
            s, w.lead, tmp_path, view.case_id, signature_png=png(), refused=False
        ),
    )
    from tests.store.test_procedure_cases import CountingSms

    server = DecisionServer(
        factory,
        CountingSms(),
        evidence_dir=tmp_path,
        link_base="https://gw.example.cn",
        documents=case_documents(tmp_path / "data"),
    )
    outcome = server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    assert outcome.state == "sent"
    token = outcome.link.rsplit("/", 1)[1]
    with transaction(factory) as s:
        served = delivery.fetch_document(
            s, token, now=utcnow(), evidence_dir=tmp_path, actor=w.lead
        )
        text = "".join(pdf_text(served.data).split())
    assert "决定给予警告" in text and "不予记分" in text  # 0 points: no article (issue 20)
    assert "缴纳罚款" not in text and "加处罚款" not in text and "罚款0元" not in text


def test_a_prior_identical_violation_rules_leniency_out(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1039",))
    with transaction(factory) as s:
        appt = s.get(Appointment, w.appointment_id)
        assert appt is not None
        s.add(
            ViolationRecord(
                vehicle_id=appt.vehicle_id,
                region="370100",
                code="1039",
                occurred_at=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),  # within 12 months before
                location="泉城路",
                fine=200,
                points=0,
                status="handled",
                source_ref=f"prior-{w.appointment_id}",
            )
        )
    view = started(factory, w, tmp_path)
    ((assessment, applies, reason),) = view.leniency
    assert not applies and not assessment.proposed
    assert reason.startswith("不适用首违警告")
    assert "拟处罚款200元" in view.notice
    vid = view.violations[0].violation_id
    with pytest.raises(RuleViolation) as err:
        run(factory, lambda s: leniency.decide(
            s, w.lead, view.case_id, vid, applies=True, reason="民警认为可从轻"))  # fmt: skip
    assert err.value.code == "leniency_not_allowed"
    view = notice(factory, w, view)
    assert not view.step_data["notice"]["leniency"][str(vid)]["applies"]
    view = rule(factory, w, view, {vid: 200})
    assert view.next_step is Step.CONFIRMATION


def test_officer_declines_leniency_and_the_notice_follows(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1039",))
    view = started(factory, w, tmp_path)
    vid = view.violations[0].violation_id
    view = run(factory, lambda s: leniency.decide(
        s, w.lead, view.case_id, vid, applies=False, reason="当事人称当时造成了剐蹭"))  # fmt: skip
    assert view.warned == frozenset() and "拟处罚款200元" in view.notice
    with read_session(factory) as s:
        events = [
            e for e in audit.events_for(s, "case", view.case_id) if e.action == "case.leniency"
        ]
        assert [e.detail["applies"] for e in events] == [False]
    view = notice(factory, w, view)
    assert view.step_data["notice"]["leniency"][str(vid)]["reason"] == "当事人称当时造成了剐蹭"
    with pytest.raises(RuleViolation):  # the notice is done: decisions are closed
        run(factory, lambda s: leniency.decide(
            s, w.lead, view.case_id, vid, applies=True, reason="改主意"))  # fmt: skip


def test_warning_ruled_where_the_article_allows_one(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1625",))  # red light: 警告或罚款, not on the leniency list
    view = started(factory, w, tmp_path)
    assert view.leniency == ()
    view = notice(factory, w, view, statement="我当时在送病人", waived=False)
    vid = view.violations[0].violation_id
    with pytest.raises(ValidationError, match="罚款应填为0元"):
        rule(factory, w, view, {vid: 200}, warning=True)
    view = rule(factory, w, view, {vid: 0}, warning=True)  # lighter after review: lawful
    assert view.step_data["ruling"]["warned"] == [vid]


def test_hearing_choice_at_the_threshold(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory, ("1721",))  # 2000 yuan, fine only ([DJF] 99)
    view = started(factory, w, tmp_path)
    assert view.hearing_right and "听证" in view.notice
    with pytest.raises(ValidationError, match="听证权利"):
        notice(factory, w, view)  # no silent skip of the hearing right
    vid = view.violations[0].violation_id
    view = notice(factory, w, view, hearing=HearingChoice.WAIVED)
    assert view.step_data["notice"]["hearing"] == "waived"
    with read_session(factory) as s:
        (detail,) = [e.detail for e in audit.events_for(s, "case", view.case_id)
                     if e.action == "case.notice_rights"]  # fmt: skip
        assert detail["hearing"] == "waived"
    _cosign(factory, w, view)
    with pytest.raises(ValidationError, match="不能给予警告"):
        rule(factory, w, view, {vid: 0}, warning=True)
    assert rule(factory, w, view, {vid: 2000}).next_step is Step.CONFIRMATION


def _cosign(factory: sessionmaker[Session], w: World, view: pv.CaseView) -> None:
    rid = request_id(factory, lambda s: procedure_cosign.request_cosign(
        s, w.lead, view.case_id, w.assist.officer_id))  # type: ignore[arg-type]  # fmt: skip
    run(factory, lambda s: procedure_cosign.decide(
        s, w.assist, rid, approve=True, password=builders.PASSWORD))  # fmt: skip


def test_hearing_request_hands_over_without_a_statement(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1721",))
    view = started(factory, w, tmp_path)
    view = notice(factory, w, view, waived=False, hearing=HearingChoice.REQUESTED)
    assert view.status == pv.HANDED_OVER and view.stop_code == "hearing_requested"
    with read_session(factory) as s:
        assert s.get(Appointment, w.appointment_id).status == "handed_over"  # type: ignore[union-attr]


def test_reserved_hearing_makes_the_ruling_wait(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1721",))
    view = started(factory, w, tmp_path)
    view = notice(factory, w, view, statement="我不同意，要考虑是否听证", waived=False,
                  hearing=HearingChoice.RESERVED)  # fmt: skip
    wait = datetime.fromisoformat(view.step_data["notice"]["ruling_not_before"])
    assert wait - utcnow() > timedelta(days=5)
    _cosign(factory, w, view)
    vid = view.violations[0].violation_id
    with pytest.raises(RuleViolation) as err:
        rule(factory, w, view, {vid: 2000})
    assert err.value.code == "hearing_period_running"
    with read_session(factory) as s:
        assert s.scalar(select(Decision).where(Decision.case_id == view.case_id)) is None
        case = s.get(Case, view.case_id)
        assert case is not None and case.status == pv.OPEN
    view = rule(factory, w, view, {vid: 2000}, now=wait + timedelta(hours=2))
    assert view.next_step is Step.CONFIRMATION
    with read_session(factory) as s:
        steps = s.scalars(select(CaseStep.step).where(CaseStep.case_id == view.case_id)).all()
        assert list(steps) == ["inquiry", "notice", "ruling"]


def test_cosign_shows_the_approver_facts_statement_and_proposed_ruling(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, ("1721",))
    view = started(factory, w, tmp_path)
    view = notice(
        factory, w, view, statement="当时在送病人去医院", waived=False, hearing=HearingChoice.WAIVED
    )
    vid = view.violations[0].violation_id
    lighter = RulingProposal({vid: 1500}, {vid: 6}, frozenset(), "采纳部分申辩，减轻处罚")
    with pytest.raises(ValidationError, match="不能给予警告"):  # unlawful proposals never reach him
        run(factory, lambda s: procedure_cosign.request_cosign(
            s, w.lead, view.case_id, w.assist.officer_id,  # type: ignore[arg-type]
            proposal=RulingProposal({vid: 0}, {vid: 6}, frozenset({vid}), "警告")))  # fmt: skip
    rid = request_id(factory, lambda s: procedure_cosign.request_cosign(
        s, w.lead, view.case_id, w.assist.officer_id, proposal=lighter))  # type: ignore[arg-type]  # fmt: skip
    with read_session(factory) as s:
        (item,) = procedure_cosign.pending_for(s, w.assist.officer_id)  # type: ignore[arg-type]
    for fragment in ("张*", "经十路与舜耕路路口", "代码1721", "当时在送病人去医院",
                     "当事人明确放弃听证", "罚款1500元，记6分", "采纳部分申辩"):  # fmt: skip
        assert fragment in item.detail, fragment
    assert "张三丰" not in item.detail
    run(factory, lambda s: procedure_cosign.decide(
        s, w.assist, rid, approve=True, password=builders.PASSWORD))  # fmt: skip
    # The approval covers that ruling only.
    with pytest.raises(RuleViolation) as err:
        rule(factory, w, view, {vid: 2000})
    assert err.value.code == "ruling_differs_from_cosign"
    heavier = RulingProposal({vid: 1800}, {vid: 6}, frozenset(), "改为1800元")
    rid2 = request_id(factory, lambda s: procedure_cosign.request_cosign(
        s, w.lead, view.case_id, w.assist.officer_id, proposal=heavier))  # type: ignore[arg-type]  # fmt: skip
    with read_session(factory) as s:
        assert pv.load_case(s, view.case_id).cosign_status == "pending"
    run(factory, lambda s: procedure_cosign.decide(
        s, w.assist, rid2, approve=True, password=builders.PASSWORD))  # fmt: skip
    assert rule(factory, w, view, {vid: 1800}).next_step is Step.CONFIRMATION
