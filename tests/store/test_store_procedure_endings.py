"""Every lawful ending of a decided case, and paper service (issue 19 items 5, 6):
转窗口办理 with the state kept (the decision carried to the window or voided with its number
accounted for), no 确认/送达/link after a hand-over, the SMS row never left ``sending``, and
paper service recorded with method, date, recipient and a scanned 送达回证. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.domain.errors import PermissionDenied, RuleViolation, ValidationError
from officer_console.store.appointments import lifecycle
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction
from officer_console.store.db.models import Appointment, AuditEvent, Decision, EvidenceFile
from officer_console.store.db.models import SmsMessage as SmsRow
from officer_console.store.procedure import cases, handover, service
from officer_console.store.procedure import view as pv
from tests.store.test_procedure_cases import CountingSms
from tests.support.case_documents import case_documents
from tests.support.procedure_steps import STEPS, do_step
from tests.support.procedure_world import World, build, png


def _to(factory: sessionmaker[Session], w: World, step: str, tmp: Path) -> pv.CaseView:
    view = run_in_transaction(factory, lambda s: cases.start_case(s, w.lead, w.appointment_id)).view
    docs = case_documents(tmp / "data")
    for before in STEPS[: STEPS.index(step)]:
        view = run_in_transaction(
            factory,
            lambda s, b=before, v=view: do_step(
                s, w.lead, v, b, evidence=tmp, id_last4=w.id_last4, docs=docs
            ),
        ).view
    return view


def _status(factory: sessionmaker[Session], w: World) -> str:
    with read_session(factory) as s:
        appt = s.get(Appointment, w.appointment_id)
        assert appt is not None
        return appt.status


@pytest.mark.parametrize("road", ["carry", "void"])
def test_hand_over_after_the_ruling(
    factory: sessionmaker[Session], tmp_path: Path, road: str
) -> None:
    w = build(factory)
    view = _to(factory, w, "confirmation", tmp_path)
    number = view.decision_number
    assert number
    with pytest.raises(ValidationError, match="作废"):  # a decided case needs a road
        run_in_transaction(
            factory,
            lambda s: handover.hand_over_case(
                s, w.lead, view.case_id, reason_code="technical", text=""
            ),
        )
    with pytest.raises(PermissionDenied):
        run_in_transaction(
            factory,
            lambda s: handover.hand_over_case(
                s, w.assist, view.case_id, reason_code="technical", decision=road, void_reason="x"
            ),
        )
    change = run_in_transaction(
        factory,
        lambda s: handover.hand_over_case(
            s,
            w.lead,
            view.case_id,
            reason_code="technical",
            decision=road,
            void_reason="当事人网络长时间中断，决定未宣告，作废后窗口重新办理"
            if road == "void"
            else "",
        ),
    )
    assert change.view.status == pv.HANDED_OVER and change.appointment is not None
    assert change.appointment.status == "handed_over" and _status(factory, w) == "handed_over"
    assert [d.step for d in change.view.steps] == ["inquiry", "notice", "ruling"]  # state kept
    # never 确认/送达 nor a link after a hand-over
    with pytest.raises(RuleViolation, match="转窗口办理"):
        run_in_transaction(
            factory,
            lambda s: cases.complete_confirmation(
                s, w.lead, tmp_path, view.case_id, signature_png=png(), refused=False
            ),
        )
    server = DecisionServer(
        factory,
        CountingSms(),
        evidence_dir=tmp_path,
        link_base="https://gw",
        documents=case_documents(tmp_path / "data"),
    )
    with pytest.raises(RuleViolation):
        server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(SmsRow)) == 0
        decision = s.scalars(select(Decision)).one()
        assert decision.number == number and decision.serial == 1  # the number stays
        events = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert "case.hand_over" in events
        if road == "void":
            assert decision.voided_at is not None and "作废" in (decision.void_reason or "")
            assert "decision.void" in events
        else:
            assert decision.voided_at is None
        assert audit.verify_chain(s).ok
    paper = lambda s: handover.record_paper_service(  # noqa: E731
        s, w.lead, tmp_path, view.case_id, method="direct", served_on=date.today(),
        recipient="张三丰（本人）",
    )  # fmt: skip
    if road == "void":  # a voided decision is never served
        with pytest.raises(RuleViolation):
            run_in_transaction(factory, paper)
    else:  # carried to the window: served there on paper
        assert run_in_transaction(factory, paper).view.status == pv.PAPER_SERVED


def test_hand_over_before_the_ruling_and_from_the_outcomes_box(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to(factory, w, "notice", tmp_path)
    change = run_in_transaction(
        factory,
        lambda s: handover.hand_over_case(
            s, w.lead, view.case_id, reason_code="other", text="当事人已离开，无法继续"
        ),
    )
    assert change.view.stop_text.endswith("当事人已离开，无法继续")
    assert change.view.next_step is None and _status(factory, w) == "handed_over"
    # the appointment handed over by the outcomes box while the case was open: no step runs
    w2 = build(factory, squad_code="370103")
    view2 = _to(factory, w2, "confirmation", tmp_path)
    run_in_transaction(
        factory,
        lambda s: lifecycle.hand_over(
            s, w2.appointment_id, w2.lead, reason_code="technical", text=""
        ),
    )
    with pytest.raises(RuleViolation, match="转窗口办理"):
        run_in_transaction(
            factory,
            lambda s: cases.complete_confirmation(
                s, w2.lead, tmp_path, view2.case_id, signature_png=png(), refused=False
            ),
        )
    done = run_in_transaction(  # the case can still be closed lawfully, the decision voided
        factory,
        lambda s: handover.hand_over_case(
            s, w2.lead, view2.case_id, reason_code="technical", decision="void",
            void_reason="已转窗口办理，决定未宣告",
        ),
    )  # fmt: skip
    assert done.view.status == pv.HANDED_OVER and done.appointment is None


def test_a_send_result_is_kept_when_the_case_was_handed_over_meanwhile(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """prepare → (hand-over from the outcomes box) → result: the SMS row is not ``sending``."""
    w = build(factory)
    view = _to(factory, w, "service", tmp_path)
    docs = case_documents(tmp_path / "data")
    job = run_in_transaction(
        factory,
        lambda s: service.prepare_service(
            s, w.lead, tmp_path, view.case_id, documents=docs, confirm_png=png(), consent=True,
            provider="outbox",
        ),
    )  # fmt: skip
    assert job.state == "send"
    run_in_transaction(
        factory,
        lambda s: lifecycle.hand_over(s, w.appointment_id, w.lead, reason_code="technical"),
    )
    after = run_in_transaction(
        factory,
        lambda s: service.record_service_result(s, w.lead, view.case_id, accepted=False),
    )
    assert after.view.status == pv.OPEN and after.view.next_step is not None
    with read_session(factory) as s:
        assert s.scalars(select(SmsRow.status)).one() == "failed"


def test_paper_service_recorded_with_a_scanned_receipt(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to(factory, w, "service", tmp_path)  # the steps' helper serves on paper
    paper = run_in_transaction(
        factory,
        lambda s: do_step(
            s, w.lead, view, "service", evidence=tmp_path, id_last4=w.id_last4,
            docs=case_documents(tmp_path / "data"),
        ),
    ).view  # fmt: skip
    assert paper.status == pv.PAPER_PENDING and paper.status_label == "已办结（待纸质送达）"
    assert paper.steps[-1].label == "纸质送达"  # not 「电子送达」
    record = lambda when, method="post", receipt=None: (  # noqa: E731
        lambda s: handover.record_paper_service(
            s, w.lead, tmp_path, view.case_id, method=method, served_on=when,
            recipient="张三丰", receipt=receipt,
        )
    )  # fmt: skip
    with pytest.raises(ValidationError, match="送达方式"):
        run_in_transaction(factory, record(date.today(), "pigeon"))
    with pytest.raises(ValidationError, match="送达日期"):
        run_in_transaction(factory, record(date.today() + timedelta(days=1)))
    with pytest.raises(ValidationError, match="PDF或PNG"):
        run_in_transaction(factory, record(date.today(), receipt=b"GIF89a"))
    with pytest.raises(PermissionDenied):
        run_in_transaction(
            factory,
            lambda s: handover.record_paper_service(
                s, w.stranger, tmp_path, view.case_id, method="post", served_on=date.today(),
                recipient="张三丰",
            ),
        )  # fmt: skip
    scan = b"%PDF-1.4\n% scanned receipt\n"
    served = run_in_transaction(factory, record(date.today(), receipt=scan)).view
    assert served.status == pv.PAPER_SERVED and served.status_label == "已办结（已纸质送达）"
    with read_session(factory) as s:
        receipt = s.scalars(
            select(EvidenceFile).where(EvidenceFile.kind == "service_receipt")
        ).one()
        assert receipt.path.endswith(".pdf") and receipt.size == len(scan)
        labels = [i.label for i in service.case_record(s, view.case_id).evidence]
        assert "送达回证" in labels
        state = s.get(pv.Case, view.case_id).state  # type: ignore[union-attr]
        assert state["paper_service"]["method_label"] == "邮寄送达"
    with pytest.raises(RuleViolation):  # once
        run_in_transaction(factory, record(date.today()))
