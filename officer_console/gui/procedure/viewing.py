"""The wizard's document window: :class:`~officer_console.gui.document_viewer.DocumentViewer`
for the confirmation step's drafts and the finished case's served decision, and its
「重新发送链接」 — an explicit officer action that re-sends the service link through the
:class:`~officer_console.dispatch.serve_decision.DecisionServer` (one new SMS per click,
retried clicks never send twice, audited). Blocking work runs on the panel's worker thread.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from officer_console.dispatch.serve_decision import DecisionServer, ServeOutcome
from officer_console.gui.document_viewer import DocumentViewer
from officer_console.gui.procedure.support import Background
from officer_console.store.audit import Actor

__all__ = ["DocumentWindow"]


class DocumentWindow:
    """One viewer window, created on first use and reused."""

    def __init__(
        self,
        bg: Background,
        server: DecisionServer | None,
        *,
        actor: Callable[[], Actor],
        case_id: Callable[[], int | None],
        sent: Callable[[ServeOutcome], None],
        failed: Callable[[BaseException], None],
    ) -> None:
        self._bg, self._server = bg, server
        self._actor, self._case_id, self._sent, self._failed = actor, case_id, sent, failed
        self.viewer: DocumentViewer | None = None
        self.busy = False

    def show(self, title: str, pdf: bytes, *, number: str = "", resendable: bool = False) -> None:
        if self.viewer is None:
            self.viewer = DocumentViewer()
            self.viewer.setWindowTitle("文书查看")
            self.viewer.resize(760, 900)
            self.viewer.resend_requested.connect(self.resend)
        can_resend = resendable and self._server is not None
        self.viewer.show_pdf(pdf, title, number, resendable=can_resend)
        self.viewer.show()
        self.viewer.raise_()

    def resend(self, number: str) -> None:
        case_id, server, viewer = self._case_id(), self._server, self.viewer
        if case_id is None or server is None or viewer is None or not number or self.busy:
            return
        actor, request = self._actor(), secrets.token_hex(8)  # one request id per click
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

        self._bg.run(lambda: server.resend(actor, case_id, request), sent, failed)

    def shutdown(self) -> None:
        if self.viewer is not None:
            self.viewer.shutdown()
            self.viewer.close()
