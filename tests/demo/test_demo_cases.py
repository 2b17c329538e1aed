"""Demo cases come out of the wizard's own service functions: finished (served by SMS link,
on paper, co-signed) and one stopped at 告知; their documents verify against their hashes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.demo.cases import seed_demo_cases
from officer_console.demo.detachment import seed_demo
from officer_console.demo.recording import demo_segment_recorder
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.documents.signing import validate_signature
from officer_console.domain.procedure import Step
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.db.models import Appointment, EvidenceFile, ServiceRecord, SmsMessage
from officer_console.store.procedure import service as ps
from officer_console.store.procedure import view as pc
from officer_console.video.recording_files import sha256_file
from tests.support.case_documents import case_documents, demo_pki, pdf_text

PASSWORD = "Demo-Pass-2026!"


def test_demo_cases_through_the_service_functions(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    with transaction(factory) as s:
        seed_demo(s, today=today, password=PASSWORD)
    made = seed_demo_cases(
        factory,
        OutboxSmsProvider(factory),
        evidence_dir=tmp_path,
        password=PASSWORD,
        documents=case_documents(tmp_path / "data"),
        record_call=demo_segment_recorder(factory, tmp_path, seconds=1.0),  # real recordings
    )
    outcomes = {(c.kind, c.outcome) for c in made}
    assert outcomes == {
        ("simple", "completed"),
        ("simple", "paper_pending"),
        ("simple", "open"),
        ("general", "completed"),
        ("warning", "completed"),
        ("hearing", "completed"),
        ("simple", "paper_served"),
        ("simple", "handed_over"),
        ("resumed", "completed"),
    }, made
    with read_session(factory) as s:
        for case in made:
            view = pc.load_case(s, case.case_id)
            appt = s.get(Appointment, case.appointment_id)
            assert appt is not None
            if case.outcome == "open":
                assert view.next_step is Step.NOTICE and appt.status == "in_procedure"
                continue
            if case.outcome == "handed_over":  # ruled, then to the window with its decision
                assert appt.status == "handed_over" and view.decision_number
                assert [st.step for st in view.steps] == ["inquiry", "notice", "ruling"]
                actions = [e.action for e in audit.events_for(s, "case", case.case_id)]
                assert "case.hand_over" in actions and "decision.void" not in actions
                continue
            assert appt.status == "completed" and len(view.steps) == 5
            number, pdf = ps.decision_document(s, case.case_id, tmp_path)  # re-hashed
            assert pdf.startswith(b"%PDF") and number == view.decision_number
            assert validate_signature(pdf, [demo_pki().ca_cert]).valid  # the real, signed one
            text = "".join(pdf_text(pdf).split())
            assert f"编号：{number}" in text and view.violations[0].code in text
            assert ("拒绝签名" in text) == (case.outcome in ("paper_pending", "paper_served"))
            if case.outcome == "paper_served":  # 直接送达 with the scanned 送达回证 kept
                assert "service_receipt" in {e.kind for e in s.scalars(
                    select(EvidenceFile).where(EvidenceFile.case_id == case.case_id))}  # fmt: skip
            kinds = set(
                s.scalars(select(EvidenceFile.kind).where(EvidenceFile.case_id == case.case_id))
            )
            assert {"decision", "inquiry_record", "notice_record"} <= kinds
            assert ("service_confirm" in kinds) == (case.outcome == "completed")
            if case.kind in ("general", "hearing"):
                assert view.assist_officer_id is not None and view.cosign_status == "approved"
            if case.kind == "resumed":  # two calls, one hashed segment each, steps on both sides
                record = ps.case_record(s, case.case_id)
                segments = [i.label for i in record.evidence if "段" in i.label]
                assert len(segments) == 2 and "第1段" in segments[0] and "第2段" in segments[1]
                rows = s.scalars(
                    select(EvidenceFile)
                    .where(EvidenceFile.case_id == case.case_id, EvidenceFile.kind == "recording")
                    .order_by(EvidenceFile.id)
                ).all()
                done = {st.step: st.completed_at for st in view.steps}
                assert done["inquiry"] <= rows[0].created_at <= done["notice"]
                assert rows[1].created_at >= done["service"] - timedelta(seconds=1)
                for row in rows:
                    assert sha256_file(tmp_path / row.path) == row.sha256
                calls = [e.action for e in audit.events_for(s, "appointment", case.appointment_id)]
                assert calls.count("appointment.open_video") == 2, calls
            if case.kind == "warning":  # 首违警告: a warning, no payment terms
                assert view.step_data["ruling"]["warned"] and view.warned
                assert "决定给予警告" in text and "缴纳罚款" not in text
            else:
                assert "缴纳罚款" in text
            if case.kind == "hearing":  # the waiver is on the notice record and in the audit
                assert view.step_data["notice"]["hearing"] == "waived"
                rights = [e.detail for e in audit.events_for(s, "case", case.case_id)
                          if e.action == "case.notice_rights"]  # fmt: skip
                assert rights and rights[0]["hearing"] == "waived"
                assert view.violations[0].fine >= 2000
        assert s.scalar(select(func.count()).select_from(ServiceRecord)) == 5
        bodies = list(
            s.scalars(select(SmsMessage.body).where(SmsMessage.idempotency_key.like("svc-%")))
        )
        assert len(bodies) == 5 and all("/api/v1/documents/" in b for b in bodies)
        assert audit.verify_chain(s).ok
