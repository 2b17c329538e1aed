"""The wizard's one seam to document generation: :class:`DocumentMaker`.

The statutory renderers and signing live in ``officer_console.documents`` (a separate piece
of work); the composition root plugs them in here. Until then :class:`PlaceholderDocuments`
renders a minimal, clearly labelled draft PDF (ReportLab, embedded WenQuanYi Zen Hei) that
carries the key facts, so the procedure can be walked end to end and served.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path
from typing import Protocol

from officer_console.store.procedure_cases import CaseView

__all__ = ["FONT_PATH", "DocumentMaker", "PlaceholderDocuments"]

FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
_FONT = "WQYZenHei"
_font_lock = threading.Lock()


class DocumentMaker(Protocol):
    """Renders the case's documents as PDF bytes (called off the GUI thread)."""

    def render_inquiry(self, view: CaseView) -> bytes: ...

    def render_notice(self, view: CaseView) -> bytes: ...

    def render_decision(
        self, view: CaseView, *, signature_png: bytes | None, refused: bool
    ) -> bytes: ...

    def render_service_confirm(self, view: CaseView, *, signature_png: bytes | None) -> bytes: ...


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _font_lock:
        if _FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(_FONT, str(FONT_PATH), subfontIndex=0))


class PlaceholderDocuments:
    """占位实现: a one-page draft per document with the key facts — NOT the statutory layout."""

    LABEL = "【占位文书 · 非正式版式】"

    def warm_up(self) -> None:
        """Register the font ahead of the first document (≈0.1–0.5 s once per process)."""
        _register_font()

    def _pdf(self, title: str, lines: list[str], signature_png: bytes | None = None) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.utils import ImageReader
        from reportlab.pdfgen import canvas

        _register_font()
        buf = io.BytesIO()
        pdf = canvas.Canvas(buf, pagesize=A4, invariant=1)
        pdf.setTitle(title)
        width, height = A4
        pdf.setFont(_FONT, 9)
        pdf.drawString(40, height - 30, self.LABEL)
        pdf.setFont(_FONT, 16)
        pdf.drawCentredString(width / 2, height - 60, title)
        pdf.setFont(_FONT, 10.5)
        y = height - 95
        for line in lines:
            for start in range(0, max(len(line), 1), 44):
                pdf.drawString(48, y, line[start : start + 44])
                y -= 17
                if y < 120:
                    pdf.showPage()
                    pdf.setFont(_FONT, 10.5)
                    y = height - 60
        if signature_png is not None:
            pdf.drawString(48, 100, "当事人签名：")
            pdf.drawImage(ImageReader(io.BytesIO(signature_png)), 130, 70, 160, 60, mask="auto")
        pdf.showPage()
        pdf.save()
        return buf.getvalue()

    @staticmethod
    def _facts(view: CaseView) -> list[str]:
        lines = [f"当事人：{view.party_masked}    车牌：{view.plate}    {view.kind.label}"]
        for v in view.violations:
            lines.append(
                f"{v.occurred}，{v.location}，{v.behaviour}（代码{v.code}），"
                f"罚款{v.fine}元，记{v.points}分；依据{v.penalty_basis}"
            )
        return lines

    def render_inquiry(self, view: CaseView) -> bytes:
        qa = view.step_data.get("inquiry", {}).get("qa", [])
        lines = self._facts(view) + [f"问：{q}  答：{a}" for q, a in qa]
        return self._pdf("询问笔录", [*lines, "以上笔录已阅，与所述一致。"])

    def render_notice(self, view: CaseView) -> bytes:
        notice = view.step_data.get("notice", {})
        said = notice.get("statement") or ("当事人放弃陈述、申辩" if notice.get("waived") else "")
        return self._pdf("行政处罚告知笔录", [*view.notice.splitlines(), f"当事人意见：{said}"])

    def render_decision(
        self, view: CaseView, *, signature_png: bytes | None, refused: bool
    ) -> bytes:
        ruling = view.step_data.get("ruling", {})
        fine = sum(int(x) for x in ruling.get("fines", {}).values())
        points = sum(int(x) for x in ruling.get("points", {}).values())
        title = (
            "公安交通管理简易程序处罚决定书"
            if view.kind.value == "simple"
            else "公安交通管理行政处罚决定书"
        )
        lines = [
            f"编号：{view.decision_number or '（裁决后生成）'}",
            *self._facts(view),
            f"决定处以罚款{fine}元，记{points}分。",
            "持本决定书在十五日内缴纳罚款。逾期不缴纳的，每日按罚款数额的百分之三加处罚款。",
            "如不服本决定，可以在收到本决定书之日起六十日内申请行政复议；或者在六个月内提起行政诉讼。",
        ]
        if refused:
            lines.append("当事人拒绝签名。")
        return self._pdf(title, lines, None if refused else signature_png)

    def render_service_confirm(self, view: CaseView, *, signature_png: bytes | None) -> bytes:
        lines = [
            f"受送达人：{view.party_masked}",
            f"文书：处罚决定书（编号{view.decision_number}）",
            f"送达方式：短信链接（绑定手机 {view.phone_masked}）",
            "本人同意以电子方式送达，并确认上述送达地址。",
        ]
        return self._pdf("送达地址确认书", lines, signature_png)
