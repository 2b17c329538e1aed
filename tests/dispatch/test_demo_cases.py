"""Demo cases come out of the wizard's own service functions: finished (served by SMS link,
on paper, co-signed) and one stopped at 告知; their documents verify against their hashes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.demo_cases import seed_demo_cases
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.documents.signing import validate_signature
from officer_console.domain.procedure import Step
from officer_console.store import audit
from officer_console.store.demo import seed_demo
from officer_console.store.engine import read_session, transaction
from officer_console.store.models import Appointment, EvidenceFile, ServiceRecord, SmsMessage
from officer_console.store.procedure import service as ps
from officer_console.store.procedure import view as pc
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
    )
    outcomes = {(c.kind, c.outcome) for c in made}
    assert outcomes == {
        ("simple", "completed"),
        ("simple", "paper_pending"),
        ("simple", "open"),
        ("general", "completed"),
    }, made
    with read_session(factory) as s:
        for case in made:
            view = pc.load_case(s, case.case_id)
            appt = s.get(Appointment, case.appointment_id)
            assert appt is not None
            if case.outcome == "open":
                assert view.next_step is Step.NOTICE and appt.status == "in_procedure"
                continue
            assert appt.status == "completed" and len(view.steps) == 5
            number, pdf = ps.decision_document(s, case.case_id, tmp_path)  # re-hashed
            assert pdf.startswith(b"%PDF") and number == view.decision_number
            assert validate_signature(pdf, [demo_pki().ca_cert]).valid  # the real, signed one
            text = "".join(pdf_text(pdf).split())
            assert f"编号：{number}" in text and view.violations[0].code in text
            assert ("拒绝签名" in text) == (case.outcome == "paper_pending")
            kinds = set(
                s.scalars(select(EvidenceFile.kind).where(EvidenceFile.case_id == case.case_id))
            )
            assert {"decision", "inquiry_record", "notice_record"} <= kinds
            assert ("service_confirm" in kinds) == (case.outcome == "completed")
            if case.kind == "general":
                assert view.assist_officer_id is not None and view.cosign_status == "approved"
        assert s.scalar(select(func.count()).select_from(ServiceRecord)) == 2
        bodies = list(
            s.scalars(select(SmsMessage.body).where(SmsMessage.idempotency_key.like("svc-%")))
        )
        assert len(bodies) == 2 and all("/api/v1/documents/" in b for b in bodies)
        assert audit.verify_chain(s).ok
