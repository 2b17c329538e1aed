"""A case that has been through the whole procedure, with real signed documents on disk."""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from officer_console.config import load_settings
from officer_console.documents.democa import DemoPki
from officer_console.documents.model import DecisionDoc, Unit
from officer_console.documents.pipeline import produce
from officer_console.documents.sample import (
    sample_decision,
    sample_inquiry,
    sample_notice,
    sample_service,
    sample_signature_png,
)
from officer_console.documents.setup import decision_renderer
from officer_console.documents.signing import Pkcs12Signer
from officer_console.store.db.engine import transaction
from officer_console.store.db.models import Case, ServiceRecord, Squad
from officer_console.store.evidence.delivery import hash_token
from officer_console.store.evidence.documents import (
    DecisionIssue,
    IssuedDecision,
    issue_decision,
    store_document,
)
from tests.support import builders

NOW = datetime(2026, 12, 5, 2, 11, tzinfo=UTC)
GATEWAY = "http://127.0.0.1:8470"
_numbers = itertools.count(1)


@dataclass
class IssuedCase:
    case_id: int
    appointment_id: int
    decision: IssuedDecision
    files: dict[str, str]  # kind → relative path
    token: str
    squad_code: str


def squad_with_remedies(s: Session, code: str = "370102") -> Squad:
    squad = s.query(Squad).filter_by(code=code).one_or_none()
    if squad is None:
        squad = builders.squad(s, code)
        squad.review_authority = "济南市历下区人民政府"
        squad.court = "济南市历下区人民法院"
    return squad


def issued_case(
    factory: sessionmaker[Session], evidence_dir: Path, pki: DemoPki, *, base: str = GATEWAY
) -> IssuedCase:
    n = next(_numbers)
    signer = Pkcs12Signer(pki.unit_p12, pki.password)
    with transaction(factory) as s:
        squad = squad_with_remedies(s)
        officer = builders.officer(s, squad, f"0199{n:02d}")
        actor = builders.actor_for(officer)
        (appt,) = builders.appointments(s, squad, 1, start=NOW, first_citizen=9000 + n)
        case = Case(appointment_id=appt, procedure="simple", lead_officer_id=officer.id)
        s.add(case)
        s.flush()

        def build(issue: DecisionIssue, unit: Unit, url: str) -> DecisionDoc:
            return replace(
                sample_decision(),
                number=issue.number,
                unit=unit,
                decided_at=issue.issued_at,
                verification_url=url,
            )

        settings = load_settings(env={}, data_dir=evidence_dir.parent, gateway_url=base)
        render = decision_renderer(build, signer, settings)

        decision = issue_decision(
            s,
            actor,
            case.id,
            fine_total=200,
            points_total=6,
            warning=False,
            render=render,
            evidence_dir=evidence_dir,
            now=NOW,
        )
        files = {"decision": decision.path}
        for kind, doc in (
            ("inquiry_record", sample_inquiry()),
            ("notice_record", sample_notice()),
            ("service_confirm", sample_service()),
        ):
            data = produce(doc, signer).data
            rel = f"documents/2026/{case.id}/{kind}.pdf"
            store_document(
                s,
                actor,
                case_id=case.id,
                appointment_id=appt,
                kind=kind,
                data=data,
                relative=rel,
                evidence_dir=evidence_dir,
            )
            files[kind] = rel
        for kind, rel, data in (
            ("signature", f"signatures/{case.id}/party.png", sample_signature_png()),
            ("snapshot", f"snapshots/{case.id}/id-card.png", sample_signature_png(200, 80)),
            ("recording", f"recordings/{case.id}/call.mp4", b"\x00\x00\x00\x18ftypmp42" * 500),
        ):
            store_document(
                s,
                actor,
                case_id=case.id,
                appointment_id=appt,
                kind=kind,
                data=data,
                relative=rel,
                evidence_dir=evidence_dir,
            )
            files[kind] = rel
        token = f"tok-{n:04d}-" + hashlib.sha256(str(n).encode()).hexdigest()[:24]
        s.add(
            ServiceRecord(
                decision_id=decision.decision_id,
                channel="sms",
                address="13800009000",
                consent=True,
                token_hash=hash_token(token),
                officer_id=officer.id,
                sent_at=NOW,
            )
        )
        return IssuedCase(case.id, appt, decision, files, token, squad.code)
