"""Drawing primitives shared by the forms: header, field table, wrapped Chinese paragraphs,
signature slots, QR code. A :class:`Sheet` keeps the y cursor and starts a new page when the
text runs out of room, so long Q&A or several violations never overflow.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from reportlab.graphics.barcode import qrencoder
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from officer_console.documents.fonts import FONT, check_text, ensure_font
from officer_console.documents.model import SignatureSlot

__all__ = ["BLACK", "GREY", "Sheet", "local_date", "local_time"]

PAGE_W, PAGE_H = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 22 * mm
FOOTER_Y = 12 * mm
BLACK = Color(0, 0, 0)
GREY = Color(0.35, 0.35, 0.35)
LINE = Color(0.2, 0.2, 0.2)
# Characters that may not start a line (Chinese line-breaking rule, 避头尾).
_NO_START = set("，。、；：？！）》」』”’%…·,.;:?!)]")


def local_date(value: datetime, tz: str) -> date:
    return value.astimezone(ZoneInfo(tz)).date()


def local_time(value: datetime, tz: str, *, minutes: bool = True) -> str:
    """``2026年12月05日10时30分`` in the unit's time zone (the form's own notation)."""
    local = value.astimezone(ZoneInfo(tz))
    text = f"{local.year}年{local.month:02d}月{local.day:02d}日"
    return text + f"{local.hour:02d}时{local.minute:02d}分" if minutes else text


@functools.cache
def _em(ch: str) -> float:
    """Advance width of one character at size 1 (wrapping measures every character)."""
    return float(stringWidth(ch, FONT, 1))


def wrap(text: str, size: float, width: float) -> list[str]:
    """Break Chinese/mixed text by character into lines of at most ``width`` points."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for ch in paragraph:
            w = _em(ch) * size
            if used + w > width and line:
                if ch in _NO_START:  # pull the previous character down with it
                    line, carry = line[:-1], line[-1]
                    lines.append(line)
                    line, used = carry + ch, (_em(carry) + _em(ch)) * size
                    continue
                lines.append(line)
                line, used = "", 0.0
            line += ch
            used += w
        lines.append(line)
    return lines


@dataclass
class Sheet:
    """One document being drawn: canvas, cursor and page furniture."""

    canvas: Canvas
    footer: str = ""
    y: float = PAGE_H - MARGIN_TOP
    page: int = 1

    @classmethod
    def create(cls, buffer: io.BytesIO, title: str, subject: str, footer: str = "") -> Sheet:
        ensure_font()
        canvas = Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1, initialFontName=FONT)
        canvas.setTitle(title)
        canvas.setSubject(subject)
        canvas.setAuthor("Officer Console")
        canvas.setCreator("Officer Console")
        canvas.setProducer("Officer Console (ReportLab)")
        return cls(canvas, footer)

    # --- page handling --------------------------------------------------------------------

    @property
    def left(self) -> float:
        return MARGIN_X

    @property
    def width(self) -> float:
        return PAGE_W - 2 * MARGIN_X

    def need(self, height: float) -> None:
        if self.y - height < MARGIN_BOTTOM:
            self.new_page()

    def new_page(self) -> None:
        self._footer()
        self.canvas.showPage()
        self.page += 1
        self.y = PAGE_H - MARGIN_TOP

    def finish(self) -> None:
        self._footer()
        self.canvas.save()

    def _footer(self) -> None:
        c = self.canvas
        c.setFillColor(GREY)
        c.setFont(FONT, 8)
        if self.footer:
            c.drawString(MARGIN_X, FOOTER_Y, self.footer)
        c.drawRightString(PAGE_W - MARGIN_X, FOOTER_Y, f"第{self.page}页")
        c.setFillColor(BLACK)

    # --- text ------------------------------------------------------------------------------

    def text(self, x: float, y: float, value: str, size: float = 11, *, bold: bool = False) -> None:
        c = self.canvas
        check_text("text", value)
        c.setFont(FONT, size)
        if bold:  # faux bold: fill and stroke the glyph outlines (the font has no bold face)
            c.setLineWidth(size / 40)
            text = c.beginText(x, y)
            text.setFont(FONT, size)
            text.setTextRenderMode(2)
            text.textOut(value)
            text.setTextRenderMode(0)  # Tr is graphics state: it would outlive BT/ET
            c.drawText(text)
            c.setLineWidth(1)
        else:
            c.drawString(x, y, value)

    def centered(self, value: str, size: float, *, bold: bool = False, gap: float = 6) -> None:
        width = stringWidth(value, FONT, size)
        self.need(size + gap)
        self.y -= size
        self.text((PAGE_W - width) / 2, self.y, value, size, bold=bold)
        self.y -= gap

    def paragraph(
        self,
        value: str,
        size: float = 11,
        *,
        indent: float = 2,
        leading: float = 1.45,
        x: float | None = None,
        width: float | None = None,
        gap: float = 2,
    ) -> None:
        """A paragraph with a first-line indent of ``indent`` characters (公文 style)."""
        left = self.left if x is None else x
        avail = self.width if width is None else width
        check_text("paragraph", value)
        lines = wrap("\u3000" * int(indent) + value, size, avail)
        for line in lines:
            self.need(size * leading)
            self.y -= size * leading
            self.text(left, self.y + (leading - 1) * size / 2, line, size)
        self.y -= gap

    def labelled(self, label: str, value: str, size: float = 11) -> None:
        """``label：value`` with the value wrapped under itself."""
        label_w = stringWidth(label + "：", FONT, size)
        lines = wrap(value or "—", size, self.width - label_w)
        for i, line in enumerate(lines):
            self.need(size * 1.6)
            self.y -= size * 1.6
            if i == 0:
                self.text(self.left, self.y, label + "：", size, bold=True)
            self.text(self.left + label_w, self.y, line, size)
        self.y -= 2

    # --- field table ---------------------------------------------------------------------

    def field_table(
        self,
        rows: Sequence[Sequence[tuple[str, str]]],
        *,
        size: float = 10,
        label_w: float = 27 * mm,
    ) -> None:
        """Bordered two- or four-column table: each row is (label, value) pairs."""
        c = self.canvas
        c.setStrokeColor(LINE)
        c.setLineWidth(0.6)
        for row in rows:
            cells = len(row)
            cell_w = self.width / cells
            value_w = cell_w - label_w - 4
            wrapped = [wrap(value or "—", size, value_w) for _, value in row]
            height = max(len(lines) for lines in wrapped) * size * 1.35 + 7
            self.need(height)
            top = self.y
            for i, ((label, _), lines) in enumerate(zip(row, wrapped, strict=True)):
                x = self.left + i * cell_w
                c.setFillColor(Color(0.94, 0.94, 0.94))
                c.rect(x, top - height, label_w, height, stroke=1, fill=1)
                c.setFillColor(BLACK)
                c.rect(x + label_w, top - height, cell_w - label_w, height, stroke=1, fill=0)
                label_size = size * 0.95
                label_lines = wrap(label, label_size, label_w - 4)
                ly = top - (height - len(label_lines) * size * 1.35) / 2 - size
                for line in label_lines:
                    self.text(x + 3, ly + 1, line, label_size)
                    ly -= size * 1.35
                vy = top - (height - len(lines) * size * 1.35) / 2 - size
                for line in lines:
                    self.text(x + label_w + 3, vy + 1, line, size)
                    vy -= size * 1.35
            self.y = top - height
        self.y -= 8

    def rule(self, gap: float = 6) -> None:
        self.y -= gap / 2
        self.canvas.setStrokeColor(LINE)
        self.canvas.setLineWidth(0.8)
        self.canvas.line(self.left, self.y, self.left + self.width, self.y)
        self.y -= gap / 2

    # --- signatures, QR ------------------------------------------------------------------

    def signature(
        self, x: float, y: float, label: str, slot: SignatureSlot, *, refusal: str, tz: str
    ) -> None:
        """``label`` then the signature image, or the refusal note in its place (never blank)."""
        c = self.canvas
        self.text(x, y, label, 11)
        sx = x + stringWidth(label, FONT, 11) + 4
        if slot.pending:
            self.text(sx, y, "（草稿：待当事人签名）", 11, bold=True)
        elif slot.refused or slot.image_png is None:
            self.text(sx, y, f"（{refusal}）", 11, bold=True)
        else:
            image = ImageReader(io.BytesIO(slot.image_png))
            iw, ih = image.getSize()
            h = 14 * mm
            w = min(45 * mm, h * iw / max(ih, 1))
            c.drawImage(image, sx, y - 4 * mm, w, w * ih / max(iw, 1), mask="auto")
        if slot.signed_at is not None:
            self.text(x, y - 16, local_time(slot.signed_at, tz), 9)

    def qr(self, url: str, x: float, y: float, size: float, caption: str = "") -> None:
        """QR code drawn as one filled path (renderPDF would pull in unembedded Helvetica).

        A fixed mask pattern (any of the eight is valid) skips the encoder's mask search,
        which is most of its time; runs of dark modules become one rectangle each.
        """
        code = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
        code.addData(url)
        code.version = code.calculate_version()
        code.makeImpl(False, 0)
        count = code.getModuleCount()
        quiet = 2
        cell = size / (count + 2 * quiet)
        c = self.canvas
        path = c.beginPath()
        for row in range(count):
            col = 0
            while col < count:
                if not code.isDark(row, col):
                    col += 1
                    continue
                start = col
                while col < count and code.isDark(row, col):
                    col += 1
                path.rect(
                    x + (start + quiet) * cell,
                    y + size - (row + quiet + 1) * cell,
                    (col - start) * cell,
                    cell,
                )
        c.setFillColor(BLACK)
        c.drawPath(path, stroke=0, fill=1)
        if caption:
            cw = stringWidth(caption, FONT, 7)
            c.setFillColor(GREY)
            self.text(x + (size - cw) / 2, y - 7, caption, 7)
            c.setFillColor(BLACK)
