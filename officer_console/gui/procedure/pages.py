"""One page per procedure step. Pages only hold inputs and pre-filled defaults; the panel
(:mod:`.panel`) runs the database work and moves between them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.procedure_notes import default_review_note
from officer_console.domain.procedure_records import HearingChoice
from officer_console.gui.common.widgets import named
from officer_console.gui.procedure.rights import HearingChoiceBox, LeniencyBox, WarningBox
from officer_console.store.procedure.cosign import Assistant
from officer_console.store.procedure.view import CaseView

HINT = "color:#5f6368;"


def review_default(view: CaseView, *, lighter: bool = False) -> str:
    """The 复核意见 the ruling page starts from: it follows what the notice recorded (and a
    警告 ticked at the ruling in place of a notified fine: lighter)."""
    notice = view.step_data.get("notice", {})
    return default_review_note(
        statement=notice.get("statement"),
        waived=bool(notice.get("waived")),
        hearing=HearingChoice(notice.get("hearing") or HearingChoice.NOT_APPLICABLE.value),
        lighter=lighter,
        leniency_warned=bool(view.warned),
    )


def _text(parent: QWidget, name: str, lines: int, placeholder: str = "") -> QPlainTextEdit:
    edit = named(QPlainTextEdit(parent), name)
    edit.setPlaceholderText(placeholder)
    edit.setFixedHeight(8 + lines * edit.fontMetrics().lineSpacing() + 8)
    return edit


class StepPage(QWidget):
    """``procedure_page_<step>`` with its ``complete_<step>_button``."""

    step = ""
    button_text = "完成本步"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"procedure_page_{self.step}")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(4)
        self.complete_button = named(
            QPushButton(self.button_text, self), f"complete_{self.step}_button"
        )
        self.complete_button.setStyleSheet("font-weight:bold;")

    def finish_layout(self) -> None:
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.complete_button)
        self.body.addStretch(1)
        self.body.addLayout(row)

    def load(self, view: CaseView) -> None:
        """Fill the pre-filled defaults for ``view`` (called when the page is shown)."""


class InquiryPage(StepPage):
    step = "inquiry"
    button_text = "完成询问"
    snapshot_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        ident = QGridLayout()
        self.snapshot_button = named(QPushButton("截取身份证画面", self), "snapshot_button")
        self.snapshot_button.setToolTip(
            "请当事人将身份证对准摄像头，从视频画面截图留存（哈希存证）"
        )
        self.snapshot_button.clicked.connect(self.snapshot_requested)
        self.snapshot_status = named(QLabel("未截图", self), "snapshot_status")
        self.snapshot_status.setStyleSheet(HINT)
        self.name_confirmed = named(QCheckBox("姓名与登记一致", self), "name_confirmed")
        self.id_last4 = named(QLineEdit(self), "id_last4")
        self.id_last4.setMaxLength(4)
        self.id_last4.setPlaceholderText("身份证后四位")
        self.id_last4.setFixedWidth(110)
        ident.addWidget(self.snapshot_button, 0, 0)
        ident.addWidget(self.snapshot_status, 0, 1, 1, 2)
        ident.addWidget(self.name_confirmed, 1, 0)
        ident.addWidget(self.id_last4, 1, 1)
        ident.setColumnStretch(2, 1)
        self.body.addLayout(ident)
        self.qa_table = named(QTableWidget(0, 2, self), "qa_table")
        self.qa_table.setHorizontalHeaderLabels(["问", "答"])
        self.qa_table.verticalHeader().hide()
        self.qa_table.setWordWrap(True)
        header = self.qa_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.qa_table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        # Wrapped questions need their row heights again whenever the width changes.
        header.sectionResized.connect(lambda *_: self.qa_table.resizeRowsToContents())
        self.body.addWidget(self.qa_table, 1)
        self.admissions_box = QVBoxLayout()
        self.body.addLayout(self.admissions_box)
        self.refused = named(QCheckBox("当事人拒绝回答（记录在案）", self), "inquiry_refused")
        self.body.addWidget(self.refused)
        self.admit: dict[int, QCheckBox] = {}
        self.snapshot_id: int | None = None
        self.finish_layout()

    def load(self, view: CaseView) -> None:
        questions = view.questions()
        self.qa_table.setRowCount(len(questions))
        for row, question in enumerate(questions):
            self.qa_table.setItem(row, 0, QTableWidgetItem(question))
            self.qa_table.setItem(row, 1, QTableWidgetItem(""))
        self.qa_table.resizeRowsToContents()
        for box in self.admit.values():
            box.setParent(None)
        self.admit = {}
        for v in view.violations:
            box = named(
                QCheckBox(f"当事人承认：{v.behaviour}（{v.code}）", self), f"admit_{v.violation_id}"
            )
            self.admissions_box.addWidget(box)
            self.admit[v.violation_id] = box

    def set_snapshot(self, evidence_id: int, preview: bytes) -> None:
        self.snapshot_id = evidence_id
        pixmap = QPixmap()
        pixmap.loadFromData(preview)
        self.snapshot_status.setPixmap(pixmap.scaledToHeight(40))
        self.snapshot_status.setToolTip(f"已存证（证据编号 {evidence_id}）")

    def qa(self) -> list[tuple[str, str]]:
        pairs = []
        for row in range(self.qa_table.rowCount()):
            q, a = self.qa_table.item(row, 0), self.qa_table.item(row, 1)
            question = q.text().strip() if q else ""
            if question:
                pairs.append((question, a.text().strip() if a else ""))
        return pairs


class NoticePage(StepPage):
    step = "notice"
    button_text = "完成告知"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # 首违警告 is decided before the notice is read: the notice text follows the decision.
        self.leniency = LeniencyBox(self)
        self.body.addWidget(self.leniency)
        hint = QLabel("告知内容已同步显示在当事人手机上，请逐项宣读：", self)
        hint.setStyleSheet(HINT)
        self.body.addWidget(hint)
        self.notice_text = named(QPlainTextEdit(self), "notice_text")
        self.notice_text.setReadOnly(True)
        self.body.addWidget(self.notice_text, 1)
        self.statement = _text(self, "statement", 3, "当事人的陈述、申辩（原话记录）")
        self.body.addWidget(self.statement)
        self.waived = named(QCheckBox("当事人明确放弃陈述、申辩", self), "waived")
        self.body.addWidget(self.waived)
        self.hearing = HearingChoiceBox(self)
        self.body.addWidget(self.hearing)
        # DOMAIN.md: the review of the statement is on the 告知笔录, signed right after 告知
        self.review_note = _text(
            self, "notice_review_note", 2, "对陈述、申辩的复核意见（当事人陈述申辩时必填）"
        )
        self.body.addWidget(self.review_note)
        self.finish_layout()

    def load(self, view: CaseView) -> None:
        self.notice_text.setPlainText(view.notice)
        self.leniency.load(view)
        self.hearing.load(view)


class RulingPage(StepPage):
    step = "ruling"
    button_text = "作出裁决"
    cosign_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.amounts = QFormLayout()
        self.body.addLayout(self.amounts)
        self.review_note = _text(self, "review_note", 2)
        self.body.addWidget(QLabel("复核意见：", self))
        self.body.addWidget(self.review_note)
        self.cosign = named(QWidget(self), "cosign_box")
        row = QHBoxLayout(self.cosign)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("协办民警：", self.cosign))
        self.assist_combo = named(QComboBox(self.cosign), "assist_combo")
        row.addWidget(self.assist_combo, 1)
        self.cosign_button = named(QPushButton("请求会签", self.cosign), "cosign_request_button")
        self.cosign_button.clicked.connect(self._request)
        row.addWidget(self.cosign_button)
        self.cosign_status = named(QLabel(self), "cosign_status")
        self.cosign_status.setWordWrap(True)
        self.body.addWidget(self.cosign)
        self.body.addWidget(self.cosign_status)
        self.fines: dict[int, QSpinBox] = {}
        self.points: dict[int, QSpinBox] = {}
        self.warnings: dict[int, WarningBox] = {}
        self._default = ""
        self.finish_layout()

    def _request(self) -> None:
        officer_id = self.assist_combo.currentData()
        if isinstance(officer_id, int):
            self.cosign_requested.emit(officer_id)

    def load(self, view: CaseView) -> None:
        while self.amounts.rowCount():
            self.amounts.removeRow(0)
        self.fines, self.points = {}, {}
        self.warnings = {}
        for v in view.violations:
            warned = v.violation_id in view.warned
            notified = "警告" if warned else f"{v.fine} 元"
            fine = named(QSpinBox(self), f"fine_{v.violation_id}")
            fine.setRange(v.fine_min, v.fine_max)
            fine.setValue(v.fine)
            fine.setSuffix(" 元")
            fine.setToolTip(
                f"代码表幅度 {v.fine_min}–{v.fine_max} 元；告知 {notified}（不得高于告知）"
            )
            pts = named(QSpinBox(self), f"points_{v.violation_id}")
            pts.setRange(0, 12)
            pts.setValue(v.points)
            pts.setSuffix(" 分")
            cell = QHBoxLayout()
            cell.addWidget(fine)
            warning = WarningBox(v, fine, notified=warned, parent=self)
            cell.addWidget(warning)
            cell.addWidget(pts)
            note = QLabel(
                f"幅度 {v.fine_min}–{v.fine_max} 元 · 告知 {notified}、{v.points} 分", self
            )
            note.setStyleSheet(HINT)
            cell.addWidget(note, 1)
            self.amounts.addRow(f"{v.code} {v.behaviour[:14]}", cell)
            self.fines[v.violation_id], self.points[v.violation_id] = fine, pts
            self.warnings[v.violation_id] = warning
            warning.toggled.connect(lambda _on, cv=view: self._follow_default(cv))
        if not self.review_note.toPlainText().strip():
            self._default = review_default(view)
            self.review_note.setPlainText(self._default)

    def _follow_default(self, view: CaseView) -> None:
        """An untouched default note follows a 警告 ticked or unticked here."""
        if self.review_note.toPlainText() != self._default:
            return  # the officer wrote his own
        lighter = any(
            box.isChecked() and vid not in view.warned for vid, box in self.warnings.items()
        )
        self._default = review_default(view, lighter=lighter)
        self.review_note.setPlainText(self._default)
        self.cosign.setVisible(view.kind.value == "general")
        self.cosign_status.setVisible(view.kind.value == "general")
        self.show_cosign(view)

    def set_assistants(self, assistants: list[Assistant]) -> None:
        self.assist_combo.clear()
        for a in assistants:
            self.assist_combo.addItem(a.label, a.officer_id)

    def show_cosign(self, view: CaseView) -> None:
        text = {
            "": "一般程序须由协办民警会签后方可裁决。",
            "pending": f"已请求会签，等待 {view.cosign_detail} 确认……",
            "approved": f"✔ {view.cosign_detail} 已会签",
            "declined": f"✘ 会签被拒绝 — {view.cosign_detail}",
        }.get(view.cosign_status, view.cosign_status)
        self.cosign_status.setText(text)
        # The approval covers the ruling shown to the co-signer; a changed ruling is asked again.
        approved = view.cosign_status == "approved"
        self.cosign_button.setText("重新请求会签（裁决有改动时）" if approved else "请求会签")


class SignatureBox(QWidget):
    """Request → the image arrives and is shown → accept, or request again if illegible.

    With ``completes`` (the verb on the button: 完成, 送达) the accept is also the step's
    completion (``adopted`` fires after the image is taken): the officer still looks at the
    signature and adopts it explicitly; the page's own button stays for a refusal and a retry."""

    request = Signal()
    adopted = Signal()

    def __init__(self, prefix: str, parent: QWidget | None = None, *, completes: str = "") -> None:
        super().__init__(parent)
        self.completes = completes
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.request_button = named(
            QPushButton("请当事人签名", self), f"{prefix}request_signature_button"
        )
        self.request_button.clicked.connect(self._request)
        self.preview = named(QLabel("（尚未收到签名）", self), f"{prefix}signature_preview")
        self.preview.setFixedSize(180, 60)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border:1px dashed #9aa0a6; background:#fff;")
        self.accept_button = named(
            QPushButton(self._accept_text(), self), f"{prefix}accept_signature_button"
        )
        self.accept_button.setEnabled(False)
        self.accept_button.clicked.connect(self._accept)
        row.addWidget(self.request_button)
        row.addWidget(self.preview)
        row.addWidget(self.accept_button)
        row.addStretch(1)
        self.received: bytes | None = None
        self.accepted: bytes | None = None

    def _request(self) -> None:
        """Ask the panel; it calls :meth:`waiting` only when the request can reach the citizen
        (without a call the box stays as it was and the panel says why)."""
        self.request.emit()

    def waiting(self) -> None:
        self.received = self.accepted = None
        self.preview.setText("等待当事人签名……")
        self.accept_button.setEnabled(False)
        self.request_button.setText("重新请求签名")

    def arrived(self, png: bytes) -> None:
        pixmap = QPixmap()
        if not pixmap.loadFromData(png):
            return
        self.received = png
        self.preview.setPixmap(
            pixmap.scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio)
        )
        self.accept_button.setEnabled(True)

    def _accept_text(self) -> str:
        return f"签名清晰，采用并{self.completes}" if self.completes else "签名清晰，采用"

    def _accept(self) -> None:
        self.accepted = self.received
        self.accept_button.setEnabled(False)
        self.accept_button.setText("✔ 已采用")
        if self.completes and self.accepted is not None:
            self.adopted.emit()

    def reset(self) -> None:
        self.received = self.accepted = None
        self.preview.setText("（尚未收到签名）")
        self.accept_button.setText(self._accept_text())
        self.accept_button.setEnabled(False)
        self.request_button.setText("请当事人签名")


class ConfirmationPage(StepPage):
    step = "confirmation"
    button_text = "完成确认"
    open_document = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        docs = QHBoxLayout()
        for key, title in (("inquiry", "询问笔录"), ("notice", "告知笔录"), ("decision", "决定书")):
            button = named(QPushButton(f"查看{title}", self), f"open_{key}_button")
            button.clicked.connect(lambda _=False, k=key: self.open_document.emit(k))
            docs.addWidget(button)
        docs.addStretch(1)
        self.body.addLayout(docs)
        hint = QLabel(
            "决定书已同步显示在当事人手机上并已请其签名（笔录已分别签名）；"
            "签名清晰后点“采用并完成”。",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT)
        self.body.addWidget(hint)
        self.signature = SignatureBox("", self, completes="完成")
        self.body.addWidget(self.signature)
        self.refused = named(QCheckBox("当事人拒绝签名（在文书上注明）", self), "refused_to_sign")
        self.body.addWidget(self.refused)
        self.signature.adopted.connect(lambda: self.refused.setChecked(False))  # adopted wins
        self.finish_layout()

    def load(self, view: CaseView) -> None:
        self.signature.reset()
        self.refused.setChecked(False)


class ServicePage(StepPage):
    step = "service"
    button_text = "送达"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.consent = named(QCheckBox("当事人同意电子送达（短信链接）", self), "consent_checkbox")
        self.address = named(QLabel(self), "service_address")
        self.body.addWidget(self.consent)
        self.body.addWidget(self.address)
        hint = QLabel(
            "勾选同意后即请当事人在手机上签名确认送达地址确认书；签名清晰后点“采用并送达”：", self
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT)
        self.body.addWidget(hint)
        self.signature = SignatureBox("service_", self, completes="送达")
        self.body.addWidget(self.signature)
        self.result = named(QLabel(self), "service_result")
        self.result.setWordWrap(True)
        self.body.addWidget(self.result)
        self.consent.toggled.connect(self._consent)
        self.finish_layout()

    def _consent(self, on: bool) -> None:
        self.signature.setEnabled(on)
        self.complete_button.setText("电子送达" if on else "不同意电子送达：打印纸质送达")

    def load(self, view: CaseView) -> None:
        self.address.setText(
            f"送达地址：绑定手机 {view.phone_masked}；决定书编号 {view.decision_number}"
        )
        self.signature.reset()
        self.consent.setChecked(False)
        self._consent(False)
        self.result.clear()
