"""The lawful endings beside the steps: 转窗口办理 of a running case (state kept; a decided
case carries its decision to the window or voids it) and recording paper service.

:class:`HandOverPage` (``procedure_page_handover``) is reached from the panel's
``procedure_hand_over_button``; :class:`PaperServiceBox` (``paper_service_box``) sits on the
done page while the decision waits for paper service. Both only collect inputs and send one
intent through :class:`~officer_console.gui.procedure.intents.CaseIntents`; the store checks
everything again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.appointment import HANDOVER_REASONS
from officer_console.gui.common.widgets import named
from officer_console.store.procedure.handover import PAPER_METHODS
from officer_console.store.procedure.view import HANDED_OVER, PAPER_PENDING, CaseView

__all__ = ["HandOverPage", "PaperServiceBox"]


class HandOverPage(QWidget):
    """``procedure_page_handover``: reason, and for a decided case carry or void."""

    confirmed = Signal(dict)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("procedure_page_handover")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "当事人无法继续远程办理（如长时间离线）：转窗口办理，已办理的步骤保留。", self
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reason = named(QComboBox(self), "handover_reason")
        for code, label in HANDOVER_REASONS.items():
            self.reason.addItem(label, code)
        self.text = named(QLineEdit(self), "handover_text")
        self.text.setPlaceholderText("具体原因（选“其他”时必填）")
        form.addRow("原因：", self.reason)
        form.addRow("说明：", self.text)
        layout.addLayout(form)
        self.decided = named(QWidget(self), "handover_decision_box")
        box = QVBoxLayout(self.decided)
        box.setContentsMargins(0, 0, 0, 0)
        self.carry = named(
            QRadioButton("处罚决定书随案移交窗口，由窗口纸质送达", self.decided), "handover_carry"
        )
        self.void = named(
            QRadioButton("作废处罚决定书（编号保留，须写明理由）", self.decided), "handover_void"
        )
        self.group = QButtonGroup(self)
        self.group.addButton(self.carry)
        self.group.addButton(self.void)
        self.void_reason = named(QLineEdit(self.decided), "handover_void_reason")
        self.void_reason.setPlaceholderText("作废理由")
        for w in (self.carry, self.void, self.void_reason):
            box.addWidget(w)
        layout.addWidget(self.decided)
        row = QHBoxLayout()
        back = named(QPushButton("返回", self), "handover_back_button")
        back.clicked.connect(self.cancelled)
        self.confirm = named(QPushButton("确认转窗口办理", self), "handover_confirm_button")
        self.confirm.setStyleSheet("font-weight:bold;")
        self.confirm.clicked.connect(self._confirm)
        row.addStretch(1)
        row.addWidget(back)
        row.addWidget(self.confirm)
        layout.addStretch(1)
        layout.addLayout(row)

    def load(self, view: CaseView) -> None:
        self.decided.setVisible(bool(view.decision_number))
        self.void.setText(f"作废处罚决定书 {view.decision_number}（编号保留，须写明理由）")

    def _confirm(self) -> None:
        values: dict[str, Any] = {
            "reason_code": self.reason.currentData(),
            "text": self.text.text().strip(),
        }
        if self.decided.isVisible():
            values["decision"] = (
                "carry" if self.carry.isChecked() else "void" if self.void.isChecked() else ""
            )
            values["void_reason"] = self.void_reason.text().strip()
        self.confirmed.emit(values)


class PaperServiceBox(QWidget):
    """``paper_service_box``: method, date, recipient, optional scanned 送达回证."""

    recorded = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paper_service_box")
        form = QFormLayout(self)
        form.setContentsMargins(0, 4, 0, 0)
        self.method = named(QComboBox(self), "paper_method")
        for code, label in PAPER_METHODS.items():
            self.method.addItem(label, code)
        self.date = named(QDateEdit(QDate.currentDate(), self), "paper_served_on")
        self.date.setCalendarPopup(True)
        self.recipient = named(QLineEdit(self), "paper_recipient")
        self.recipient.setPlaceholderText("受送达人（本人/代收人姓名）")
        self.receipt_path: Path | None = None
        pick = named(QPushButton("选择送达回证扫描件…", self), "paper_receipt_button")
        pick.clicked.connect(self._pick)
        self.receipt_label = named(QLabel("（可选）", self), "paper_receipt_label")
        row = QHBoxLayout()
        row.addWidget(pick)
        row.addWidget(self.receipt_label, 1)
        self.record = named(QPushButton("记录送达", self), "paper_record_button")
        self.record.clicked.connect(self._record)
        form.addRow("送达方式：", self.method)
        form.addRow("送达日期：", self.date)
        form.addRow("受送达人：", self.recipient)
        form.addRow("送达回证：", row)
        form.addRow("", self.record)

    def show_case(self, view: CaseView) -> None:
        carried = view.handover.get("decision") == "carried"
        self.setVisible(view.status == PAPER_PENDING or (view.status == HANDED_OVER and carried))

    def set_receipt(self, path: Path | None) -> None:
        self.receipt_path = path
        self.receipt_label.setText(path.name if path else "（可选）")

    def _pick(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "送达回证扫描件", "", "PDF/PNG (*.pdf *.png)")
        self.set_receipt(Path(name) if name else None)

    def _record(self) -> None:
        try:
            receipt = self.receipt_path.read_bytes() if self.receipt_path else None
        except OSError:
            receipt = b""  # the store says the file is not a PDF/PNG
        self.recorded.emit(
            {
                "method": self.method.currentData(),
                "served_on": self.date.date().toPython(),
                "recipient": self.recipient.text().strip(),
                "receipt": receipt,
            }
        )


class Endings:
    """Wires both into a :class:`~officer_console.gui.procedure.panel.ProcedurePanel`: the
    hand-over button and page, the paper-service box on the done page."""

    def __init__(self, panel: Any, markers: QHBoxLayout) -> None:
        self.panel = panel
        self.button = named(QPushButton("转窗口办理…", panel), "procedure_hand_over_button")
        self.button.setVisible(False)
        self.button.clicked.connect(self._open)
        markers.addWidget(self.button)
        self.page = HandOverPage(panel)
        panel.stack.addWidget(self.page)
        self.page.confirmed.connect(self._hand_over)
        self.page.cancelled.connect(lambda: panel.view and panel.show_view(panel.view))
        self.paper = PaperServiceBox(panel.done_page)
        panel.done_page.layout().insertWidget(2, self.paper)
        self.paper.recorded.connect(self._paper)
        self.paper.setVisible(False)

    def show_case(self, view: CaseView | None) -> None:
        self.button.setVisible(view is not None and view.is_open)
        if view is not None:
            self.paper.show_case(view)

    def _open(self) -> None:
        view = self.panel.view
        if view is not None and view.is_open:
            self.page.load(view)
            self.panel.stack.setCurrentWidget(self.page)
            self.panel.page_ready.emit("handover")

    def _send(self, intent: Any, values: dict[str, Any]) -> None:
        panel, view = self.panel, self.panel.view
        wrap = panel.begin() if view is not None else None
        if view is not None and wrap is not None:
            intent(view.case_id, values, wrap(panel.saved), panel.failed_inline)

    def _hand_over(self, values: dict[str, Any]) -> None:
        self._send(self.panel.intents.hand_over, values)

    def _paper(self, values: dict[str, Any]) -> None:
        self._send(self.panel.intents.paper_served, values)
