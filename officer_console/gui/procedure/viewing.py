"""The wizard's document window: :class:`~officer_console.gui.common.document_viewer.DocumentViewer`
for the confirmation step's drafts and the finished case's served decision, and its
「重新发送链接」 — an explicit officer action that re-sends the service link through the
:class:`~officer_console.dispatch.serve_decision.DecisionServer` (one new SMS per click,
retried clicks never send twice, audited). Blocking work runs through the panel's
:class:`~officer_console.gui.procedure.intents.CaseIntents` (the op runner).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from officer_console.dispatch.serve_decision import ServeOutcome
from officer_console.gui.common.document_viewer import DocumentViewer
from officer_console.gui.procedure.citizen import CitizenChannel
from officer_console.gui.procedure.documents import DRAFT_KINDS
from officer_console.gui.procedure.intents import CaseIntents
from officer_console.gui.procedure.support import decision_text
from officer_console.store.procedure.view import COMPLETED, CaseView

__all__ = ["DocumentWindow"]


class DocumentWindow:
    """One viewer window, created on first use and reused."""

    def __init__(
        self,
        intents: CaseIntents,
        *,
        case_id: Callable[[], int | None],
        sent: Callable[[ServeOutcome], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        self._intents = intents
        self._case_id, self._sent, self._failed = case_id, sent, failed
        self.viewer: DocumentViewer | None = None
        self.busy = False

    def show(self, title: str, pdf: bytes, *, number: str = "", resendable: bool = False) -> None:
        if self.viewer is None:
            self.viewer = DocumentViewer(io=self._intents.services.io)
            self.viewer.setWindowTitle("文书查看")
            self.viewer.resize(760, 900)
            self.viewer.resend_requested.connect(self.resend)
        can_resend = resendable and self._intents.server is not None
        self.viewer.show_pdf(pdf, title, number, resendable=can_resend)
        self.viewer.show()
        self.viewer.raise_()

    def resend(self, number: str) -> None:
        case_id, viewer = self._case_id(), self.viewer
        if case_id is None or self._intents.server is None or viewer is None or not number:
            return
        if self.busy:
            return
        request = secrets.token_hex(8)  # one request id per click
        self.busy = True
        viewer.resend_button.setEnabled(False)
        viewer.status.setText("正在重新发送链接……")

        def sent(outcome: ServeOutcome) -> None:
            self.busy = False
            viewer.resend_button.setEnabled(True)
            viewer.status.setText(outcome.message)
            self._sent(outcome)

        def failed(error: BaseException) -> None:
            self.busy = False
            viewer.resend_button.setEnabled(True)
            self._failed(error)

        self._intents.resend(case_id, request, sent, failed)

    def open_draft(self, kind: str, view: CaseView | None, channel: CitizenChannel | None) -> None:
        """A DRAFT (unsigned, never stored) of the confirmation step's documents; the
        decision's text is read along on the citizen's page."""
        if view is None:
            return
        signed = kind != "decision" and kind in view.records  # signed at its own step
        title = DRAFT_KINDS[kind] if signed else f"{DRAFT_KINDS[kind]}（草稿）"
        if kind == "decision" and channel is not None:
            channel.send({"type": "notice", "text": decision_text(view)})
        self._intents.draft(kind, view.case_id, lambda pdf: self.show(title, pdf), self._failed)

    def open_decision(self, view: CaseView | None) -> None:
        """The served or printable decision, re-hashed against its evidence row."""
        if view is None:
            return
        served = view.status == COMPLETED
        self._intents.decision(
            view.case_id,
            lambda got: self.show(f"处罚决定书 {got[0]}", got[1], number=got[0], resendable=served),
            self._failed,
        )

    def shutdown(self) -> None:
        if self.viewer is not None:
            self.viewer.shutdown()
            self.viewer.close()
