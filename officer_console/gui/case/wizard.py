"""The procedure wizard wired into the live case (built once per case panel).

* :func:`build_procedure_panel` — the :class:`ProcedurePanel` with its
  :class:`DecisionServer` (the settings' SMS provider; a misconfigured one leaves e-service
  refused inline, paper service still works).
* :class:`ProcedureWiring` — follows the **live** case only (the case actions hand it every
  reload of the live case, never a browsed row): ``set_appointment`` when the case, the
  officer's assignment or — where the panel does not already show it — the status changed, so a
  reload after the panel's own step does not reset a page being filled in; the running call's
  :class:`CallChannel` while a call is attached; and the panel's ``case_changed`` published once
  on ``Services.hub`` with the appointment's new version, so the queue and the case panel read it
  once (no echo reloads).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject

from officer_console.dispatch.factory import build_sms_provider
from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.domain.appointment import Status
from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Services
from officer_console.gui.procedure.citizen import CallChannel
from officer_console.gui.procedure.documents import CaseDocuments
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.store.appointments.casefile import AppointmentPart
from officer_console.store.procedure import presence
from officer_console.store.procedure.core import CaseChange
from officer_console.video.session import CallSession, CallState

__all__ = ["ProcedureWiring", "build_procedure_panel"]

log = logging.getLogger("officer_console.gui.case.wizard")

# The appointment status a saved case implies (store/procedure/view.py case statuses).
_IMPLIED = {
    "open": Status.IN_PROCEDURE,
    "completed": Status.COMPLETED,
    "paper_pending": Status.COMPLETED,
    "paper_served": Status.COMPLETED,
    "handed_over": Status.HANDED_OVER,
}


def build_procedure_panel(services: Services) -> ProcedurePanel:
    """The panel with the statutory documents, the shared evidence store and e-service."""
    settings = services.settings
    store = services.evidence_store()  # built once by the composition root
    documents = CaseDocuments(settings, workstation=settings.workstation_name)
    server: DecisionServer | None
    try:
        server = DecisionServer(
            services.factory,
            build_sms_provider(settings, services.factory),
            evidence_dir=store,
            link_base=settings.gateway_url,
            documents=documents,
            sign_name=settings.sms_sign_name,
        )
    except DomainError as exc:  # e.g. SMS vendor keys missing: the service page says so
        log.warning("procedure e-service unavailable: %s", exc.message)
        server = None
    return ProcedurePanel(services, documents=documents, server=server, store=store)


class ProcedureWiring(QObject):
    def __init__(self, services: Services, panel: ProcedurePanel | None = None) -> None:
        super().__init__(panel)
        self.services = services
        self.panel = panel or build_procedure_panel(services)
        self.setParent(self.panel)
        self.channel: CallChannel | None = None
        self._shown: tuple[int | None, str, bool] = (None, "", False)
        self.panel.case_changed.connect(self._publish)

    def case_loaded(self, appointment: AppointmentPart | None) -> None:
        """Every (re)load of the live case (None: no live case)."""
        officer = self.services.officer
        if appointment is None:
            key: tuple[int | None, str, bool] = (None, "", False)
        else:
            assigned = officer is not None and appointment.officer_id == officer.id
            key = (appointment.id, appointment.status, assigned)
        if key == self._shown:
            return
        same_case = key[0] == self._shown[0] and key[2] == self._shown[2]
        self._shown = key
        view = self.panel.view
        if same_case and view is not None and _IMPLIED.get(view.status) == key[1]:
            return  # the panel's own step moved the status: it already shows the next page
        self.panel.set_appointment(key[0], key[1], assigned=key[2])

    def attach(self, session: CallSession | None) -> None:
        """The call's session attached (None: hung up)."""
        if self.channel is not None:
            self.channel.session.state_changed.disconnect(self._media)
            self.channel.close()
            self.channel = None
        if session is not None:
            self.channel = CallChannel(session)
            session.state_changed.connect(self._media)
        self.panel.set_channel(self.channel)

    def _media(self, state: CallState) -> None:
        """The citizen's media came up or failed: the store's presence follows at once (a
        dropped phone may keep its socket to the gateway for a while)."""
        appointment_id = self.panel.appointment_id
        if appointment_id is None or state not in (CallState.CONNECTED, CallState.FAILED):
            return
        connected = state == CallState.CONNECTED
        self.services.runner.run(
            lambda s: presence.console_saw(s, appointment_id, connected=connected),
            None,
            lambda e: log.warning("presence not recorded: %s", e),
        )

    def shutdown(self) -> None:
        self.attach(None)
        self.panel.shutdown()

    def _publish(self, change: CaseChange) -> None:
        """One publish with the appointment's version from the operation itself."""
        self.services.hub.publish([change.changed])
