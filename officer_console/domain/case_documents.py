"""The plain inputs of a case's statutory documents: what the store reads from its rows and
the renderers (``officer_console.documents``) print.

Here, below both, so the renderers never import the store: the store assembles these from
its rows (``store.procedure.documents.case_facts``, ``store.documents.case_trail``,
``store.documents.issue_decision``) and hands them over; the documents package only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from officer_console.domain.procedure import ProcedureKind
from officer_console.domain.procedure_text import ViolationFacts

__all__ = ["DOCUMENT_KINDS", "CaseFacts", "CaseTrail", "DecisionIssue"]

#: Evidence kinds of the signed PDF documents, with their names.
DOCUMENT_KINDS = {
    "decision": "处罚决定书",
    "inquiry_record": "询问笔录",
    "notice_record": "行政处罚告知笔录",
    "service_confirm": "送达地址确认书",
    "eservice_receipt": "电子送达回证",
}


@dataclass(frozen=True)
class DecisionIssue:
    """What the decision's renderer needs from the store: the number and verification code
    (taken in the issuing transaction) and the issuing unit."""

    case_id: int
    number: str
    verify_code: str
    issued_at: datetime
    unit_name: str
    division_code: str
    review_body: str
    court: str
    timezone: str


@dataclass(frozen=True)
class CaseTrail:
    """What the 办案过程记录 page prints, read from the case's own rows (plain values)."""

    steps: tuple[tuple[str, datetime, str], ...]  # (step, completed_at, "王强（010001）")
    call_started_at: datetime | None
    call_ended_at: datetime | None
    files: tuple[tuple[str, str, int], ...]  # (kind, sha256, size), oldest first
    service_sent_at: datetime | None
    cosign: tuple[datetime, str] | None = None  # general procedure: (approved at, "李明（…）")


@dataclass(frozen=True)
class CaseFacts:
    """Everything the documents print, as plain values (full personal data: it is the
    party's own document; never logged)."""

    case_id: int
    kind: ProcedureKind
    accepted_at: datetime
    plate: str
    cycle_points: int  # points of the scoring cycle before this case
    violations: tuple[ViolationFacts, ...]
    step_data: dict[str, dict[str, Any]]  # what each step recorded (qa, statement, ruling …)
    unit: dict[str, str]  # name, division_code, review_body, court, timezone
    party: dict[str, str]  # name, id_number, licence_number, … (Party's fields)
    vehicle_type: str
    occurred_at: dict[int, datetime]  # violation id → time
    lead: tuple[str, str]  # (name, police number)
    assist: tuple[str, str] | None
    step_times: dict[str, datetime]
    signature_png: bytes | None = field(default=None, repr=False)
    refused: bool = False
    signed_at: datetime | None = None  # when the party signed (or refused) this document
    service_png: bytes | None = field(default=None, repr=False)
    service_channel: str = ""  # sms, or "" on paper
    service_address: str = ""
    decision_number: str = ""
    now: datetime | None = None
