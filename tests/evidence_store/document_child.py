"""A console process that issues a served decision: the PDF goes straight to the evidence
store inside the case transaction's work function, the rows commit with it.

Usage: python -m tests.evidence_store.document_child DB_URL DATA_DIR APPOINTMENT_ID
OFFICER_ID TOKEN (S3 settings and keys from the environment, as on a workstation).
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy.orm import Session

from officer_console.config import load_settings
from officer_console.evidence_store import open_store
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.db.models import Case, Decision, ServiceRecord
from officer_console.store.db.types import utcnow
from officer_console.store.evidence import rows
from officer_console.store.evidence.delivery import hash_token

PDF = b"%PDF-1.4\n% decision written by another console\n%%EOF\n"
NUMBER = "37010220260000042"


def main(argv: list[str]) -> None:
    url, data_dir, appointment_id, officer_id, token = argv
    settings = load_settings(data_dir=Path(data_dir))
    store = open_store(settings)
    actor = Actor("370102999", int(officer_id), "ws-other")

    def issue(s: Session) -> None:
        case = Case(
            appointment_id=int(appointment_id), procedure="simple", lead_officer_id=int(officer_id)
        )
        s.add(case)
        s.flush()
        put = store.put_bytes(f"decisions/2026/{NUMBER}.pdf", PDF)  # fails → rolled back
        evidence_id = rows.record_document(
            s,
            actor,
            kind="decision",
            key=put.key,
            sha256=put.sha256,
            size=put.size,
            stored_in=store.kind,
            case_id=case.id,
        )
        decision = Decision(
            case_id=case.id,
            number=NUMBER,
            unit_code="370102",
            year=2026,
            serial=42,
            evidence_id=evidence_id,
        )
        s.add(decision)
        s.flush()
        s.add(
            ServiceRecord(
                decision_id=decision.id,
                channel="sms",
                address="138****0000",
                consent=True,
                token_hash=hash_token(token),
                officer_id=int(officer_id),
                sent_at=utcnow(),
            )
        )

    run_in_transaction(session_factory(make_engine(url)), issue)
    print("issued", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
