"""Documents as evidence: one transaction with the case, gap-free numbers, verify codes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.documents.democa import DemoPki
from officer_console.domain.errors import ConflictError
from officer_console.store.db import audit
from officer_console.store.db.engine import read_session, transaction
from officer_console.store.db.models import AuditEvent, Decision, EvidenceFile
from officer_console.store.evidence.documents import (
    VERIFY_CODE,
    decision_for_hash,
    issue_decision,
    verified_decision,
)
from officer_console.store.evidence.numbering import peek_last
from tests.documents.world import NOW, issued_case
from tests.support import builders

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)


def test_issued_decision_is_stored_hashed_audited(
    factory: sessionmaker[Session], tmp_path: Path, pki: DemoPki
) -> None:
    evidence = tmp_path / "evidence"
    case = issued_case(factory, evidence, pki)
    with read_session(factory) as s:
        decision = s.scalars(select(Decision)).one()
        assert decision.number == case.decision.number == "370102" + "2026" + "0000001"
        assert decision.verify_code is not None and VERIFY_CODE.fullmatch(decision.verify_code)
        row = s.get(EvidenceFile, decision.evidence_id)
        assert row is not None and row.kind == "decision" and row.case_id == case.case_id
        data = (evidence / row.path).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.sha256 and len(data) == row.size
        actions = {e.action for e in s.scalars(select(AuditEvent))}
        assert {"decision.issue", "document.store"} <= actions
        assert audit.verify_chain(s).ok
        facts = verified_decision(s, decision.number, decision.verify_code)
        assert facts is not None
        assert facts.party_masked == "张*" and facts.fine_total == 200
        assert facts.service_sent_at == NOW
        assert verified_decision(s, decision.number, "0000000000") is None
        assert verified_decision(s, decision.number, "x' OR 1=1") is None
        assert decision_for_hash(s, row.sha256) == ("decision", decision.number)
        assert decision_for_hash(s, "0" * 64) is None


def test_failed_rendering_rolls_back_number_and_rows(
    factory: sessionmaker[Session], tmp_path: Path, pki: DemoPki
) -> None:
    evidence = tmp_path / "evidence"
    issued_case(factory, evidence, pki)  # serial 1
    with transaction(factory) as s:
        from officer_console.store.db.models import Case, Squad

        squad = s.scalars(select(Squad)).one()
        officer = builders.officer(s, squad, "029999")
        (appt,) = builders.appointments(s, squad, 1, start=NOW, first_citizen=8800)
        case = Case(appointment_id=appt, procedure="simple", lead_officer_id=officer.id)
        s.add(case)
        s.flush()
        case_id, actor = case.id, builders.actor_for(officer)

    def broken(issue: object) -> bytes:
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError), transaction(factory) as s:
        issue_decision(
            s,
            actor,
            case_id,
            fine_total=50,
            points_total=0,
            warning=False,
            render=broken,
            evidence_dir=evidence,
            now=NOW,
        )
    with read_session(factory) as s:
        assert peek_last(s, "370102", 2026) == 1  # no gap
        assert s.scalar(select(func.count()).select_from(Decision)) == 1


def test_second_decision_for_a_case_is_refused(
    factory: sessionmaker[Session], tmp_path: Path, pki: DemoPki
) -> None:
    case = issued_case(factory, tmp_path / "evidence", pki)
    with pytest.raises(ConflictError, match="不能重复"), transaction(factory) as s:
        issue_decision(
            s,
            audit.Actor.system("ws-test"),
            case.case_id,
            fine_total=1,
            points_total=0,
            warning=False,
            render=lambda issue: b"%PDF",
            evidence_dir=tmp_path,
            now=NOW,
        )


def test_case_trail_feeds_the_audit_page(
    factory: sessionmaker[Session], tmp_path: Path, pki: DemoPki
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from officer_console.documents.render import render
    from officer_console.documents.sample import sample_decision
    from officer_console.documents.setup import audit_trail
    from officer_console.store.db.models import Case, CaseStep, VideoSession
    from officer_console.store.evidence.documents import case_trail
    from tests.documents.pdftools import pdf_text

    case = issued_case(factory, tmp_path / "evidence", pki)
    with transaction(factory) as s:
        row = s.get(Case, case.case_id)
        assert row is not None
        for seq, step in enumerate(("inquiry", "notice", "ruling"), start=1):
            s.add(
                CaseStep(
                    case_id=case.case_id,
                    step=step,
                    seq=seq,
                    officer_id=row.lead_officer_id,
                    completed_at=NOW + timedelta(minutes=seq),
                )
            )
        s.add(
            VideoSession(
                appointment_id=case.appointment_id,
                room_id=f"room-{case.case_id}",
                console_secret_hash="x" * 64,
                created_at=NOW - timedelta(minutes=5),
                expires_at=NOW + timedelta(hours=1),
                ended_at=NOW + timedelta(minutes=9),
            )
        )
    with read_session(factory) as s:
        trail = case_trail(s, case.case_id)
        files = {e.kind: e.sha256 for e in s.scalars(select(EvidenceFile))}
    assert [step for step, _, _ in trail.steps] == ["inquiry", "notice", "ruling"]
    assert trail.call_started_at == NOW - timedelta(minutes=5)
    assert trail.service_sent_at == NOW
    page = audit_trail(trail, "LX-01")
    assert [s.label for s in page.steps] == ["询问", "告知", "裁决"]
    assert page.signature is not None and page.signature.sha256 == files["signature"]
    assert {d.label for d in page.documents} >= {"询问笔录", "行政处罚告知笔录", "截图"}
    assert all(d.sha256 != files["decision"] for d in page.documents)
    text = pdf_text(render(replace(sample_decision(), audit=page)), tmp_path)
    for kind in ("recording", "signature", "inquiry_record", "notice_record", "snapshot"):
        assert f"SHA-256：{files[kind]}" in text, kind
    assert "LX-01" in text
