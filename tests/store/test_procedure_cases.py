"""Procedure cases on SQLite and PostgreSQL: every step saved whole, the legal stops saved,
resume at the first incomplete step, co-sign, and the service SMS sent exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.dispatch.sms.base import SmsMessage, SmsProvider, SmsResult
from officer_console.documents.case_docs import CaseDocuments
from officer_console.documents.signing import validate_signature
from officer_console.domain.errors import (
    ConflictError,
    PermissionDenied,
    RuleViolation,
    ValidationError,
)
from officer_console.domain.procedure import HearingChoice, Step
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, run_in_transaction, transaction
from officer_console.store.db.models import (
    Appointment,
    Case,
    CaseStep,
    Decision,
    EvidenceFile,
    Licence,
    ServiceRecord,
)
from officer_console.store.db.models import (
    SmsMessage as SmsRow,
)
from officer_console.store.db.types import utcnow
from officer_console.store.evidence import delivery
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import core
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure import receipt as pr
from officer_console.store.procedure import service as ps
from officer_console.store.procedure import view as pv
from officer_console.store.procedure.files import read_file
from tests.support import builders
from tests.support.case_documents import case_documents, demo_pki, pdf_text
from tests.support.procedure_steps import sign
from tests.support.procedure_world import (
    World,
    build,
    citizen_drops,
    citizen_joins,
    officer_hangs_up,
    png,
)

T = TypeVar("T")


class CountingSms(SmsProvider):
    """Counts real sends; ``fail_first`` makes the first send fail before anything left."""

    name = "outbox"

    def __init__(self, *, fail_first: bool = False) -> None:
        self.sent: list[SmsMessage] = []
        self.fail_first = fail_first
        self.lock = threading.Lock()

    def send(self, msg: SmsMessage) -> SmsResult:
        with self.lock:
            if self.fail_first:
                self.fail_first = False
                return SmsResult(False, None, "NETWORK", "网络不可达", True)
            self.sent.append(msg)
            return SmsResult(True, f"m{len(self.sent)}", None, "ok", False)


def run(factory: sessionmaker[Session], work: Callable[[Session], T]) -> Any:
    """One operation in its own transaction; an operation's :class:`CaseChange` → its view."""
    result = run_in_transaction(factory, work)
    return result.view if isinstance(result, core.CaseChange) else result


def _inquiry(factory: sessionmaker[Session], w: World, tmp: Path, case_id: int) -> pv.CaseView:
    snap = run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp, case_id, png()))
    view = run(factory, lambda s: pv.load_case(s, case_id))
    answers = [(q, "是") for q in view.questions()]
    admissions = {v.violation_id: True for v in view.violations}
    run(
        factory,
        lambda s: pc.complete_inquiry(
            s,
            w.lead,
            case_id,
            name_confirmed=True,
            id_last4=w.id_last4,
            snapshot_evidence_id=snap,
            qa=answers,
            admissions=admissions,
        ),
    )
    return _sign(factory, w, tmp, case_id, "inquiry")


def _sign(factory, w, tmp, case_id, step, *, signature=None):  # type: ignore[no-untyped-def]
    """The step's record signed (its own image) right after the step."""
    return run(
        factory, lambda s: sign(s, w.lead, tmp, case_id, step, docs=_docs(tmp), signature=signature)
    )


def _to_ruling(factory: sessionmaker[Session], w: World, tmp: Path) -> pv.CaseView:
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    _inquiry(factory, w, tmp, view.case_id)
    # From 2000 yuan the party's hearing choice is recorded: here an explicit waiver.
    hearing = HearingChoice.WAIVED if view.hearing_right else None
    run(
        factory,
        lambda s: pc.complete_notice(
            s, w.lead, view.case_id, statement=None, waived=True, hearing=hearing
        ),
    )
    return _sign(factory, w, tmp, view.case_id, "notice")


def _rule(view: pv.CaseView, *, extra: int = 0) -> Callable[[Session], pv.CaseView]:
    fines = {v.violation_id: v.fine + extra for v in view.violations}
    points = {v.violation_id: v.points for v in view.violations}
    return lambda s: pc.complete_ruling(
        s, _lead(s, view), view.case_id, fines=fines, points=points, review_note="无新的事实理由"
    )


def _lead(s: Session, view: pv.CaseView):  # type: ignore[no-untyped-def]
    from officer_console.store.db.models import Officer

    officer = s.get(Officer, view.lead_officer_id)
    assert officer is not None
    return builders.actor_for(officer, "ws-lead")


def _serve(factory, w, tmp, view, sms):  # type: ignore[no-untyped-def]
    server = DecisionServer(
        factory, sms, evidence_dir=tmp, link_base="https://gw.example.cn", documents=_docs(tmp)
    )
    return server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)


def _docs(tmp: Path) -> CaseDocuments:
    return case_documents(tmp / "data")


def test_full_simple_case(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    assert view.kind.value == "simple" and view.next_step is Step.INQUIRY
    assert view.violations[0].behaviour == "驾驶机动车违反道路交通信号灯通行的"
    assert "记6分" in view.notice and "陈述和申辩" in view.notice
    with read_session(factory) as s:
        assert s.get(Appointment, w.appointment_id).status == "in_procedure"  # type: ignore[union-attr]
    view = _to_ruling(factory, w, tmp_path)
    assert view.next_step is Step.RULING
    view = run(factory, _rule(view))
    assert view.decision_number.startswith("3701022026") or view.decision_number
    view = run(
        factory,
        lambda s: pc.complete_confirmation(
            s, w.lead, tmp_path, view.case_id, signature_png=png(), refused=False
        ),
    )
    with read_session(factory) as s:  # a restarted console renders the decision with it
        assert ps.confirmation_signature(s, view.case_id, tmp_path) == png()
    sms = CountingSms()
    outcome = _serve(factory, w, tmp_path, view, sms)
    assert outcome.state == "sent" and outcome.view.status == pv.COMPLETED
    assert outcome.view.next_step is None and len(outcome.view.steps) == 5
    assert outcome.link.startswith("https://gw.example.cn/api/v1/documents/")
    assert len(sms.sent) == 1 and sms.sent[0].params["number"] == view.decision_number
    token = outcome.link.rsplit("/", 1)[1]
    with transaction(factory) as s:
        assert s.get(Appointment, w.appointment_id).status == "completed"  # type: ignore[union-attr]
        served = delivery.fetch_document(
            s, token, now=utcnow(), evidence_dir=tmp_path, actor=w.lead
        )
        assert served.number == view.decision_number
        text = "".join(pdf_text(served.data).split())  # the real, signed decision
        assert "公安交通管理简易程序处罚决定书" in text and view.decision_number in text
        assert "被处罚人张三丰" in text and "鲁A00102" in text and "记6分" in text
        assert "在经十路与舜耕路路口实施驾驶机动车违反道路交通信号灯通行（代码1625）的违法" in text
        assert "决定处以罚款200元" in text and "被处罚人签名" in text
        assert validate_signature(served.data, [demo_pki().ca_cert]).valid
        body = s.scalar(select(SmsRow.body))  # kept for the demo outbox only
        assert body is not None and outcome.link in body and view.decision_number in body
        record = s.scalar(select(ServiceRecord))
        assert record is not None and record.sent_at is not None and record.consent
        kinds = sorted(e.kind for e in s.scalars(select(EvidenceFile)))
        assert kinds == [
            "decision", "eservice_receipt", "id_snapshot", "inquiry_record", "notice_record",
            "service_confirm", "signature", "signature", "signature", "signature",
        ]  # fmt: skip
        assert "行政处罚决定书已通过视频向我宣告" in text and "已向我宣告并送达" not in text
        assert "本决定书以电子方式（短信）送达" in text
        _check_receipt(s, w, tmp_path, view.case_id, record.sent_at)
        numbers = s.scalars(select(Decision.number)).all()
        assert numbers == [view.decision_number]  # one number per decision, taken at the ruling
        actions = [e.action for e in audit.events_for(s, "case", view.case_id)]
        assert actions.count("case.step") == 5 and "case.start" in actions
        assert audit.verify_chain(s).ok


def _check_receipt(s: Session, w, tmp: Path, case_id: int, sent: datetime) -> None:  # type: ignore[no-untyped-def]
    """The 电子送达回证: signed after the SMS was accepted, with the sent time; after the first
    full download a new version records it too (the first stays)."""
    rows = list(s.scalars(select(EvidenceFile).where(EvidenceFile.kind == "eservice_receipt")))
    assert len(rows) == 1
    pdf = read_file(tmp, rows[0])
    assert validate_signature(pdf, [demo_pki().ca_cert]).valid
    text = "".join(pdf_text(pdf).split())
    local = sent.astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"发送成功时间{local:%Y年%m月%d日%H时%M分%S秒}" in text
    assert "电子送达（短信）" in text and "138****" in text and "截至本回证生成时尚未下载" in text
    pr.store_service_receipt(s, w.lead, tmp, case_id, _docs(tmp), now=utcnow())
    again = list(s.scalars(select(EvidenceFile).where(EvidenceFile.kind == "eservice_receipt")))
    assert len(again) == 2
    second = "".join(pdf_text(read_file(tmp, again[1])).split())
    assert "首次完整下载" in second and "尚未下载" not in second


def test_operations_return_the_lifecycle_change(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Each operation's CaseChange carries the lifecycle's change (or the version as is)."""
    w = build(factory)
    started = run_in_transaction(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    assert started.appointment is not None and started.appointment.status == "in_procedure"
    assert started.appointment.old_status == "in_call"
    snap = run(
        factory, lambda s: pc.record_snapshot(s, w.lead, tmp_path, started.view.case_id, png())
    )
    step = run_in_transaction(
        factory,
        lambda s: pc.complete_inquiry(
            s,
            w.lead,
            started.view.case_id,
            name_confirmed=True,
            id_last4=w.id_last4,
            snapshot_evidence_id=snap,
            qa=[("问", "答")],
            admissions={v.violation_id: True for v in started.view.violations},
        ),
    )
    assert step.appointment is None and step.view.next_step is Step.NOTICE
    with read_session(factory) as s:
        version = s.get(Appointment, w.appointment_id).version  # type: ignore[union-attr]
    assert step.changed == (w.appointment_id, version) == started.changed


def test_skipping_and_repeating_refused(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    with pytest.raises(RuleViolation, match="当前应进行「询问」") as err:
        run(
            factory,
            lambda s: pc.complete_notice(s, w.lead, view.case_id, statement="x", waived=False),
        )
    assert err.value.code == "step_out_of_order"
    _inquiry(factory, w, tmp_path, view.case_id)
    with pytest.raises(RuleViolation, match="不能跳过或重复"):
        _inquiry(factory, w, tmp_path, view.case_id)
    with pytest.raises(PermissionDenied):  # another officer cannot work the lead's case
        run(
            factory,
            lambda s: pc.complete_notice(s, w.assist, view.case_id, statement=None, waived=True),
        )
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(CaseStep)) == 1


def test_identity_checked_before_inquiry(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    snap = run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp_path, view.case_id, png()))
    vid = view.violations[0].violation_id

    def inquiry(last4: str, snapshot: int | None) -> Callable[[Session], pv.CaseView]:
        return lambda s: pc.complete_inquiry(
            s, w.lead, view.case_id, name_confirmed=True, id_last4=last4,
            snapshot_evidence_id=snapshot, qa=[("问", "答")], admissions={vid: False},
        )  # fmt: skip

    with pytest.raises(ValidationError, match="截取画面"):
        run(factory, inquiry(w.id_last4, None))
    with pytest.raises(RuleViolation, match="后四位"):
        run(factory, inquiry("0000" if w.id_last4 != "0000" else "1111", snap))
    view = run(factory, inquiry(w.id_last4.lower(), snap))
    assert view.step_data["inquiry"]["admissions"] == {str(vid): False}  # refusal recorded


def test_ruling_above_notice_refused(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory, ("1344",))  # 100–200 yuan, notified 200
    view = _to_ruling(factory, w, tmp_path)
    with pytest.raises(RuleViolation) as err:
        run(factory, _rule(view, extra=50))
    assert err.value.code == "ruling_exceeds_notice"
    fines = {view.violations[0].violation_id: 50}  # below the catalogue range
    points = {view.violations[0].violation_id: 1}
    with pytest.raises(ValidationError, match="100至200元"):
        run(factory, lambda s: pc.complete_ruling(
            s, w.lead, view.case_id, fines=fines, points=points, review_note="复核"))  # fmt: skip
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(Decision)) == 0
    fines = {view.violations[0].violation_id: 150}  # lighter after the defence: allowed
    view = run(factory, lambda s: pc.complete_ruling(
        s, w.lead, view.case_id, fines=fines, points=points, review_note="采纳申辩"))  # fmt: skip
    assert view.next_step is Step.CONFIRMATION and view.decision_number


def test_twelve_points_stop_up_front_and_at_ruling(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory, cycle_points=6)  # +6 → 12
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    assert view.status == pv.HANDED_OVER and view.stop_code == "points_reach_12"
    assert "累积将达到12分" in view.stop_text and view.next_step is None
    with read_session(factory) as s:
        appt = s.get(Appointment, w.appointment_id)
        assert appt is not None and appt.status == "handed_over"  # the lifecycle's 转窗口办理
        assert "appointment.hand_over" in [
            e.action for e in audit.events_for(s, "appointment", appt.id)
        ]
    # Points recorded elsewhere while the case runs: the ruling re-checks and stops.
    w2 = build(factory, cycle_points=2, squad_code="370103")
    view = _to_ruling(factory, w2, tmp_path)
    with transaction(factory) as s:
        licence = s.scalar(select(Licence).where(Licence.cycle_points == 2))
        assert licence is not None
        licence.cycle_points = 8
    view = run(factory, _rule(view))
    assert view.status == pv.HANDED_OVER and view.stop_code == "points_reach_12"
    assert view.step_data["ruling"]["stopped"] == "points_reach_12" and not view.decision_number


def test_suspension_stops_up_front(factory: sessionmaker[Session]) -> None:
    w = build(factory)
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id, suspension=True))
    assert view.status == pv.HANDED_OVER and view.stop_code == "remote_not_allowed"


def test_twenty_four_hours_stop(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = run(
        factory,
        lambda s: pc.start_case(s, w.lead, w.appointment_id, now=utcnow() - timedelta(hours=25)),
    )
    _inquiry(factory, w, tmp_path, view.case_id)
    run(factory, lambda s: pc.complete_notice(s, w.lead, view.case_id, statement=None, waived=True))
    view = _sign(factory, w, tmp_path, view.case_id, "notice")
    view = run(factory, _rule(view))
    assert view.status == pv.HANDED_OVER and view.stop_code == "decision_deadline_passed"


def test_hearing_request_hands_over(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory, ("1721",))  # 2000 yuan: general procedure with a hearing right
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    assert view.kind.value == "general" and "听证" in view.notice
    _inquiry(factory, w, tmp_path, view.case_id)
    view = run(factory, lambda s: pc.complete_notice(
        s, w.lead, view.case_id, statement="要求听证", waived=False, hearing_requested=True))  # fmt: skip
    assert view.status == pv.HANDED_OVER and view.stop_code == "hearing_requested"
    assert view.step_data["notice"]["hearing_requested"] is True


def test_resume_after_reload(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = _to_ruling(factory, w, tmp_path)
    # A fresh workstation (new session, new objects) finds the case at the first open step.
    with read_session(factory) as s:
        again = pv.case_for_appointment(s, w.appointment_id)
    assert again is not None and again.next_step is Step.RULING
    assert [d.step for d in again.steps] == ["inquiry", "notice"]
    assert again.steps[0].officer.startswith("李明")
    # 开始办理 again resumes instead of opening a second case.
    same = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    assert same.case_id == view.case_id and same.next_step is Step.RULING
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(Case)) == 1


def test_stale_version_loses_cleanly(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = _to_ruling(factory, w, tmp_path)
    with transaction(factory) as s:
        stale = s.get(Case, view.case_id)  # what a second workstation read earlier
        assert stale is not None
        s.expunge(stale)
    run(factory, _rule(view))  # the first workstation completes the ruling
    with pytest.raises(ConflictError, match="其他工作站"), transaction(factory) as s:
        core.save_step(s, w.lead, stale, Step.RULING, {})
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(CaseStep)) == 3


def test_general_case_with_cosign(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory, ("1721",))
    view = _to_ruling(factory, w, tmp_path)
    with pytest.raises(RuleViolation, match="协办民警") as err:
        run(factory, _rule(view))
    assert err.value.code == "assist_officer_required"
    with read_session(factory) as s:
        labels = [a.label for a in procedure_cosign.assistants(s, view.case_id)]
    assert labels[0].startswith("孙队") and any(x.startswith("赵强") for x in labels)
    assert all("钱亮" not in x for x in labels)  # other squads are not offered
    requested = run_in_transaction(factory, lambda s: procedure_cosign.request_cosign(
        s, w.lead, view.case_id, w.assist.officer_id))  # type: ignore[arg-type]  # fmt: skip
    rid = requested.request_id
    assert requested.view.cosign_status == "pending"  # the operation's change, like the others
    with read_session(factory) as s:
        (item,) = procedure_cosign.pending_for(s, w.assist.officer_id)  # type: ignore[arg-type]
        assert "拟罚款2000元" in item.summary and "张*" in item.summary
        assert pv.load_case(s, view.case_id).cosign_status == "pending"
    with pytest.raises(PermissionDenied):  # only the invited officer
        run(
            factory,
            lambda s: procedure_cosign.decide(
                s, w.lead_shift, rid, approve=True, password=builders.PASSWORD
            ),
        )
    # A wrong password is refused and the denial audited (committed).
    with transaction(factory) as s, pytest.raises(PermissionDenied, match="密码错误"):
        procedure_cosign.decide(s, w.assist, rid, approve=True, password="wrong-password")
    approved = run_in_transaction(
        factory,
        lambda s: procedure_cosign.decide(
            s, w.assist, rid, approve=True, password=builders.PASSWORD
        ),
    )
    assert approved.view.cosign_status == "approved"
    assert approved.changed == (view.appointment_id, approved.appointment_version)
    with pytest.raises(ValidationError, match="无需再次请求"):
        run(
            factory,
            lambda s: procedure_cosign.request_cosign(
                s, w.lead, view.case_id, w.lead_shift.officer_id
            ),
        )  # type: ignore[arg-type]
    view = run(factory, _rule(view))
    assert view.next_step is Step.CONFIRMATION and view.assist_officer_id == w.assist.officer_id
    with read_session(factory) as s:
        outcomes = [(e.action, e.outcome) for e in audit.events_for(s, "case", view.case_id)]
        assert ("case.cosign", "denied") in outcomes and ("case.cosign", "ok") in outcomes
        assert procedure_cosign.pending_for(s, w.assist.officer_id) == []  # type: ignore[arg-type]


def test_cosign_decline_needs_reason(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory, ("1721",))
    view = _to_ruling(factory, w, tmp_path)
    rid = run_in_transaction(factory, lambda s: procedure_cosign.request_cosign(
        s, w.lead, view.case_id, w.lead_shift.officer_id)).request_id  # type: ignore[arg-type]  # fmt: skip
    with pytest.raises(ValidationError, match="理由"):
        run(factory, lambda s: procedure_cosign.decide(s, w.lead_shift, rid, approve=False))
    run(
        factory,
        lambda s: procedure_cosign.decide(s, w.lead_shift, rid, approve=False, reason="证据不足"),
    )
    with read_session(factory) as s:
        again = pv.load_case(s, view.case_id)
    assert again.cosign_status == "declined" and "证据不足" in again.cosign_detail


def _to_service(
    factory: sessionmaker[Session], w: World, tmp: Path, *, signed: bool = True
) -> pv.CaseView:
    view = _to_ruling(factory, w, tmp)
    view = run(factory, _rule(view))
    signature = png() if signed else None
    return run(factory, lambda s: pc.complete_confirmation(
        s, w.lead, tmp, view.case_id, signature_png=signature, refused=not signed))  # fmt: skip


def test_no_consent_is_paper_service_pending(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to_service(factory, w, tmp_path, signed=False)
    assert view.step_data["confirmation"]["refused_to_sign"] is True
    server = DecisionServer(
        factory,
        CountingSms(),
        evidence_dir=tmp_path,
        link_base="https://gw",
        documents=_docs(tmp_path),
    )
    with pytest.raises(RuleViolation, match="拒绝签名"):  # refused to sign → paper only
        server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    view = run(
        factory,
        lambda s: ps.serve_on_paper(s, w.lead, tmp_path, view.case_id, documents=_docs(tmp_path)),
    )
    assert view.status == pv.PAPER_PENDING and view.step_data["service"]["consent"] is False
    with read_session(factory) as s:
        assert s.get(Appointment, w.appointment_id).status == "completed"  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).select_from(SmsRow)) == 0
        assert s.scalar(select(Decision.evidence_id)) is not None


def test_eservice_needs_consent_signature_and_the_citizen_on_video(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """No ``consent=True`` default: consent, the signed address confirmation and presence are
    the store's to check; nothing is claimed or sent when one is missing."""
    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    sms = CountingSms()
    server = DecisionServer(
        factory, sms, evidence_dir=tmp_path, link_base="https://gw", documents=_docs(tmp_path)
    )
    with pytest.raises(ValidationError, match="未同意电子送达"):
        server.serve(w.lead, view.case_id, confirm_png=png(), consent=False)
    with pytest.raises(ValidationError, match="送达地址确认书"):
        server.serve(w.lead, view.case_id, confirm_png=None, consent=True)
    citizen_drops(factory, w)
    with pytest.raises(RuleViolation, match="不在视频中"):
        server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(SmsRow)) == 0
        assert s.scalar(select(func.count()).select_from(ServiceRecord)) == 0
    assert sms.sent == []
    citizen_joins(factory, w, new_room=False)
    outcome = server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    assert outcome.state == "sent" and outcome.view.step_data["service"]["consent"] is True


@pytest.mark.parametrize("gone", ["drop", "hang_up"])
def test_steps_with_the_citizen_need_the_citizen_on_video(
    factory: sessionmaker[Session], tmp_path: Path, gone: str
) -> None:
    """询问 (and its snapshot), 告知, 确认 — signature or refusal — are refused by the store
    while the citizen is not connected; the ruling is the officers' and goes on."""
    w = build(factory)
    view = run(factory, lambda s: pc.start_case(s, w.lead, w.appointment_id))
    leave = citizen_drops if gone == "drop" else officer_hangs_up
    leave(factory, w)
    with pytest.raises(RuleViolation, match="不在视频中"):
        run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp_path, view.case_id, png()))
    citizen_joins(factory, w, new_room=gone == "hang_up")
    snap = run(factory, lambda s: pc.record_snapshot(s, w.lead, tmp_path, view.case_id, png()))
    leave(factory, w)
    inquiry = lambda s: pc.complete_inquiry(  # noqa: E731
        s, w.lead, view.case_id, name_confirmed=True, id_last4=w.id_last4,
        snapshot_evidence_id=snap, qa=[("问", "答")],
        admissions={v.violation_id: True for v in view.violations},
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="询问"):
        run(factory, inquiry)
    citizen_joins(factory, w, new_room=gone == "hang_up")
    run(factory, inquiry)
    _sign(factory, w, tmp_path, view.case_id, "inquiry")
    leave(factory, w)
    notice = lambda s: pc.complete_notice(s, w.lead, view.case_id, statement=None, waived=True)  # noqa: E731
    with pytest.raises(RuleViolation, match="告知"):
        run(factory, notice)
    citizen_joins(factory, w, new_room=gone == "hang_up")
    run(factory, notice)
    _sign(factory, w, tmp_path, view.case_id, "notice")
    leave(factory, w)
    view = run(factory, _rule(view))  # the ruling needs no citizen
    for signature in (png(), None):  # neither a signature nor a refusal without the citizen
        with pytest.raises(RuleViolation, match="确认"):
            run(factory, lambda s, png_=signature: pc.complete_confirmation(
                s, w.lead, tmp_path, view.case_id, signature_png=png_, refused=png_ is None))  # fmt: skip
    with read_session(factory) as s:
        assert pv.load_case(s, view.case_id).next_step is Step.CONFIRMATION
        assert audit.verify_chain(s).ok


def test_sms_sent_exactly_once_under_retries(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    sms = CountingSms(fail_first=True)
    first = _serve(factory, w, tmp_path, view, sms)
    assert first.state == "failed" and first.view.status == pv.OPEN and sms.sent == []
    # The retry (and a concurrent one from another workstation) sends once in all.
    results: list[str] = []
    errors: list[BaseException] = []

    def retry() -> None:
        try:
            results.append(_serve(factory, w, tmp_path, view, sms).state)
        except (ConflictError, RuleViolation) as exc:  # late: the case is already closed
            errors.append(exc)

    threads = [threading.Thread(target=retry) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sms.sent) == 1
    assert "sent" in results
    assert len(results) + len(errors) == 3
    with pytest.raises(RuleViolation) as err:  # the case is closed: refused cleanly
        _serve(factory, w, tmp_path, view, sms)
    assert err.value.code == "case_closed" and len(sms.sent) == 1
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(SmsRow)) == 1
        assert s.scalar(select(SmsRow.status)) == "sent"
        assert pv.load_case(s, view.case_id).status == pv.COMPLETED


def test_unknown_outcome_is_never_resent(factory: sessionmaker[Session], tmp_path: Path) -> None:
    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    job = run(factory, lambda s: ps.prepare_service(
        s, w.lead, tmp_path, view.case_id, documents=_docs(tmp_path), confirm_png=png(), consent=True,
        provider="outbox"))  # fmt: skip
    assert job.state == "send" and "svc-" in job.idempotency_key and job.token not in repr(job)
    # The console died after claiming: the next attempt must not send.
    sms = CountingSms()
    outcome = _serve(factory, w, tmp_path, view, sms)
    assert outcome.state == "unknown" and sms.sent == [] and "核实" in outcome.message


class MisconfiguredSms(CountingSms):
    """Refuses before sending (a missing template id), like the vendors' SmsError."""

    def send(self, msg: SmsMessage) -> SmsResult:
        from officer_console.dispatch.sms.base import SmsError

        raise SmsError("短信模板未配置")


def test_configuration_error_leaves_the_send_retryable(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    first = _serve(factory, w, tmp_path, view, MisconfiguredSms())
    assert first.state == "failed" and "短信模板未配置" in first.message
    sms = CountingSms()
    assert _serve(factory, w, tmp_path, view, sms).state == "sent" and len(sms.sent) == 1


def test_documents_that_cannot_be_signed_leave_nothing_half_written(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """No unit certificate: the service step is refused with the Chinese reason; no document,
    no SMS row, the number the ruling took is kept, and the step can be retried."""
    from officer_console.config import load_settings
    from officer_console.documents.signing import SigningError

    w = build(factory)
    view = _to_service(factory, w, tmp_path)
    unsigned = CaseDocuments(load_settings(env={}, data_dir=tmp_path / "nopki", database_url=""))
    server = DecisionServer(
        factory, CountingSms(), evidence_dir=tmp_path, link_base="https://gw", documents=unsigned
    )
    with pytest.raises(SigningError) as err:
        server.serve(w.lead, view.case_id, confirm_png=png(), consent=True)
    assert "signing_p12" in err.value.message
    with read_session(factory) as s:
        assert s.scalar(select(func.count()).select_from(SmsRow)) == 0
        pdfs = s.scalars(select(EvidenceFile.kind).where(EvidenceFile.path.like("%.pdf"))).all()
        assert sorted(pdfs) == ["inquiry_record", "notice_record"]  # signed at their steps
        assert s.scalar(select(Decision.evidence_id)) is None
        assert s.scalar(select(Decision.number)) == view.decision_number
    sms = CountingSms()
    assert _serve(factory, w, tmp_path, view, sms).state == "sent" and len(sms.sent) == 1
