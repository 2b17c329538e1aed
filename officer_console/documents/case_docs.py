"""The wizard's documents from a case: the statutory renderers behind the store's
:class:`~officer_console.store.procedure.documents.CaseDocumentMaker` (glue, like
:mod:`.setup`; the renderers themselves stay pure).

:class:`CaseDocuments` makes the signed, archival records (询问笔录, 告知笔录, 送达地址确认书) and
the decision's ``render`` callback for :func:`store.documents.issue_decision` (number and
verification code from the store, 办案过程记录 page from ``case_trail``), and unsigned DRAFTS for
the confirmation step's preview (signature slot "待当事人签名"; never stored). Call it from a
worker thread: signing runs pyHanko's own event loop.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from officer_console.config import Settings
from officer_console.documents.model import (
    DecisionDoc,
    InquiryDoc,
    NoticeDoc,
    OfficerRef,
    Party,
    ServiceConfirmationDoc,
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
from officer_console.store.documents import CaseTrail, DecisionIssue
from officer_console.store.procedure.documents import CaseFacts
from officer_console.store.types import utcnow

__all__ = ["DRAFT_KINDS", "CaseDocuments"]

DRAFT_KINDS = {"inquiry": "询问笔录", "notice": "行政处罚告知笔录", "decision": "处罚决定书"}
_DECISION_TITLES = {"simple": "简易程序处罚决定书", "general": "行政处罚决定书"}


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
        u = facts.unit
        seal = Path(self.settings.seal_image) if self.settings.seal_image else None
        return Unit(
            u["name"],
            u["division_code"],
            u["review_body"],
            u["court"],
            u["timezone"],
            seal_image=seal,
        )

    @staticmethod
    def _party(facts: CaseFacts) -> Party:
        return Party(**facts.party)

    @staticmethod
    def _vehicle(facts: CaseFacts) -> VehicleRef:
        return VehicleRef(facts.view.plate, facts.vehicle_type or "—")

    @staticmethod
    def _violations(facts: CaseFacts, *, ruled: bool) -> tuple[ViolationFact, ...]:
        ruling = facts.view.step_data.get("ruling", {})
        fines, points = ruling.get("fines", {}), ruling.get("points", {})
        out = []
        for v in facts.view.violations:
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

    def _officers(self, facts: CaseFacts) -> tuple[OfficerRef, ...]:
        lead = OfficerRef(*facts.lead)
        return (lead,) if facts.assist is None else (lead, OfficerRef(*facts.assist))

    def _at(self, facts: CaseFacts, step: str) -> datetime:
        return facts.step_times.get(step) or facts.now or utcnow()

    def _slot(self, facts: CaseFacts, *, draft: bool) -> SignatureSlot:
        at = facts.step_times.get("confirmation")
        if facts.signature_png is not None:
            return SignatureSlot(facts.signature_png, signed_at=at)
        if facts.refused:
            return SignatureSlot(refused=True, signed_at=at)
        if draft:
            return SignatureSlot(pending=True)
        raise ValueError("confirmation step has neither a signature nor a refusal")

    # --- documents ---------------------------------------------------------------------
    def inquiry(self, facts: CaseFacts, *, draft: bool = False) -> InquiryDoc:
        data = facts.view.step_data.get("inquiry", {})
        officers = self._officers(facts)
        return InquiryDoc(
            unit=self._unit(facts),
            party=self._party(facts),
            started_at=facts.view.accepted_at,
            ended_at=self._at(facts, "inquiry"),
            questioner=officers[0],
            recorder=officers[-1],
            qa=tuple((str(q), str(a)) for q, a in data.get("qa", [])),
            refused_to_answer=bool(data.get("refused")),
            party_signature=self._slot(facts, draft=draft),
            number=facts.decision_number,
        )

    def notice(self, facts: CaseFacts, *, draft: bool = False) -> NoticeDoc:
        data = facts.view.step_data.get("notice", {})
        review = facts.view.step_data.get("ruling", {}).get("review_note", "")
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
            review_result=str(review or "（待复核）"),
            notified_at=self._at(facts, "notice"),
            officers=self._officers(facts),
            party_signature=self._slot(facts, draft=draft),
            number=facts.decision_number,
        )

    def service_confirm(self, facts: CaseFacts) -> ServiceConfirmationDoc:
        kind = facts.view.kind.value
        assert facts.service_png is not None
        return ServiceConfirmationDoc(
            unit=self._unit(facts),
            party=self._party(facts),
            document_name=f"公安交通管理{_DECISION_TITLES.get(kind, '处罚决定书')}",
            document_number=facts.decision_number,
            channel=facts.service_channel or "sms",
            address=facts.service_address,
            confirmed_at=facts.now or utcnow(),
            sent_at=None,
            officer=OfficerRef(*facts.lead),
            party_signature=SignatureSlot(facts.service_png, signed_at=facts.now),
        )

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
        ruling = facts.view.step_data.get("ruling", {})
        violations = self._violations(facts, ruled=True)
        points = sum(v.points for v in violations)
        return DecisionDoc(
            kind=facts.view.kind,
            number=number,
            unit=unit,
            party=self._party(facts),
            vehicle=self._vehicle(facts),
            violations=violations,
            fine_total=sum(v.fine for v in violations),
            points_total=points,
            warning=bool(ruling.get("warning")),
            cycle_points_after=facts.view.cycle_points + points,
            place=f"远程视频处理（{unit.name}）",
            decided_at=decided_at,
            lead_officer=OfficerRef(*facts.lead),
            assist_officer=OfficerRef(*facts.assist) if facts.assist else None,
            party_signature=self._slot(facts, draft=draft),
            verification_url=url,
            note="草稿，未签章，不具法律效力" if draft else "",
            audit=None if trail is None else audit_trail(trail, self.workstation),
        )

    # --- the store's CaseDocumentMaker -------------------------------------------------
    def _produce(self, doc: Document) -> bytes:
        t0 = time.perf_counter()
        data = produce(doc, self.signer).data
        with self._lock:
            self.timings_ms.append((type(doc).__name__, (time.perf_counter() - t0) * 1000))
        return data

    def records(self, facts: CaseFacts) -> dict[str, bytes]:
        out = {
            "inquiry_record": self._produce(self.inquiry(facts)),
            "notice_record": self._produce(self.notice(facts)),
        }
        if facts.service_png is not None:
            out["service_confirm"] = self._produce(self.service_confirm(facts))
        return out

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
        ruled_at = facts.step_times.get("ruling") or facts.now or utcnow()
        issue = DecisionIssue(
            facts.view.case_id,
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
