"""电子送达 from the panel: send the intent, show the outcome, re-send the link (viewer).

Kept beside :mod:`.panel` (which stays a renderer of views): the service click runs
``DecisionServer.serve`` on the op runner; an evidence store that cannot be written leaves the
step undone and the panel offers 「重试」 (:mod:`.store_retry`) through ``panel.attempt``.
"""

from __future__ import annotations

from officer_console.dispatch.serve_decision import ServeOutcome
from officer_console.gui.procedure.pages import ServicePage
from officer_console.gui.procedure.step_actions import StepActions
from officer_console.store.procedure.view import CaseView

__all__ = ["resent", "serve", "served"]


def serve(
    panel: StepActions, view: CaseView, page: ServicePage, confirm: bytes, consent: bool
) -> None:
    if panel.server is None:
        panel.message.show_message("短信服务未配置，不能电子送达；可选择纸质送达", "error")
        return
    wrap = panel.begin()
    if wrap is None:
        return
    page.complete_button.setEnabled(False)
    page.result.setText("正在生成签章文书并送达（发送短信）……")
    panel.attempt = ("service", lambda: panel.complete_step("service"))

    def failed(error: BaseException) -> None:
        page.complete_button.setEnabled(True)
        page.result.clear()
        panel.failed_inline(error)

    panel.intents.serve(
        view.case_id, confirm, consent, wrap(lambda outcome: served(panel, outcome)), failed
    )


def served(panel: StepActions, outcome: ServeOutcome) -> None:
    page = panel.pages["service"]
    assert isinstance(page, ServicePage)
    page.complete_button.setEnabled(True)
    page.result.setText(outcome.message)
    resent(panel, outcome)
    if outcome.change is not None:
        panel.saved(outcome.change)
    else:
        panel.show_view(outcome.view)


def resent(panel: StepActions, outcome: ServeOutcome) -> None:
    """The new link to the citizen's page while the call is up; the outcome said inline."""
    if outcome.link and panel.channel is not None:
        panel.channel.send({"type": "document", "url": outcome.link, "title": "处罚决定书"})
    panel.message.show_message(outcome.message, "info" if outcome.state == "sent" else "error")
