"""The disabled stand-in for the procedure wizard (询问→告知→裁决→确认→送达).

It is visible now so officers (and the screenshots) see the final layout, and clearly
disabled so nobody mistakes it for a working feature. Dispatch and the video call are real
(:mod:`officer_console.gui.case_actions`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from officer_console.domain.procedure import STEP_ORDER
from officer_console.gui.widgets import named

GREY = "color:#9e9e9e;"


class WizardPlaceholder(QFrame):
    """objectName ``wizard_placeholder``; one ``step_<value>`` label per procedure step."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("wizard_placeholder")
        self.setEnabled(False)
        self.setToolTip("办理流程向导（暂未开放）")
        steps = QHBoxLayout(self)
        steps.setContentsMargins(0, 0, 0, 0)
        for i, step in enumerate(STEP_ORDER):
            if i:
                steps.addWidget(QLabel("→", self))
            label = named(QLabel(step.label, self), f"step_{step.value}")
            label.setStyleSheet(
                GREY + "border:1px solid #cfd8dc; border-radius:3px; padding:3px 10px;"
            )
            steps.addWidget(label)
        steps.addStretch(1)
