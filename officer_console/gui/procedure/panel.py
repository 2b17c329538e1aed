"""The procedure wizard beside the live video: 开始办理, then 询问 → 告知 → 裁决 → 确认 → 电子送达.

Forward only: each page's completion runs one store function through the op runner and the
panel shows whatever page the saved case says is next — so a reload, a re-join or another
workstation lands on the first incomplete step. Documents render and the service SMS goes out
on a worker thread (:class:`_Background`); widgets never run SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.dispatch.serve_decision import DecisionServer, ServeOutcome
from officer_console.documents.signing import SigningError
from officer_console.domain.errors import DomainError
from officer_console.domain.procedure import STEP_ORDER, Step
from officer_console.evidence_store import EvidenceStore, open_store
from officer_console.gui.document_viewer import DocumentViewer
from officer_console.gui.procedure.citizen import CitizenChannel
from officer_console.gui.procedure.documents import DRAFT_KINDS, CaseDocuments, DocumentMaker
from officer_console.gui.procedure.pages import (
    ConfirmationPage,
    InquiryPage,
    NoticePage,
    RulingPage,
    ServicePage,
    StepPage,
)
from officer_console.gui.procedure.support import (
    STAGE_TITLES,
    Background,
    DonePage,
    decision_text,
)
from officer_console.gui.procedure.viewing import DocumentWindow
from officer_console.gui.services import Services
from officer_console.gui.widgets import MessageBar, local_text, named, run_keeping_denials
from officer_console.store import changes
from officer_console.store.procedure import cases as pc
from officer_console.store.procedure import cosign as procedure_cosign
from officer_console.store.procedure import service as procedure_service
from officer_console.store.procedure import view as procedure_view
from officer_console.store.procedure.core import CaseChange
from officer_console.store.procedure.documents import CaseFacts, case_facts
from officer_console.store.procedure.view import CaseView

__all__ = ["ProcedurePanel"]

log = logging.getLogger("officer_console.gui.procedure")


class ProcedurePanel(QWidget):
    """objectName ``procedure_panel``. ``case_changed(appointment_id)`` after every saved step;
    ``page_ready(step)`` when a page is filled and shown (benches time it)."""

    case_changed = Signal(object)
    page_ready = Signal(str)

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
        self.evidence: EvidenceStore = store if store is not None else open_store(settings)
        self.server = server
        self.channel: CitizenChannel | None = None
        self.view: CaseView | None = None
        self.appointment_id: int | None = None
        self.appointment_status = ""
        self._generation = 0
        self._busy = False
        self._assigned = False
        self._bg = Background(self)
        # While a co-sign is pending the lead's page follows the change counter (live).
        self._cosign_seen = -1
        self._cosign_timer = QTimer(self, interval=1000)
        self._cosign_timer.timeout.connect(self._poll_cosign)
        self.documents_window = DocumentWindow(
            self._bg,
            server,
            actor=services.actor,
            case_id=lambda: self.view.case_id if self.view else None,
            sent=self._resent,
            failed=self._failed,
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
        self.stack = named(QStackedWidget(self), "procedure_pages")
        self.start_page = named(QWidget(self), "procedure_page_start")
        start = QVBoxLayout(self.start_page)
        self.start_info = named(QLabel(self.start_page), "procedure_start_info")
        self.start_info.setWordWrap(True)
        self.licence_measure = named(
            QCheckBox("须暂扣/吊销驾驶证（不能远程办理）", self.start_page), "licence_measure"
        )
        self.start_button = named(
            QPushButton("开始办理", self.start_page), "start_procedure_button"
        )
        self.start_button.setStyleSheet("font-weight:bold; padding:6px 18px;")
        self.start_button.clicked.connect(self._start)
        start.addWidget(self.start_info)
        start.addWidget(self.licence_measure)
        start.addWidget(self.start_button, 0, Qt.AlignmentFlag.AlignLeft)
        start.addStretch(1)
        self.pages: dict[str, StepPage] = {
            "inquiry": InquiryPage(self),
            "notice": NoticePage(self),
            "ruling": RulingPage(self),
            "confirmation": ConfirmationPage(self),
            "service": ServicePage(self),
        }
        self.done_page = DonePage(self.services.settings.timezone, self)
        self.done_text, self.decision_button = self.done_page.text, self.done_page.decision_button
        self.decision_button.clicked.connect(self._open_decision)
        self.stack.addWidget(self.start_page)
        for page in self.pages.values():
            self.stack.addWidget(page)
        self.stack.addWidget(self.done_page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(markers)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        inquiry, ruling = self.pages["inquiry"], self.pages["ruling"]
        assert isinstance(inquiry, InquiryPage) and isinstance(ruling, RulingPage)
        inquiry.snapshot_requested.connect(self._snapshot)
        ruling.cosign_requested.connect(self._request_cosign)
        confirmation, service = self.pages["confirmation"], self.pages["service"]
        assert isinstance(confirmation, ConfirmationPage) and isinstance(service, ServicePage)
        confirmation.open_document.connect(self._open_document)
        confirmation.signature.request.connect(
            lambda: self._request_signature("请签名确认询问笔录、告知笔录和处罚决定书")
        )
        service.signature.request.connect(
            lambda: self._request_signature("请签名确认送达地址（同意电子送达）")
        )
        handlers: dict[str, Callable[[], None]] = {
            "inquiry": self._complete_inquiry,
            "notice": self._complete_notice,
            "ruling": self._complete_ruling,
            "confirmation": self._complete_confirmation,
            "service": self._complete_service,
        }
        for key, page in self.pages.items():
            page.complete_button.clicked.connect(handlers[key])

    # --- public --------------------------------------------------------------------------
    def set_appointment(
        self, appointment_id: int | None, status: str = "", *, assigned: bool = False
    ) -> None:
        """Show the case of an appointment (resuming it), or the start page when it has none."""
        self._generation += 1
        self.appointment_id, self.appointment_status = appointment_id, status
        self.view = None
        self.message.clear_message()
        self.summary.clear()
        self._assigned = assigned
        if appointment_id is None:
            self._show_start("")
            return
        generation = self._generation
        self.services.runner.run(
            lambda s: procedure_view.case_for_appointment(s, appointment_id),
            lambda view: self._loaded(generation, view),
            self._failed,
            write=False,
        )

    def set_channel(self, channel: CitizenChannel | None) -> None:
        """The running call's channel (None when there is no call); re-syncs the citizen page."""
        self.channel = channel
        if channel is not None:
            channel.on_signature = self._signature_arrived
            channel.on_rejoin = self._resync
            self._resync()

    def _resync(self) -> None:
        if self.view is not None:
            self._sync_citizen(self.view)

    def shutdown(self) -> None:
        self._generation += 1
        self._cosign_timer.stop()
        self._bg.shutdown()
        self.documents_window.shutdown()

    # --- showing -------------------------------------------------------------------------
    def _loaded(self, generation: int, view: CaseView | None) -> None:
        if generation != self._generation:
            return
        if view is None:
            ok = self._assigned and self.appointment_status == "in_call"
            hint = "" if ok else "须由认领民警在视频通话中开始办理"
            self._show_start(hint)
            return
        self._show(view)

    def _show_start(self, hint: str) -> None:
        self._mark(None, ())
        self.stack.setCurrentWidget(self.start_page)
        self.start_info.setText(
            hint or "核对当事人与违法记录后，点击“开始办理”（开始计算24小时决定期限）。"
        )
        self.start_button.setEnabled(self.appointment_id is not None and not hint)
        self.page_ready.emit("start")

    def _mark(self, current: str | None, done: tuple[str, ...]) -> None:
        for step, label in self.markers.items():
            style = "border:1px solid #cfd8dc; border-radius:3px; padding:2px 8px;"
            if step in done:
                style += "background:#e6f4ea; color:#1b5e20;"
            elif step == current:
                style += "background:#1565c0; color:white; font-weight:bold;"
            else:
                style += "color:#9e9e9e;"
            label.setStyleSheet(style)

    def _show(self, view: CaseView) -> None:
        self.view = view
        done = tuple(s.step for s in view.steps)
        step = view.next_step.value if view.next_step else None
        self._mark(step, done)
        tz = self.services.settings.timezone
        self.summary.setText(
            f"{view.kind.label} · {view.party_masked} · {view.plate} · 拟罚款{view.fine_total}元、"
            f"记{view.points_total}分 · 决定期限 {local_text(view.deadline_at, tz, '%m-%d %H:%M')}"
        )
        if step is None:
            self._show_done(view)
        else:
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
        self.page_ready.emit(step or "done")

    def _show_done(self, view: CaseView) -> None:
        self.done_page.show_case(view)
        self.stack.setCurrentWidget(self.done_page)
        case_id, generation = view.case_id, self._generation

        def shown(record: procedure_service.CaseRecord) -> None:
            if generation == self._generation:
                self.done_page.show_record(record)

        self.services.runner.run(
            lambda s: procedure_service.case_record(s, case_id), shown, self._failed, write=False
        )

    def _sync_citizen(self, view: CaseView) -> None:
        if self.channel is None:
            return
        step = view.next_step.value if view.next_step else "done"
        self.channel.send({"type": "stage", "step": step, "title": STAGE_TITLES[step]})
        if step == "notice":
            self.channel.send({"type": "notice", "text": view.notice})

    # --- running work --------------------------------------------------------------------
    def _run(
        self, work: Callable[[Session], Any], done: Callable[[Any], None] | None = None
    ) -> None:
        if self._busy:
            return
        self._busy = True
        self.message.clear_message()
        generation = self._generation

        def ok(result: Any) -> None:
            self._busy = False
            if generation == self._generation:
                (done or self._saved)(result)

        def failed(error: BaseException) -> None:
            self._busy = False
            self._failed(error)

        run_keeping_denials(self.services.runner, work, ok, failed)

    def _saved(self, change: CaseChange) -> None:
        self._show(change.view)
        self.case_changed.emit(change)

    def _failed(self, error: BaseException) -> None:
        self._busy = False
        if isinstance(error, DomainError | SigningError):  # SigningError: the unit's certificate
            self.message.show_message(error.message, "error")
            return
        log.error("procedure step failed", exc_info=error)
        self.message.show_message("操作失败，详情已记录。", "error")

    def _start(self) -> None:
        appointment_id, actor = self.appointment_id, self.services.actor()
        if appointment_id is None:
            return
        measure = self.licence_measure.isChecked()
        self._run(lambda s: pc.start_case(s, actor, appointment_id, suspension=measure))

    def _case_id(self) -> int:
        assert self.view is not None
        return self.view.case_id

    def _snapshot(self) -> None:
        png = self.channel.snapshot() if self.channel is not None else None
        if png is None:
            self.message.show_message("没有对方视频画面，无法截图：请确认当事人已接通视频", "error")
            return
        actor, case_id, evidence = (
            self.services.actor(),
            self._case_id(),
            self.evidence,
        )
        page = self.pages["inquiry"]
        assert isinstance(page, InquiryPage)
        self._run(
            lambda s: pc.record_snapshot(s, actor, evidence, case_id, png),
            lambda evidence_id: page.set_snapshot(evidence_id, png),
        )

    def _complete_inquiry(self) -> None:
        page = self.pages["inquiry"]
        assert isinstance(page, InquiryPage)
        actor, case_id = self.services.actor(), self._case_id()
        name_ok, last4, snap = (
            page.name_confirmed.isChecked(),
            page.id_last4.text(),
            page.snapshot_id,
        )
        qa, refused = page.qa(), page.refused.isChecked()
        admissions = {vid: box.isChecked() for vid, box in page.admit.items()}
        self._run(
            lambda s: pc.complete_inquiry(
                s,
                actor,
                case_id,
                name_confirmed=name_ok,
                id_last4=last4,
                snapshot_evidence_id=snap,
                qa=qa,
                admissions=admissions,
                refused=refused,
            )
        )

    def _complete_notice(self) -> None:
        page = self.pages["notice"]
        assert isinstance(page, NoticePage)
        actor, case_id = self.services.actor(), self._case_id()
        statement = page.statement.toPlainText().strip() or None
        waived, hearing = page.waived.isChecked(), page.hearing.isChecked()
        self._run(
            lambda s: pc.complete_notice(
                s, actor, case_id, statement=statement, waived=waived, hearing_requested=hearing
            )
        )

    def _load_assistants(self, view: CaseView) -> None:
        page = self.pages["ruling"]
        assert isinstance(page, RulingPage)
        if view.kind.value != "general":
            return
        case_id = view.case_id
        self.services.runner.run(
            lambda s: procedure_cosign.assistants(s, case_id),
            page.set_assistants,
            self._failed,
            write=False,
        )

    def _request_cosign(self, officer_id: int) -> None:
        actor, case_id = self.services.actor(), self._case_id()

        def work(s: Session) -> CaseView:
            procedure_cosign.request_cosign(s, actor, case_id, officer_id)
            return procedure_view.load_case(s, case_id)

        self._run(work, self._cosign_changed)

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
        case_id, seen, generation = view.case_id, self._cosign_seen, self._generation

        def work(s: Session) -> tuple[int, CaseView | None]:
            now = changes.current(s)
            return now, None if now == seen else procedure_view.load_case(s, case_id)

        def done(result: tuple[int, CaseView | None]) -> None:
            if generation != self._generation:
                return
            self._cosign_seen, fresh = result
            if fresh is not None and self.view is not None and self.view.case_id == case_id:
                self._cosign_changed(fresh)

        self.services.runner.run(work, done, lambda _e: None, write=False)

    def _complete_ruling(self) -> None:
        page = self.pages["ruling"]
        assert isinstance(page, RulingPage)
        actor, case_id = self.services.actor(), self._case_id()
        fines = {vid: box.value() for vid, box in page.fines.items()}
        points = {vid: box.value() for vid, box in page.points.items()}
        note = page.review_note.toPlainText().strip()
        self._run(
            lambda s: pc.complete_ruling(
                s, actor, case_id, fines=fines, points=points, review_note=note
            )
        )

    def _request_signature(self, prompt: str) -> None:
        if self.channel is None:
            self.message.show_message("当事人不在视频中，无法请求签名", "error")
            return
        self.channel.send({"type": "request_signature", "prompt": prompt})

    def _signature_arrived(self, png: bytes) -> None:
        step = self.view.next_step.value if self.view and self.view.next_step else ""
        page = self.pages.get(step)
        if isinstance(page, ConfirmationPage | ServicePage):
            page.signature.arrived(png)

    def _open_document(self, kind: str) -> None:
        """A DRAFT (unsigned, never stored) of the confirmation step's documents, read from the
        case through the op runner and rendered on the worker thread."""
        view, docs, store = self.view, self.documents, self.evidence
        if view is None:
            return
        title = f"{DRAFT_KINDS[kind]}（草稿）"
        if kind == "decision" and self.channel is not None:
            self.channel.send({"type": "notice", "text": decision_text(view)})
        case_id = view.case_id

        def render(facts: CaseFacts) -> None:
            self._bg.run(
                lambda: docs.draft(kind, facts),
                lambda pdf: self.open_pdf(title, pdf),
                self._failed,
            )

        self.services.runner.run(
            lambda s: case_facts(s, store, case_id), render, self._failed, write=False
        )

    def _open_decision(self) -> None:
        if self.view is None:
            return
        case_id, evidence = self.view.case_id, self.evidence
        served = self.view.status == "completed"
        self.services.runner.run(
            lambda s: procedure_service.decision_document(s, case_id, evidence),
            lambda got: self.open_pdf(
                f"处罚决定书 {got[0]}", got[1], number=got[0], resendable=served
            ),
            self._failed,
            write=False,
        )

    @property
    def viewer(self) -> DocumentViewer | None:
        return self.documents_window.viewer

    def open_pdf(
        self, title: str, pdf: bytes, *, number: str = "", resendable: bool = False
    ) -> None:
        """Show a document in the viewer window (print; re-send link for a served decision)."""
        self.documents_window.show(title, pdf, number=number, resendable=resendable)

    def _resent(self, outcome: ServeOutcome) -> None:
        if outcome.link and self.channel is not None:
            self.channel.send({"type": "document", "url": outcome.link, "title": "处罚决定书"})
        self.message.show_message(outcome.message, "info" if outcome.state == "sent" else "error")

    def _complete_confirmation(self) -> None:
        page = self.pages["confirmation"]
        assert isinstance(page, ConfirmationPage)
        refused = page.refused.isChecked()
        png = None if refused else page.signature.accepted
        if png is None and not refused:
            self.message.show_message("请先采用当事人的签名，或注明当事人拒绝签名", "error")
            return
        actor, case_id, evidence = (
            self.services.actor(),
            self._case_id(),
            self.evidence,
        )
        self._run(
            lambda s: pc.complete_confirmation(
                s, actor, evidence, case_id, signature_png=png, refused=refused
            )
        )

    def _complete_service(self) -> None:
        page = self.pages["service"]
        assert isinstance(page, ServicePage)
        view = self.view
        assert view is not None
        actor, evidence = self.services.actor(), self.evidence
        if not page.consent.isChecked():
            docs = self.documents
            self._run(
                lambda s: procedure_service.serve_on_paper(
                    s, actor, evidence, view.case_id, documents=docs
                )
            )
            return
        confirm = page.signature.accepted
        if confirm is None:
            self.message.show_message("请先采用当事人在送达地址确认书上的签名", "error")
            return
        if self.server is None:
            self.message.show_message("短信服务未配置，不能电子送达；可选择纸质送达", "error")
            return
        server = self.server

        self._busy = True
        page.complete_button.setEnabled(False)
        page.result.setText("正在生成签章文书并送达（发送短信）……")
        self._bg.run(
            lambda: server.serve(actor, view.case_id, confirm_png=confirm),
            self._served,
            self._serve_failed,
        )

    def _served(self, outcome: ServeOutcome) -> None:
        self._busy = False
        page = self.pages["service"]
        page.complete_button.setEnabled(True)
        assert isinstance(page, ServicePage)
        page.result.setText(outcome.message)
        if outcome.link and self.channel is not None:
            self.channel.send({"type": "document", "url": outcome.link, "title": "处罚决定书"})
        kind = "info" if outcome.state == "sent" else "error"
        self.message.show_message(outcome.message, kind)
        if outcome.change is not None:
            self._saved(outcome.change)
        else:
            self._show(outcome.view)

    def _serve_failed(self, error: BaseException) -> None:
        self.pages["service"].complete_button.setEnabled(True)
        self._failed(error)
