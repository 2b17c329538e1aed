"""The procedure wizard beside the live video: 开始办理, then 询问 → 告知 → 裁决 → 确认 → 电子送达.

Forward only: each page's completion runs one store function through the op runner and the
panel shows whatever page the saved case says is next — so a reload, a re-join or another
workstation lands on the first incomplete step. Documents render and the service SMS goes out
through :class:`~officer_console.gui.procedure.intents.CaseIntents` on the op runner (the one
worker); the panel only renders views and sends intents (:mod:`.step_actions`), and widgets
never run SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.domain.appointment import Status
from officer_console.domain.procedure import STEP_ORDER
from officer_console.evidence_store import EvidenceStore
from officer_console.gui.common.document_viewer import DocumentViewer
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import MessageBar, local_text, named
from officer_console.gui.procedure import serving
from officer_console.gui.procedure.citizen import CitizenChannel
from officer_console.gui.procedure.documents import CaseDocuments, DocumentMaker
from officer_console.gui.procedure.endings import Endings
from officer_console.gui.procedure.heartbeat import ConsoleHeartbeat
from officer_console.gui.procedure.intents import CaseIntents
from officer_console.gui.procedure.pages import (
    ConfirmationPage,
    InquiryPage,
    NoticePage,
    RulingPage,
    ServicePage,
    StepPage,
)
from officer_console.gui.procedure.record_page import RecordPage, citizen_messages, pending_record
from officer_console.gui.procedure.rights import proposal_label
from officer_console.gui.procedure.step_actions import StepActions
from officer_console.gui.procedure.store_retry import StoreRetry
from officer_console.gui.procedure.support import (
    STAGE_TITLES,
    DonePage,
    StartPage,
    decision_text,
    marker_style,
    service_marker,
)
from officer_console.gui.procedure.values import build_pages, page_values
from officer_console.gui.procedure.viewing import DocumentWindow
from officer_console.store.procedure.service import CaseRecord
from officer_console.store.procedure.view import CaseView

__all__ = ["ProcedurePanel"]

log = logging.getLogger("officer_console.gui.procedure")
DOWNLOAD_POLL_MS = 3000  # the done page's 「当事人尚未下载决定书」 updates this often


class ProcedurePanel(StepActions):
    """objectName ``procedure_panel``: builds the pages and renders views; the intents its
    clicks send, and the signals ``case_changed`` / ``page_ready``, are :class:`StepActions`'."""

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        documents: DocumentMaker | None = None,
        server: DecisionServer | None = None,
        store: EvidenceStore | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("procedure_panel")
        self.services = services
        settings = services.settings
        self.documents: DocumentMaker = documents or CaseDocuments(
            settings, workstation=settings.workstation_name
        )
        self.evidence: EvidenceStore = store if store is not None else services.evidence_store()
        self.server = server
        self.intents = CaseIntents(
            services, documents=self.documents, evidence=self.evidence, server=server
        )
        self.channel: CitizenChannel | None = None
        self.heartbeat = ConsoleHeartbeat(services, lambda: self.appointment_id, self)
        self.view: CaseView | None = None
        self.appointment_id: int | None = None
        self.appointment_status = ""
        self._generation = 0
        self._busy = False
        self._assigned = False
        self._pages_for: int | None = None  # the appointment the step pages were built for
        self.attempt: tuple[str, Callable[[], None]] | None = None  # the intent in flight
        # While a co-sign is pending the lead's page follows the change counter (live).
        self._cosign_seen = -1
        self._cosign_timer = QTimer(self, interval=1000)
        self._cosign_timer.timeout.connect(self._poll_cosign)
        # Served, not yet downloaded: the done page re-reads until the citizen downloads.
        self._download_timer = QTimer(self, interval=DOWNLOAD_POLL_MS, singleShot=True)
        self._download_timer.timeout.connect(self._recheck_download)
        self.documents_window = DocumentWindow(
            self.intents,
            case_id=lambda: self.view.case_id if self.view else None,
            sent=lambda outcome: serving.resent(self, outcome),
            failed=self.failed_inline,
        )
        self._build()
        self.set_appointment(None)

    # --- construction --------------------------------------------------------------------
    def _build(self) -> None:
        markers = QHBoxLayout()
        markers.setSpacing(2)
        self.markers: dict[str, QLabel] = {}
        for i, step in enumerate(STEP_ORDER):
            if i:
                markers.addWidget(QLabel("→", self))
            label = named(QLabel(step.label, self), f"step_{step.value}")
            self.markers[step.value] = label
            markers.addWidget(label)
        markers.addStretch(1)
        self.summary = named(QLabel(self), "procedure_summary")
        self.summary.setWordWrap(True)
        self.message = MessageBar("procedure_message", self)
        self.store_retry = StoreRetry(self.evidence, self.services.io, self)  # 重试 when it answers
        self.stack = named(QStackedWidget(self), "procedure_pages")
        self.start_page = StartPage(self)
        self.start_info, self.licence_measure = self.start_page.info, self.start_page.measure
        self.start_button = self.start_page.button
        self.start_button.clicked.connect(self._start)
        self.done_page = DonePage(self.services.settings.timezone, self)
        self.done_text, self.decision_button = self.done_page.text, self.done_page.decision_button
        self.decision_button.clicked.connect(lambda: self.documents_window.open_decision(self.view))
        self.stack.addWidget(self.start_page)
        self.stack.addWidget(self.done_page)
        self.pages: dict[str, StepPage] = {}
        self._fresh_pages()
        self.endings = Endings(self, markers)  # 转窗口办理 and paper service
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(markers)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.store_retry)
        layout.addWidget(self.stack, 1)

    def _fresh_pages(self) -> None:
        """New step pages: nothing typed, ticked, snapshotted or selected for one case can
        appear on another (each case gets pages built from their defaults)."""
        for page in self.pages.values():  # unparented now: findChild never sees it again
            self.stack.removeWidget(page)
            page.setParent(None)
            page.deleteLater()
        self.pages = build_pages(self)
        self._auto_requested: set[tuple[int, str]] = set()  # (case, document) asked on opening
        for page in self.pages.values():
            self.stack.insertWidget(self.stack.count() - 1, page)
            page.complete_button.clicked.connect(lambda _=False, k=page.step: self.complete_step(k))
        inquiry, ruling = self.pages["inquiry"], self.pages["ruling"]
        assert isinstance(inquiry, InquiryPage) and isinstance(ruling, RulingPage)
        inquiry.snapshot_requested.connect(self._snapshot)
        ruling.cosign_requested.connect(self._request_cosign)
        notice = self.pages["notice"]
        assert isinstance(notice, NoticePage)
        notice.leniency.changed.connect(self._decide_leniency)
        confirmation, service = self.pages["confirmation"], self.pages["service"]
        assert isinstance(confirmation, ConfirmationPage) and isinstance(service, ServicePage)
        confirmation.open_document.connect(
            lambda k: self.documents_window.open_draft(k, self.view, self.channel)
        )
        confirmation.signature.request.connect(
            lambda: self._request_signature(
                "请核对处罚决定书内容后签名确认（笔录已在询问、告知时签名）",
                confirmation.signature,
            )
        )
        service.signature.request.connect(
            lambda: self._request_signature("请签名确认送达地址（同意电子送达）", service.signature)
        )
        record = self.pages["record"]
        assert isinstance(record, RecordPage)
        record.signature.request.connect(
            lambda: self._request_signature(record.prompt(), record.signature, **record.document())
        )
        # 采用 is the explicit adoption and completes the page (refusals use the button)
        record.signature.adopted.connect(lambda: self.complete_step("record"))
        confirmation.signature.adopted.connect(lambda: self.complete_step("confirmation"))
        # consent given: the address confirmation is asked for; 采用 then serves (电子送达)
        service.consent.toggled.connect(lambda on: self._auto_request() if on else None)
        service.signature.adopted.connect(
            lambda: self.complete_step("service") if service.consent.isChecked() else None
        )

    # --- public --------------------------------------------------------------------------
    def set_appointment(
        self, appointment_id: int | None, status: str = "", *, assigned: bool = False
    ) -> None:
        """Show the case of an appointment (resuming it), or the start page when it has none."""
        self._generation += 1
        if appointment_id != self._pages_for:
            self._pages_for = appointment_id
            self._fresh_pages()
            self.licence_measure.setChecked(False)
            self.store_retry.withdraw()
        self.appointment_id, self.appointment_status = appointment_id, status
        self.view = None
        self._busy = False
        self._cosign_timer.stop()
        self._download_timer.stop()
        self.message.clear_message()
        self.summary.clear()
        self._assigned = assigned
        if appointment_id is None:
            self._show_start("")
            return
        generation = self._generation
        self.intents.load(
            appointment_id, lambda view: self._loaded(generation, view), self.failed_inline
        )

    def set_channel(self, channel: CitizenChannel | None) -> None:
        """The running call's channel (None when there is no call); re-syncs the citizen page."""
        self.channel = channel
        self.heartbeat.follow(channel)  # the store's presence needs this console's beats
        if channel is not None:
            channel.on_signature = self._signature_arrived
            channel.on_rejoin = self._resync
            self._resync()
            self._auto_request()

    def _resync(self) -> None:  # the citizen's page (re)joined: it knows nothing yet
        if self.view is not None:
            self._sync_citizen(self.view)

    def shutdown(self) -> None:
        self._generation += 1
        self._cosign_timer.stop()
        self._download_timer.stop()
        self.heartbeat.stop()
        self.documents_window.shutdown()

    # --- showing -------------------------------------------------------------------------
    def _loaded(self, generation: int, view: CaseView | None) -> None:
        if generation != self._generation:
            return
        if view is None:
            ok = self._assigned and self.appointment_status == Status.IN_CALL
            hint = "" if ok else "须由认领民警在视频通话中开始办理"
            self._show_start(hint)
            return
        self.show_view(view)

    def _show_start(self, hint: str) -> None:
        self._mark(None, ())
        self.endings.show_case(None)
        self.stack.setCurrentWidget(self.start_page)
        self.start_info.setText(
            hint or "核对当事人与违法记录后，点击“开始办理”（开始计算24小时决定期限）。"
        )
        self.start_button.setEnabled(self.appointment_id is not None and not hint)
        self.page_ready.emit("start")

    def _mark(
        self, current: str | None, done: tuple[str, ...], view: CaseView | None = None
    ) -> None:
        for step, label in self.markers.items():
            label.setStyleSheet(marker_style(step, current, done))
        self.markers["service"].setText(service_marker(view))  # which service happened

    def show_view(self, view: CaseView) -> None:
        self.view = view
        retry = {"snapshot": "inquiry", "paper": "service"}.get(self.store_retry.step)
        if view.next_step is None or (retry or self.store_retry.step) != view.next_step.value:
            self.store_retry.withdraw()
        self.endings.show_case(view)
        done = tuple(s.step for s in view.steps)
        step = view.next_step.value if view.next_step else None
        record = pending_record(view)  # its record still to sign: that step stays current
        self._mark(record or step, tuple(d for d in done if d != record), view)
        tz = self.services.settings.timezone
        self.summary.setText(
            f"{view.kind.label} · {view.party_masked} · {view.plate} · 拟{proposal_label(view)}、"
            f"记{view.points_total}分 · 决定期限 {local_text(view.deadline_at, tz, '%m-%d %H:%M')}"
        )
        if step is None:
            self._show_done(view)
        else:
            step = "record" if record else step  # the step's record first
            page = self.pages[step]
            page.load(view)
            officer = self.services.officer
            page.setEnabled(officer is not None and officer.id == view.lead_officer_id)
            if not page.isEnabled():
                self.message.show_message("只读：只有本案主办民警可以办理程序步骤", "info")
            if step == "ruling":
                self._load_assistants(view)
                self._cosign_changed(view)
            self.stack.setCurrentWidget(page)
        self._sync_citizen(view)
        self._auto_request()
        self.page_ready.emit(step or "done")

    def _auto_request(self) -> None:
        """The signature on the record (the decision at 确认, the address confirmation once
        consent to e-service is ticked) requested as its page opens:
        once per case and document in this panel — re-rendering, a re-join or a new call after
        a drop send nothing more (the officer's 「重新请求签名」 does) — and only by the lead
        officer on a call; a read-only view never asks."""
        view, page, officer = self.view, self.stack.currentWidget(), self.services.officer
        if view is None or self.channel is None or officer is None:
            return
        if officer.id != view.lead_officer_id or not view.is_open:
            return
        if isinstance(page, RecordPage) and page.record_step:
            key = page.record_step
        elif isinstance(page, ConfirmationPage):
            key = "decision"
        elif isinstance(page, ServicePage) and page.consent.isChecked():
            key = "address"  # the 送达地址确认书, once consent to e-service is ticked
        else:
            return
        if (view.case_id, key) not in self._auto_requested:
            self._auto_requested.add((view.case_id, key))
            page.signature.request.emit()

    def _recheck_download(self) -> None:
        view = self.view
        if view is not None and view.next_step is None and self._showing_done():
            self._show_done(view)

    def _showing_done(self) -> bool:
        return self.stack.currentWidget() is self.done_page

    def _show_done(self, view: CaseView) -> None:
        self.done_page.show_case(view)
        self.stack.setCurrentWidget(self.done_page)
        generation = self._generation

        def shown(record: CaseRecord) -> None:
            if generation == self._generation:
                self.done_page.show_record(record)
                if record.sent_at is not None and record.delivered_at is None:
                    self._download_timer.start()  # 当事人尚未下载: look again shortly

        self.intents.record(view.case_id, shown, self.failed_inline)

    def _sync_citizen(self, view: CaseView) -> None:
        if self.channel is None:
            return
        step = view.next_step.value if view.next_step else "done"
        record = pending_record(view)  # the record being signed, shown on the citizen's phone
        stage = {"type": "stage", "step": step, "title": STAGE_TITLES[step]}
        for message in citizen_messages(view, record) if record else [stage]:
            self.channel.send(message)
        if step == "notice" and not record:
            self.channel.send({"type": "notice", "text": view.notice})
        elif step == "confirmation":  # what the citizen is asked to sign: the decision
            self.channel.send({"type": "notice", "text": decision_text(view)})

    # --- completing a step (the other intents: StepActions) ----------------------------
    def complete_step(self, step: str) -> None:
        """A page's completion button: its values go to the store as one intent."""
        view, page = self.view, self.pages[step]
        if view is None:
            return
        try:
            values = page_values(page)
        except ValueError as exc:  # the page says what is missing
            self.message.show_message(str(exc), "error")
            return
        if step == "service":
            assert isinstance(page, ServicePage)
            if values.get("paper"):
                step = "paper"
            else:
                serving.serve(self, view, page, values["confirm_png"], values["consent"])
                return
        wrap = self.begin()
        if wrap is not None:
            self.attempt = (step, lambda: self.complete_step(page.step))
            self.intents.complete(step, view.case_id, values, wrap(self.saved), self.failed_inline)

    @property
    def viewer(self) -> DocumentViewer | None:
        return self.documents_window.viewer
