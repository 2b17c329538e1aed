"""The wizard's intents: every store call of the procedure panel, on the one worker (OpRunner).

The panel renders :class:`CaseView` s and sends intents; it never builds a store call itself.
Writes run through :func:`run_keeping_denials` (an audited denial still commits) and answer
with the operation's :class:`CaseChange`; reads run read-only. Blocking non-database work —
rendering a draft PDF, signing the documents and sending the service SMS — runs on the same
runner (one worker mechanism): the panel is busy while it runs anyway, and the service's own
transactions are opened by :class:`DecisionServer`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from officer_console.dispatch.serve_decision import DecisionServer, ServeOutcome
from officer_console.domain.procedure_notes import RulingProposal
from officer_console.evidence_store import EvidenceStore
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import run_keeping_denials
from officer_console.gui.procedure.documents import DocumentMaker
from officer_console.store.db import changes
from officer_console.store.procedure import (
    cases,
    cosign,
    handover,
    leniency,
    records,
    service,
    view,
)
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.cosign import Assistant
from officer_console.store.procedure.documents import case_facts
from officer_console.store.procedure.service import CaseRecord
from officer_console.store.procedure.view import CaseView

__all__ = ["CaseIntents", "Done", "Failed"]

T = TypeVar("T")
Done = Callable[[T], None]
Failed = Callable[[BaseException], None]


class CaseIntents:
    """One per panel; ``actor`` is read when an intent is sent (the signed-in officer)."""

    def __init__(
        self,
        services: Services,
        *,
        documents: DocumentMaker,
        evidence: EvidenceStore,
        server: DecisionServer | None,
    ) -> None:
        self.services, self.documents, self.evidence, self.server = (
            services,
            documents,
            evidence,
            server,
        )

    # --- plumbing --------------------------------------------------------------------------
    def _write(self, work: Callable[[Session], T], done: Done[T], failed: Failed) -> None:
        run_keeping_denials(self.services.runner, work, done, failed)

    def _read(self, work: Callable[[Session], T], done: Done[T], failed: Failed) -> None:
        self.services.runner.run(work, done, failed, write=False)

    # --- reads -----------------------------------------------------------------------------
    def load(self, appointment_id: int, done: Done[CaseView | None], failed: Failed) -> None:
        self._read(lambda s: view.case_for_appointment(s, appointment_id), done, failed)

    def record(self, case_id: int, done: Done[CaseRecord], failed: Failed) -> None:
        self._read(lambda s: service.case_record(s, case_id), done, failed)

    def assistants(self, case_id: int, done: Done[list[Assistant]], failed: Failed) -> None:
        self._read(lambda s: cosign.assistants(s, case_id), done, failed)

    def poll(
        self, case_id: int, seen: int, done: Done[tuple[int, CaseView | None]], failed: Failed
    ) -> None:
        """The squad's change number; the case re-read only when it moved since ``seen``."""

        def work(s: Session) -> tuple[int, CaseView | None]:
            now = changes.current(s)
            return now, None if now == seen else view.load_case(s, case_id)

        self._read(work, done, failed)

    def draft(self, kind: str, case_id: int, done: Done[bytes], failed: Failed) -> None:
        """A DRAFT (unsigned, never stored) of the decision; the 询问笔录 and 告知笔录 as signed
        and stored at their steps (a draft only while not signed yet)."""
        docs, store = self.documents, self.evidence

        def work(s: Session) -> bytes:
            signed = records.signed_record(s, store, case_id, kind) if kind != "decision" else None
            return signed if signed is not None else docs.draft(kind, case_facts(s, store, case_id))

        self._read(work, done, failed)

    def decision(self, case_id: int, done: Done[tuple[str, bytes]], failed: Failed) -> None:
        store = self.evidence
        self._read(lambda s: service.decision_document(s, case_id, store), done, failed)

    # --- writes (each one audited transaction → CaseChange) -------------------------------
    def start(
        self, appointment_id: int, *, suspension: bool, done: Done[CaseChange], failed: Failed
    ) -> None:
        actor = self.services.actor()
        self._write(
            lambda s: cases.start_case(s, actor, appointment_id, suspension=suspension),
            done,
            failed,
        )

    def snapshot(self, case_id: int, png: bytes, done: Done[int], failed: Failed) -> None:
        actor, store = self.services.actor(), self.evidence
        self._write(lambda s: cases.record_snapshot(s, actor, store, case_id, png), done, failed)

    def complete(
        self,
        step: str,
        case_id: int,
        values: Mapping[str, Any],
        done: Done[CaseChange],
        failed: Failed,
    ) -> None:
        """The step ``step`` completed with the page's ``values`` (its store keywords)."""
        actor, store, docs = self.services.actor(), self.evidence, self.documents
        kw = dict(values)
        work: Callable[[Session], CaseChange] = {
            "inquiry": lambda s: cases.complete_inquiry(s, actor, case_id, **kw),
            "notice": lambda s: cases.complete_notice(s, actor, case_id, **kw),
            "ruling": lambda s: cases.complete_ruling(s, actor, case_id, **kw),
            "confirmation": lambda s: cases.complete_confirmation(s, actor, store, case_id, **kw),
            "paper": lambda s: service.serve_on_paper(s, actor, store, case_id, documents=docs),
            "record": lambda s: records.sign_record(s, actor, store, case_id, documents=docs, **kw),
        }[step]
        self._write(work, done, failed)

    def hand_over(
        self, case_id: int, values: Mapping[str, Any], done: Done[CaseChange], failed: Failed
    ) -> None:
        """转窗口办理 with the state kept (a decided case: carry or void the decision)."""
        actor, kw = self.services.actor(), dict(values)
        self._write(lambda s: handover.hand_over_case(s, actor, case_id, **kw), done, failed)

    def paper_served(
        self, case_id: int, values: Mapping[str, Any], done: Done[CaseChange], failed: Failed
    ) -> None:
        """The paper service recorded (method, date, recipient, optional scanned receipt)."""
        actor, store, kw = self.services.actor(), self.evidence, dict(values)
        self._write(
            lambda s: handover.record_paper_service(s, actor, store, case_id, **kw), done, failed
        )

    def request_cosign(
        self,
        case_id: int,
        officer_id: int,
        done: Done[CaseChange],
        failed: Failed,
        *,
        proposal: RulingProposal | None = None,
    ) -> None:
        """Ask ``officer_id`` to co-sign ``proposal`` (the ruling as the page shows it)."""
        actor = self.services.actor()
        self._write(
            lambda s: cosign.request_cosign(s, actor, case_id, officer_id, proposal=proposal),
            done,
            failed,
        )

    def decide_leniency(
        self,
        case_id: int,
        violation_id: int,
        done: Done[CaseChange],
        failed: Failed,
        *,
        applies: bool,
        reason: str,
    ) -> None:
        """首违警告 applied or not (audited); the notice text follows."""
        actor = self.services.actor()
        self._write(
            lambda s: leniency.decide(
                s, actor, case_id, violation_id, applies=applies, reason=reason
            ),
            done,
            failed,
        )

    def serve(
        self,
        case_id: int,
        confirm_png: bytes,
        consent: bool,
        done: Done[ServeOutcome],
        failed: Failed,
    ) -> None:
        """电子送达 (sign, store, send the one SMS, record) — blocking, on the runner."""
        server, actor = self.server, self.services.actor()
        assert server is not None
        self._read(
            lambda _s: server.serve(actor, case_id, confirm_png=confirm_png, consent=consent),
            done,
            failed,
        )

    def resend(self, case_id: int, request: str, done: Done[ServeOutcome], failed: Failed) -> None:
        server, actor = self.server, self.services.actor()
        assert server is not None
        self._read(lambda _s: server.resend(actor, case_id, request), done, failed)
