"""The record of the step just done, shown and signed before the next step (issue 20).

After 询问 the 询问笔录, after 告知 the 告知笔录 (with the officer's review of the statement):
the page shows the record's text — the same text goes to the citizen's phone as the read-along
— and the panel asks the citizen for a signature on it as the page opens (once per case and
record in a panel, never from a read-only view; 「重新请求签名」 asks again). The officer looks at
the signature and 「签名清晰，采用并完成」 both adopts it and completes the page; a refusal on
camera is ticked and saved with 「完成签名」. Both run ``store.procedure.records.sign_record``,
which makes, signs and stores that record with that signature only (the citizen on video).
The panel shows this page whenever the saved case has a step done whose record is not signed
yet (:func:`pending_record`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QLabel, QPlainTextEdit, QWidget

from officer_console.gui.common.widgets import named
from officer_console.gui.procedure.pages import HINT, SignatureBox, StepPage
from officer_console.store.procedure.records import RECORD_TITLES
from officer_console.store.procedure.view import CaseView

__all__ = ["RecordPage", "citizen_messages", "pending_record", "record_text"]

_AFTER = {"notice": "inquiry", "ruling": "notice"}  # next step → the record still to sign


def pending_record(view: CaseView | None) -> str | None:
    """The step whose record must be signed before the case goes on (None: nothing pending)."""
    if view is None or not view.is_open or view.next_step is None:
        return None
    step = _AFTER.get(view.next_step.value)
    return step if step is not None and step not in view.records else None


def record_text(view: CaseView, step: str) -> str:
    """What the party reads before signing: the record's substance, as saved."""
    data: dict[str, Any] = view.step_data.get(step, {})
    lines = [RECORD_TITLES[step], ""]
    if step == "inquiry":
        for q, a in data.get("qa", []):
            lines += [f"问：{q}", f"答：{a}"]
        if data.get("refused"):
            lines.append("（当事人拒绝回答，记录在案）")
        admitted = data.get("admissions", {})
        for v in view.violations:
            said = "承认" if admitted.get(str(v.violation_id)) else "不承认"
            lines.append(f"违法代码{v.code}：当事人{said}违法事实")
    else:
        lines.append(str(data.get("text") or view.notice))
        lines.append("")
        if data.get("waived"):
            lines.append("当事人陈述、申辩：放弃陈述和申辩")
        else:
            lines.append(f"当事人陈述、申辩：{data.get('statement') or '无'}")
        lines.append(f"复核意见：{data.get('review_note') or '—'}")
    return "\n".join(lines)


def citizen_messages(view: CaseView, step: str) -> list[dict[str, Any]]:
    """Stage and read-along text of the record (the relay caps the text at 8,000 characters)."""
    title = f"{RECORD_TITLES[step]}：请核对笔录内容，无误后签名"
    return [
        {"type": "stage", "step": step, "title": title},
        {"type": "notice", "text": record_text(view, step)[:8000]},
    ]


class RecordPage(StepPage):
    """``procedure_page_record``: the pending record, its signature or the refusal."""

    step = "record"
    button_text = "完成签名"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record_step = ""
        self.title = named(QLabel(self), "record_title")
        self.title.setStyleSheet("font-weight:bold;")
        self.body.addWidget(self.title)
        hint = QLabel(
            "笔录已同步显示在当事人手机上并已请其签名；签名清晰后点“采用并完成”：",
            self,
        )
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT)
        self.body.addWidget(hint)
        self.text = named(QPlainTextEdit(self), "record_text")
        self.text.setReadOnly(True)
        self.body.addWidget(self.text, 1)
        self.signature = SignatureBox("record_", self, completes="完成")
        self.body.addWidget(self.signature)
        self.refused = named(QCheckBox("当事人拒绝签名（在笔录上注明）", self), "record_refused")
        self.body.addWidget(self.refused)
        # an adopted signature is the answer: a refusal ticked before it no longer stands
        self.signature.adopted.connect(lambda: self.refused.setChecked(False))
        self.finish_layout()

    def load(self, view: CaseView) -> None:
        step = pending_record(view) or ""
        if step != self.record_step:  # a new record: nothing of the previous one stays
            self.signature.reset()
            self.refused.setChecked(False)
        self.record_step = step
        if step:
            self.title.setText(f"请当事人签名确认{RECORD_TITLES[step]}")
            self.text.setPlainText(record_text(view, step))

    def prompt(self) -> str:
        """The signature request's prompt on the citizen's phone."""
        title = RECORD_TITLES.get(self.record_step, "笔录")
        return f"请核对上方{title}内容，无误后在下方框内签名"

    def document(self) -> dict[str, str]:
        """The record shown above the citizen's signature pad (``title``, ``document``)."""
        if not self.record_step:
            return {}
        title = RECORD_TITLES[self.record_step]
        body = self.text.toPlainText().removeprefix(title).lstrip("\n")  # the title goes apart
        return {"title": title, "document": body[:8000]}

    def values(self) -> dict[str, Any]:
        """``sign_record``'s keywords; ValueError (Chinese) when neither is given."""
        refused = self.refused.isChecked()
        png = None if refused else self.signature.accepted
        if png is None and not refused:
            raise ValueError("请先采用当事人在笔录上的签名，或注明当事人拒绝签名")
        return {"step": self.record_step, "signature_png": png, "refused": refused}
