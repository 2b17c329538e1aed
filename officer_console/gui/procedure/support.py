"""Helpers of the procedure panel: the start page, what the citizen's page is told at each
stage, the draft decision text read along on the phone, the finished
case page, and opening a PDF until the document viewer is plugged in."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QPushButton, QVBoxLayout, QWidget

from officer_console.gui.common.widgets import local_text, named
from officer_console.store.procedure.service import CaseRecord
from officer_console.store.procedure.view import PAPER_PENDING, CaseView

__all__ = [
    "STAGE_TITLES",
    "DonePage",
    "StartPage",
    "decision_text",
    "marker_style",
    "service_marker",
]

T = TypeVar("T")
STAGE_TITLES = {
    "inquiry": "询问：请手持身份证对准摄像头，如实回答民警提问",
    "notice": "告知：请阅读下方拟处罚告知，可以陈述、申辩",
    "ruling": "裁决：民警正在复核并作出处罚决定",
    "confirmation": "确认：请核对文书并签名",
    "service": "送达：请确认送达方式并签名",
    "done": "办理完毕",
}


def marker_style(step: str, current: str | None, done: tuple[str, ...]) -> str:
    """The step marker's look: done (green), current (blue), to come (grey)."""
    style = "border:1px solid #cfd8dc; border-radius:3px; padding:2px 8px;"
    if step in done:
        return style + "background:#e6f4ea; color:#1b5e20;"
    if step == current:
        return style + "background:#1565c0; color:white; font-weight:bold;"
    return style + "color:#9e9e9e;"


def service_marker(view: CaseView | None) -> str:
    """The service step's marker says which service happened: 「电子送达」 or 「纸质送达」 once
    it did (paper also when recorded after a hand-over), plain 「送达」 before — the officer
    chooses the road on the service page (consent) or the case goes to the window."""
    if view is not None:
        done = next((s.label for s in view.steps if s.step == "service"), "")
        if done:
            return done
        if view.paper_service:
            return "纸质送达"
    return "送达"


class StartPage(QWidget):
    """``procedure_page_start``: what 开始办理 does, the licence-measure stop, the button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("procedure_page_start")
        layout = QVBoxLayout(self)
        self.info = named(QLabel(self), "procedure_start_info")
        self.info.setWordWrap(True)
        self.measure = named(
            QCheckBox("须暂扣/吊销驾驶证（不能远程办理）", self), "licence_measure"
        )
        self.button = named(QPushButton("开始办理", self), "start_procedure_button")
        self.button.setStyleSheet("font-weight:bold; padding:6px 18px;")
        layout.addWidget(self.info)
        layout.addWidget(self.measure)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)


def decision_text(view: CaseView) -> str:
    ruling = view.step_data.get("ruling", {})
    fine = sum(int(x) for x in ruling.get("fines", {}).values())
    points = sum(int(x) for x in ruling.get("points", {}).values())
    return (
        f"处罚决定书（待签名确认）\n编号：{view.decision_number}\n"
        + "\n".join(
            f"{v.occurred} {v.location} {v.behaviour}（代码{v.code}）" for v in view.violations
        )
        + f"\n决定处以罚款{fine}元，记{points}分。请于送达之日起十五日内缴纳罚款。"
    )


class DonePage(QWidget):
    """``procedure_page_done``: outcome, steps with times and officers, decision, service time."""

    def __init__(self, tz: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("procedure_page_done")
        self.tz = tz
        layout = QVBoxLayout(self)
        self.text = named(QLabel(self), "procedure_done_text")
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.decision_button = named(
            QPushButton("查看/打印处罚决定书", self), "open_served_decision_button"
        )
        self.record = named(QLabel(self), "procedure_case_record")
        self.record.setWordWrap(True)
        self.record.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        layout.addWidget(self.decision_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.record)
        layout.addStretch(1)

    def show_case(self, view: CaseView) -> None:
        tz = self.tz
        lines = [f"<b>{view.status_label}</b>"]
        if view.stop_text:
            lines.append(f"<span style='color:#b71c1c'>停止远程办理：{view.stop_text}</span>")
            lines.append("处理结果：转窗口办理，请告知当事人携带身份证、驾驶证到大队窗口办理。")
        if view.decision_number:
            lines.append(f"处罚决定书编号：{view.decision_number}")
        for s in view.steps:
            when = local_text(s.completed_at, tz, "%m-%d %H:%M:%S")
            lines.append(f"✔ {s.label} · {when} · {s.officer}")
        service = view.step_data.get("service", {})
        if service.get("sent_at"):
            sent = datetime.fromisoformat(service["sent_at"])
            lines.append(f"短信发送成功时间（送达时间，缴款期限自此起算）：{local_text(sent, tz)}")
        road = view.handover.get("decision")
        if road == "carried":
            lines.append(f"处罚决定书 {view.decision_number} 随案移交窗口，由窗口纸质送达。")
        elif road == "voided":
            lines.append(f"处罚决定书 {view.decision_number} 已作废（编号保留，理由已记录）。")
        paper = view.paper_service
        if paper:
            lines.append(
                f"纸质送达：{paper.get('method_label', '')} · {paper.get('served_on', '')} · "
                f"受送达人 {paper.get('recipient', '')}"
            )
        elif view.status == PAPER_PENDING or road == "carried":
            lines.append("待纸质送达：请打印处罚决定书送达，并在下方记录送达情况（送达回证）。")
        self.text.setText("<br>".join(lines))
        self.record.clear()
        self.decision_button.setVisible(bool(view.decision_number) and not view.is_open)

    def show_record(self, record: CaseRecord) -> None:
        """Evidence with hashes, and when the citizen first downloaded the decision."""
        lines = []
        if record.delivered_at is not None:
            lines.append(f"当事人首次下载决定书：{local_text(record.delivered_at, self.tz)}")
        elif record.sent_at is not None:
            lines.append("当事人尚未下载决定书")
        lines.append("证据（SHA-256）：")
        for item in record.evidence:
            when = local_text(item.created_at, self.tz, "%m-%d %H:%M:%S")
            lines.append(f"· {item.label} #{item.evidence_id} · {when} · {item.sha256[:16]}…")
        self.record.setText("<br>".join(lines))
