"""The notice and ruling controls for the party's rights and the lighter outcomes: the hearing
choice (要求听证 / 明确放弃听证 / 未表态), 首违警告 with its recorded reason, and 警告 in place of
a fine where the catalogue's article allows one. Widgets only; the store decides.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.leniency import REASON_MAX
from officer_console.domain.procedure_records import HearingChoice
from officer_console.domain.procedure_text import ViolationFacts
from officer_console.gui.common.widgets import named
from officer_console.store.procedure.view import CaseView

__all__ = ["HearingChoiceBox", "LeniencyBox", "WarningBox", "proposal_label"]

HINT = "color:#5f6368;"


def proposal_label(view: CaseView) -> str:
    """The proposed penalty in a few characters: 警告, 罚款200元, or 警告+罚款200元."""
    fine = view.proposed_fine_total
    if view.warned:
        return f"警告+罚款{fine}元" if fine else "警告"
    return f"罚款{fine}元"


class HearingChoiceBox(QGroupBox):
    """objectName ``hearing_box``; shown only when the proposed fine gives a hearing right.

    The radio ``hearing_requested`` keeps the old checkbox's objectName (and ``isChecked``).
    Nothing is pre-selected: the party's choice must be asked and recorded.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("听证（拟罚款达2000元，当事人有权要求听证）", parent)
        self.setObjectName("hearing_box")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        self.requested = named(
            QRadioButton("当事人要求听证（转窗口按听证程序办理，无需陈述申辩）", self),
            "hearing_requested",
        )
        self.waived = named(
            QRadioButton("当事人明确放弃听证（记入告知笔录）", self), "hearing_waived"
        )
        self.reserved = named(
            QRadioButton("当事人未表态（保留权利：须待五日听证申请期限届满后裁决）", self),
            "hearing_reserved",
        )
        self.group = QButtonGroup(self)
        for button in (self.requested, self.waived, self.reserved):
            self.group.addButton(button)
            layout.addWidget(button)
        self.applies = False

    def load(self, view: CaseView) -> None:
        self.applies = view.hearing_right
        self.setVisible(self.applies)

    def choice(self) -> HearingChoice | None:
        """The recorded choice; None when no hearing right applies or nothing was chosen."""
        if not self.applies:
            return None
        for button, choice in (
            (self.requested, HearingChoice.REQUESTED),
            (self.waived, HearingChoice.WAIVED),
            (self.reserved, HearingChoice.RESERVED),
        ):
            if button.isChecked():
                return choice
        return None

    def isChecked(self) -> bool:  # noqa: N802 - the old checkbox's API (hearing requested)
        return self.requested.isChecked()


class LeniencyBox(QGroupBox):
    """objectName ``leniency_box``: per violation on the list, ``leniency_apply_<id>`` and the
    reason ``leniency_reason_<id>`` (pre-filled from the checked conditions, editable).

    Toggling emits ``changed(violation_id, applies, reason)``: the store records it and the
    notice text (read along by the citizen) follows before the notice is completed.
    """

    changed = Signal(int, bool, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("首违警告", parent)
        self.setObjectName("leniency_box")
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(6, 4, 6, 4)
        self.rows.setSpacing(2)
        self.apply: dict[int, QCheckBox] = {}
        self.reasons: dict[int, QLineEdit] = {}
        self._widgets: list[QWidget] = []

    def load(self, view: CaseView) -> None:
        for widget in self._widgets:
            widget.setParent(None)
            widget.deleteLater()
        self._widgets, self.apply, self.reasons = [], {}, {}
        for assessment, applies, reason in view.leniency:
            vid = assessment.violation_id
            box = named(
                QCheckBox(
                    f"对代码{assessment.code}适用首违警告（清单{assessment.list_version}）", self
                ),
                f"leniency_apply_{vid}",
            )
            box.setChecked(applies)
            box.setEnabled(assessment.proposed)  # the records rule it out: nothing to choose
            checks = "；".join(c.text for c in assessment.checks)
            note = QLabel(checks + (f"；{assessment.note}" if assessment.note else ""), self)
            note.setWordWrap(True)
            note.setStyleSheet(HINT)
            edit = named(QLineEdit(reason, self), f"leniency_reason_{vid}")
            edit.setMaxLength(REASON_MAX)
            edit.setCursorPosition(0)
            edit.setPlaceholderText("适用或不适用的理由（记入告知笔录）")
            box.toggled.connect(lambda on, v=vid, e=edit: self.changed.emit(v, on, e.text()))
            for widget in (box, note, edit):
                self.rows.addWidget(widget)
                self._widgets.append(widget)
            self.apply[vid], self.reasons[vid] = box, edit
        self.setVisible(bool(view.leniency))

    def reason_values(self) -> dict[int, str]:
        return {vid: edit.text().strip() for vid, edit in self.reasons.items()}


class WarningBox(QCheckBox):
    """``warning_<id>`` beside a violation's fine: 警告 in place of the fine (fine 0).

    Offered where the article allows a warning; ticked and locked when the notice proposed
    警告 (a fine would now be heavier than notified, [XZCF] 45)."""

    def __init__(
        self, v: ViolationFacts, fine: QSpinBox, *, notified: bool, parent: QWidget
    ) -> None:
        super().__init__("警告", parent)
        self.setObjectName(f"warning_{v.violation_id}")
        self.setToolTip("处罚种类为“警告或罚款”：选择警告则不处罚款")
        self.fine = fine
        self._range = (fine.minimum(), fine.maximum())
        self._value = fine.value()
        fine.setSpecialValueText("— 警告")
        self.toggled.connect(self._toggled)
        self.setVisible(v.allows_warning)
        self.setChecked(notified)
        self.setEnabled(not notified)
        self._toggled(notified)

    def _toggled(self, on: bool) -> None:
        """警告: the fine shows "— 警告" (0); untick restores the range and the amount."""
        low, high = self._range
        if on:
            self._value = self.fine.value() or self._value
            self.fine.setRange(0, high)
            self.fine.setValue(0)
        else:
            self.fine.setRange(low, high)
            self.fine.setValue(self._value)
        self.fine.setEnabled(not on)
