"""Disabled stand-ins where dispatch, the video call and the procedure wizard will plug in.

They are visible now so officers (and the screenshots) see the final layout, and clearly
disabled so nobody mistakes them for working features.

Strings use the "CasePanel" translation context: they were written there first and the
catalogue translates them under that name.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from officer_console.domain.procedure import STEP_ORDER
from officer_console.gui.widgets import named

GREY = "color:#9e9e9e;"


class CasePlaceholders(QGroupBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case_placeholders")
        self.setTitle(QCoreApplication.translate("CasePanel", "Handling (coming soon)"))
        self.dispatch_button = named(
            QPushButton(
                QCoreApplication.translate(
                    "CasePanel", "Call citizen and send verification code — not yet available"
                ),
                self,
            ),
            "dispatch_button",
        )
        self.dispatch_button.setEnabled(False)
        self.video_placeholder = named(QFrame(self), "video_placeholder")
        self.video_placeholder.setFrameShape(QFrame.Shape.StyledPanel)
        self.video_placeholder.setMinimumHeight(110)
        self.video_placeholder.setEnabled(False)
        self.video_placeholder.setStyleSheet(
            "#video_placeholder { background:#eceff1; border:1px dashed #b0bec5; }"
        )
        video_text = QLabel(
            QCoreApplication.translate("CasePanel", "Video call (not yet available)"),
            self.video_placeholder,
        )
        video_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        video_text.setStyleSheet(GREY)
        QVBoxLayout(self.video_placeholder).addWidget(video_text)
        self.wizard_placeholder = named(QFrame(self), "wizard_placeholder")
        self.wizard_placeholder.setEnabled(False)
        steps = QHBoxLayout(self.wizard_placeholder)
        steps.setContentsMargins(0, 0, 0, 0)
        for i, step in enumerate(STEP_ORDER):
            if i:
                steps.addWidget(QLabel("→", self.wizard_placeholder))
            label = named(QLabel(step.label, self.wizard_placeholder), f"step_{step.value}")
            label.setStyleSheet(
                GREY + "border:1px solid #cfd8dc; border-radius:3px; padding:3px 10px;"
            )
            steps.addWidget(label)
        steps.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.dispatch_button)
        layout.addWidget(self.video_placeholder)
        layout.addWidget(self.wizard_placeholder)
