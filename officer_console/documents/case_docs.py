"""The wizard's documents from a case: the statutory renderers behind the store's
``CaseDocumentMaker`` protocol (glue, like :mod:`.setup`; the renderers themselves stay pure).
The inputs are plain values (:mod:`officer_console.domain.case_documents`) the store assembles
from its rows: this package never imports the store.

:class:`CaseDocuments` makes the signed, archival records (询问笔录, 告知笔录, 送达地址确认书) and
the decision's ``render`` callback for :func:`store.documents.issue_decision` (number and
verification code from the store, 办案过程记录 page from ``case_trail``), and unsigned DRAFTS for
the confirmation step's preview (signature slot "待当事人签名"; never stored). Call it from a
worker thread: signing runs pyHanko's own event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from officer_console.config import Settings
from officer_console.documents.layout import local_time
from officer_console.documents.model import (
    DecisionDoc,
    InquiryDoc,
    NoticeDoc,
    OfficerRef,
    Party,
    ServiceConfirmationDoc,
    ServiceReceiptDoc,
    SignatureSlot,
    Unit,
    VehicleRef,
    ViolationFact,
)
from officer_console.documents.pipeline import produce
from officer_console.documents.render import Document, render
from officer_console.documents.setup import (
    audit_trail,
    decision_renderer,
    signer_from_settings,
    unit_from_issue,
)
from officer_console.documents.signing import Signer
from officer_console.domain.case_documents import CaseFacts, CaseTrail, DecisionIssue
from officer_console.domain.procedure_records import ServiceReceiptFacts
from officer_console.domain.procedure_text import default_review_body, record_number

__all__ = ["DRAFT_KINDS", "CaseDocuments", "evidence_list"]

DRAFT_KINDS = {"inquiry": "询问笔录", "notice": "行政处罚告知笔录", "decision": "处罚决定书"}
_DECISION_TITLES = {"simple": "简易程序处罚决定书", "general": "行政处罚决定书"}


_EVIDENCE_DOCS = {"inquiry_record": "询问笔录", "notice_record": "行政处罚告知笔录"}


def evidence_list(
    violations: tuple[ViolationFact, ...],
    trail: CaseTrail | None,
    decision_number: str,
    tz: str,
) -> tuple[str, ...]:
    """The evidence a general-procedure decision names ([157] 49): the capture record of each
    violation, the records of the case by number, the video recordings by SHA-256."""
    items = [
        f"交通技术监控记录（{local_time(v.occurred_at, tz)}，{v.location}，代码{v.code}）"
        for v in violations
    ]
    files = trail.files if trail is not None else ()
    for kind, title in _EVIDENCE_DOCS.items():  # made and signed at their steps: no number yet
        for k, sha, _size in files:
            if k == kind:
                items.append(f"{title}（当事人签名确认，SHA-256：{sha}）")
    recordings = [sha for kind, sha, _size in files if kind == "recording"]
    for i, sha in enumerate(recordings, start=1):
        label = f"视频录像{i}" if len(recordings) > 1 else "视频录像"
        items.append(f"{label}（远程视频处理全过程，SHA-256：{sha}）")
    return tuple(items)


class CaseDocuments:
    """Statutory documents of a wizard case; thread-safe (one signer, timings kept)."""

    def __init__(
        self, settings: Settings, signer: Signer | None = None, *, workstation: str = ""
    ) -> None:
        self.settings = settings
        self._signer = signer
        self.workstation = workstation
        self._lock = threading.Lock()
        self.timings_ms: list[tuple[str, float]] = []  # (kind, render+PDF/A+sign) for the bench

    @property
    def signer(self) -> Signer:
        with self._lock:
            if self._signer is None:
                self._signer = signer_from_settings(self.settings)
            return self._signer

    # --- plain data --------------------------------------------------------------------
    def _unit(self, facts: CaseFacts) -> Unit:
        return self._unit_of(facts.unit)

    def _unit_of(self, u: Mapping[str, str]) -> Unit:
        seal = Path(self.settings.seal_image) if self.settings.seal_image else None
        return Unit(
            u["name"],
            u["division_code"],
            u["review_body"] or default_review_body(u["name"]),
            u["court"],
            u["timezone"],
            seal_image=seal,
        )

    @staticmethod
    def _party(facts: CaseFacts) -> Party:
        return Party(**facts.party)

    @staticmethod
    def _vehicle(facts: CaseFacts) -> VehicleRef:
        return VehicleRef(facts.plate, facts.vehicle_type or "—")

    @staticmethod
    def _violations(facts: CaseFacts, *, ruled: bool) -> tuple[ViolationFact, ...]:
        ruling = facts.step_data.get("ruling", {})
        fines, points = ruling.get("fines", {}), ruling.get("points", {})
        out = []
        for v in facts.violations:
            key = str(v.violation_id)
            out.append(
                ViolationFact(
                    occurred_at=facts.occurred_at[v.violation_id],
                    location=v.location,
                    behaviour=v.behaviour,
                    code=v.code,
                    conduct_basis=v.conduct_basis,
                    penalty_basis=v.penalty_basis,
                    fine=int(fines.get(key, v.fine)) if ruled else v.fine,
                    points=int(points.get(key, v.points)) if ruled else v.points,
                )
            )
        return tuple(out)

    @staticmethod
    def _step_officers(facts: CaseFacts) -> tuple[OfficerRef, ...]:
        """Who took part in 询问 and 告知: the lead. The assisting officer of a general case is
        chosen at the ruling and acts there (co-sign) and on the decision — never printed as
        记录人 or 告知民警 of steps he was not in."""
        return (OfficerRef(*facts.lead),)

    def _at(self, facts: CaseFacts, step: str) -> datetime:
        return facts.step_times.get(step) or facts.now or datetime.now(UTC)

    def _slot(self, facts: CaseFacts, *, draft: bool) -> SignatureSlot:
        """The signature given for THIS document (``facts.signature_png``/``refused`` and
        ``signed_at``: the record's own step, or 确认 for the decision)."""
        at = facts.signed_at
        if facts.signature_png is not None:
            return SignatureSlot(facts.signature_png, signed_at=at)
        if facts.refused:
            return SignatureSlot(refused=True, signed_at=at)
        if draft:
            return SignatureSlot(pending=True)
        raise ValueError("the document has neither a signature nor a refusal")

    # --- documents ---------------------------------------------------------------------
    def inquiry(self, facts: CaseFacts, *, draft: bool = False) -> InquiryDoc:
        data = facts.step_data.get("inquiry", {})
        return InquiryDoc(
            unit=self._unit(facts),
            party=self._party(facts),
            started_at=facts.accepted_at,
            ended_at=self._at(facts, "inquiry"),
            questioner=OfficerRef(*facts.lead),
            recorder=None,
            qa=tuple((str(q), str(a)) for q, a in data.get("qa", [])),
            refused_to_answer=bool(data.get("refused")),
            party_signature=self._slot(facts, draft=draft),
            number="",  # made at 询问, before the ruling takes the case's number
        )

    def notice(self, facts: CaseFacts, *, draft: bool = False) -> NoticeDoc:
        data = facts.step_data.get("notice", {})
        review = str(data.get("review_note") or "")
        if not review:
            review = "当事人放弃陈述和申辩" if data.get("waived") else "当事人未提出陈述和申辩"
        violations = self._violations(facts, ruled=False)
        return NoticeDoc(
            unit=self._unit(facts),
            party=self._party(facts),
            vehicle=self._vehicle(facts),
            violations=violations,
            proposed_fine=sum(v.fine for v in violations),
            proposed_points=sum(v.points for v in violations),
            warning=False,
            statement=data.get("statement") or None,
            waived=bool(data.get("waived")),
            review_result=review,
            notified_at=self._at(facts, "notice"),
            officers=self._step_officers(facts),
            party_signature=self._slot(facts, draft=draft),
            number="",  # made at 告知, before the ruling takes the case's number
            hearing_requested=bool(data.get("hearing_requested")),
        )

    def service_confirm(self, facts: CaseFacts) -> ServiceConfirmationDoc:
        kind = facts.kind.value
        assert facts.service_png is not None
        return ServiceConfirmationDoc(
            unit=self._unit(facts),
            party=self._party(facts),
            document_name=f"公安交通管理{_DECISION_TITLES.get(kind, '处罚决定书')}",
            document_number=facts.decision_number,
            channel=facts.service_channel or "sms",
            address=facts.service_address,
            confirmed_at=facts.now or datetime.now(UTC),
            sent_at=None,
            officer=OfficerRef(*facts.lead),
            party_signature=SignatureSlot(facts.service_png, signed_at=facts.now),
        )

    def receipt_doc(self, facts: ServiceReceiptFacts) -> ServiceReceiptDoc:
        return ServiceReceiptDoc(
            unit=self._unit_of(facts.unit),
            party_name=facts.party_name,
            document_name=facts.decision_title,
            document_number=facts.decision_number,
            channel=facts.channel,
            address_masked=facts.address_masked,
            sent_at=facts.sent_at,
            officer=OfficerRef(*facts.officer),
            number=record_number(facts.decision_number, "eservice_receipt"),
            provider_reference=facts.provider_reference,
            downloaded_at=facts.downloaded_at,
            made_at=facts.made_at,
            payment_due=facts.payment_due,
        )

    def service_receipt(self, facts: ServiceReceiptFacts) -> bytes:
        """The signed 电子送达回证 (evidence kind ``eservice_receipt``): what the store calls
        once the SMS was accepted (and again, as a new version, after the first download)."""
        return self._produce(self.receipt_doc(facts))

    def decision_doc(
        self,
        facts: CaseFacts,
        unit: Unit,
        *,
        number: str,
        decided_at: datetime,
        url: str = "",
        trail: CaseTrail | None = None,
        draft: bool = False,
    ) -> DecisionDoc:
        ruling = facts.step_data.get("ruling", {})
        violations = self._violations(facts, ruled=True)
        points = sum(v.points for v in violations)
        general = facts.kind.value == "general"
        return DecisionDoc(
            kind=facts.kind,
            number=number,
            unit=unit,
            party=self._party(facts),
            vehicle=self._vehicle(facts),
            violations=violations,
            fine_total=sum(v.fine for v in violations),
            points_total=points,
            warning=bool(ruling.get("warning")),
            cycle_points_after=facts.cycle_points + points,
            place=f"远程视频处理（{unit.name}）",
            decided_at=decided_at,
            lead_officer=OfficerRef(*facts.lead),
            assist_officer=OfficerRef(*facts.assist) if facts.assist else None,
            party_signature=self._slot(facts, draft=draft),
            verification_url=url,
            note="草稿，未签章，不具法律效力" if draft else "",
            audit=None if trail is None else audit_trail(trail, self.workstation),
            evidence=(
                evidence_list(violations, trail, facts.decision_number, unit.timezone)
                if general
                else ()
            ),
            service_channel="" if draft else (facts.service_channel or "paper"),
        )

    # --- the store's CaseDocumentMaker -------------------------------------------------
    def _produce(self, doc: Document) -> bytes:
        t0 = time.perf_counter()
        data = produce(doc, self.signer).data
        with self._lock:
            self.timings_ms.append((type(doc).__name__, (time.perf_counter() - t0) * 1000))
        return data

    def record(self, kind: str, facts: CaseFacts) -> bytes:
        """A step's record, signed with the slot given for it (``store.procedure.records``)."""
        if kind == "inquiry_record":
            return self._produce(self.inquiry(facts))
        if kind == "notice_record":
            return self._produce(self.notice(facts))
        raise ValueError(f"not a step record: {kind}")

    def records(self, facts: CaseFacts) -> dict[str, bytes]:
        """At service: only the 送达地址确认书 (the step records were made at their steps)."""
        if facts.service_png is None:
            return {}
        return {"service_confirm": self._produce(self.service_confirm(facts))}

    def decision(self, facts: CaseFacts, trail: CaseTrail) -> Callable[[DecisionIssue], bytes]:
        def build(issue: DecisionIssue, unit: Unit, url: str) -> DecisionDoc:
            return self.decision_doc(
                facts, unit, number=issue.number, decided_at=issue.issued_at, url=url, trail=trail
            )

        render_signed = decision_renderer(build, self.signer, self.settings)

        def timed(issue: DecisionIssue) -> bytes:
            t0 = time.perf_counter()
            data = render_signed(issue)
            with self._lock:
                self.timings_ms.append(("DecisionDoc", (time.perf_counter() - t0) * 1000))
            return data

        return timed

    # --- drafts for the preview (unsigned, not archived, never stored) ------------------
    def draft(self, kind: str, facts: CaseFacts) -> bytes:
        if kind == "inquiry":
            return render(self.inquiry(facts, draft=True))
        if kind == "notice":
            return render(self.notice(facts, draft=True))
        ruled_at = facts.step_times.get("ruling") or facts.now or datetime.now(UTC)
        issue = DecisionIssue(
            facts.case_id,
            facts.decision_number or "（裁决后生成）",
            "",
            ruled_at,
            facts.unit["name"],
            facts.unit["division_code"],
            facts.unit["review_body"],
            facts.unit["court"],
            facts.unit["timezone"],
        )
        doc = self.decision_doc(
            facts,
            unit_from_issue(issue, self.settings),
            number=issue.number,
            decided_at=ruled_at,
            draft=True,
        )
        return render(doc)
