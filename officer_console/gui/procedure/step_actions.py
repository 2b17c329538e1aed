"""What the procedure panel's clicks send: 开始办理, the ID snapshot, the ruling's co-sign
request and leniency decisions, and the citizen's signatures.

:class:`StepActions` is the base of :class:`~officer_console.gui.procedure.panel.ProcedurePanel`
(which builds the widgets used here and renders views). Every intent goes through
:class:`~officer_console.gui.procedure.intents.CaseIntents` on the op runner; :meth:`begin`
marks the panel busy and drops an answer that arrives after the case changed; an evidence
store that cannot be written leaves the step undone and offers 「重试」 through ``attempt``.
While a co-sign is pending the lead's ruling page follows the change counter (live).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QWidget

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.documents.signing import SigningError
from officer_console.domain.errors import DomainError
from officer_console.domain.procedure import Step
from officer_console.evidence_store import StoreUnavailable
from officer_console.gui.common.widgets import MessageBar
from officer_console.gui.procedure.citizen import CitizenChannel
from officer_console.gui.procedure.intents import CaseIntents
from officer_console.gui.procedure.pages import (
    ConfirmationPage,
    InquiryPage,
    RulingPage,
    ServicePage,
    SignatureBox,
    StepPage,
)
from officer_console.gui.procedure.record_page import RecordPage, pending_record
from officer_console.gui.procedure.store_retry import StoreRetry, unavailable_text
from officer_console.gui.procedure.values import page_values, ruling_proposal
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.view import CaseView

__all__ = ["StepActions"]

log = logging.getLogger("officer_console.gui.procedure")


class StepActions(QWidget):
    """``case_changed(CaseChange)`` after every saved step; ``page_ready(step)`` when a page is
    filled and shown (benches time it)."""

    case_changed = Signal(object)
    page_ready = Signal(str)

    # Set by ProcedurePanel.__init__ / _build before any of the methods below runs.
    intents: CaseIntents
    server: DecisionServer | None
    channel: CitizenChannel | None
    view: CaseView | None
    appointment_id: int | None
    attempt: tuple[str, Callable[[], None]] | None
    message: MessageBar
    store_retry: StoreRetry
    licence_measure: QCheckBox
    pages: dict[str, StepPage]
    _generation: int
    _busy: bool
    _cosign_seen: int
    _cosign_timer: QTimer

    def show_view(self, view: CaseView) -> None:
        """Render ``view`` (the panel's)."""
        raise NotImplementedError

    def complete_step(self, step: str) -> None:
        """A page's completion button (the panel's: 电子送达 goes through :mod:`.serving`)."""
        raise NotImplementedError

    def begin(self) -> Callable[[Callable[[Any], None]], Callable[[Any], None]] | None:
        """Mark the panel busy; returns a wrapper that drops a stale answer (case changed)."""
        if self._busy:
            return None
        self._busy = True
        self.message.clear_message()
        generation = self._generation

        def wrap(done: Callable[[Any], None]) -> Callable[[Any], None]:
            def ok(result: Any) -> None:
                self._busy, self.attempt = False, None
                if generation == self._generation:
                    done(result)

            return ok

        return wrap

    def saved(self, change: CaseChange) -> None:
        self.show_view(change.view)
        self.case_changed.emit(change)

    def failed_inline(self, error: BaseException) -> None:
        self._busy = False
        attempt, self.attempt = self.attempt, None
        if isinstance(error, StoreUnavailable) and attempt is not None:  # the step rolled back
            self.message.show_message(unavailable_text(attempt[0], error), "error")
            self.store_retry.offer(*attempt)
            return
        if isinstance(error, DomainError | SigningError):  # SigningError: the unit's certificate
            self.message.show_message(error.message, "error")
            return
        log.error("procedure step failed", exc_info=error)
        self.message.show_message("操作失败，详情已记录。", "error")

    def _start(self) -> None:
        appointment_id, measure = self.appointment_id, self.licence_measure.isChecked()
        wrap = self.begin() if appointment_id is not None else None
        if appointment_id is not None and wrap is not None:
            self.intents.start(
                appointment_id, suspension=measure, done=wrap(self.saved), failed=self.failed_inline
            )

    def _snapshot(self) -> None:
        png = self.channel.snapshot() if self.channel is not None else None
        if png is None:
            self.message.show_message("没有对方视频画面，无法截图：请确认当事人已接通视频", "error")
            return
        page, wrap = self.pages["inquiry"], self.begin()
        if self.view is None or wrap is None:
            return
        self.attempt = ("snapshot", self._snapshot)
        assert isinstance(page, InquiryPage)
        self.intents.snapshot(
            self.view.case_id,
            png,
            wrap(lambda evidence_id: page.set_snapshot(evidence_id, png)),
            self.failed_inline,
        )

    def _load_assistants(self, view: CaseView) -> None:
        page = self.pages["ruling"]
        assert isinstance(page, RulingPage)
        if view.kind.value == "general":
            self.intents.assistants(view.case_id, page.set_assistants, self.failed_inline)

    def _request_cosign(self, officer_id: int) -> None:
        """The co-signer is shown the ruling as the page has it, and approves that one."""
        proposal = ruling_proposal(page_values(self.pages["ruling"]))
        wrap = self.begin()
        if self.view is not None and wrap is not None:
            self.intents.request_cosign(
                self.view.case_id,
                officer_id,
                wrap(self._cosign_requested),
                self.failed_inline,
                proposal=proposal,
            )

    def _cosign_requested(self, change: CaseChange) -> None:
        self._cosign_changed(change.view)
        self.case_changed.emit(change)  # published once, like every other operation

    def _decide_leniency(self, violation_id: int, applies: bool, reason: str) -> None:
        wrap = self.begin()
        if self.view is not None and wrap is not None:
            self.intents.decide_leniency(
                self.view.case_id,
                violation_id,
                wrap(self.saved),
                self.failed_inline,
                applies=applies,
                reason=reason,
            )
        elif self.view is not None:  # busy: show the saved decision again
            self.show_view(self.view)

    def _cosign_changed(self, view: CaseView) -> None:
        self.view = view
        page = self.pages["ruling"]
        assert isinstance(page, RulingPage)
        page.show_cosign(view)
        if view.cosign_status == "pending" and not self._cosign_timer.isActive():
            self._cosign_timer.start()

    def _poll_cosign(self) -> None:
        view = self.view
        if view is None or view.next_step is not Step.RULING or view.cosign_status != "pending":
            self._cosign_timer.stop()
            return
        if self._busy:
            return
        case_id, generation = view.case_id, self._generation

        def done(result: tuple[int, CaseView | None]) -> None:
            if generation != self._generation:
                return
            self._cosign_seen, fresh = result
            if fresh is not None and self.view is not None and self.view.case_id == case_id:
                self._cosign_changed(fresh)

        self.intents.poll(case_id, self._cosign_seen, done, lambda _e: None)

    def _request_signature(self, prompt: str, box: SignatureBox, **document: str) -> None:
        if self.channel is None:
            self.message.show_message("当事人不在视频中，无法请求签名", "error")
            return
        box.waiting()  # before sending: the signature may come back at once
        self.channel.send({"type": "request_signature", "prompt": prompt, **document})

    def _signature_arrived(self, png: bytes) -> None:
        step = self.view.next_step.value if self.view and self.view.next_step else ""
        page = self.pages.get("record" if pending_record(self.view) else step)
        if isinstance(page, ConfirmationPage | ServicePage | RecordPage):
            page.signature.arrived(png)
