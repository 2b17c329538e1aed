"""The unit's electronic seal (电子印章) drawn as vectors — red ring, five-pointed star, the
unit name along the upper arc — or the PNG IT configures (``Unit.seal_image``).

The drawn seal is a picture of the seal, not its legal force: that is the PAdES signature
applied after rendering (see :mod:`officer_console.documents.signing`).
"""

from __future__ import annotations

import math

from reportlab.lib.colors import Color
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from officer_console.documents.fonts import FONT, check_text

__all__ = ["SEAL_RED", "draw_seal"]

SEAL_RED = Color(0.85, 0.05, 0.08)


def _star(canvas: Canvas, cx: float, cy: float, r: float) -> None:
    path = canvas.beginPath()
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.382
        angle = math.pi / 2 + i * math.pi / 5
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if i == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)


def draw_seal(
    canvas: Canvas,
    cx: float,
    cy: float,
    radius: float,
    text: str,
    *,
    image: ImageReader | None = None,
    caption: str = "",
) -> None:
    """Draw the seal centred on (cx, cy)."""
    if image is not None:
        canvas.drawImage(image, cx - radius, cy - radius, 2 * radius, 2 * radius, mask="auto")
        return
    check_text("seal_text", text + caption)
    canvas.saveState()
    canvas.setStrokeColor(SEAL_RED)
    canvas.setFillColor(SEAL_RED)
    canvas.setLineWidth(radius * 0.06)
    canvas.circle(cx, cy, radius - radius * 0.03, stroke=1, fill=0)
    _star(canvas, cx, cy, radius * 0.32)
    # Characters along the upper arc, from lower left over the top to lower right; long unit
    # names get condensed glyphs, as on a real seal.
    n = max(len(text), 1)
    span = math.radians(min(260.0, 24.0 * n))
    start = math.pi / 2 + span / 2
    size = radius * 0.25
    arc_r = radius * 0.8 - size / 2
    squeeze = min(1.0, span * arc_r / n * 0.9 / size)
    canvas.setFont(FONT, size)
    for i, ch in enumerate(text):
        angle = start - (span * (i + 0.5) / n)
        x, y = cx + arc_r * math.cos(angle), cy + arc_r * math.sin(angle)
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(math.degrees(angle) - 90)
        canvas.scale(squeeze, 1)
        canvas.drawCentredString(0, -size / 2.8, ch)
        canvas.restoreState()
    if caption:
        canvas.setFont(FONT, radius * 0.16)
        canvas.drawCentredString(cx, cy - radius * 0.58, caption)
    canvas.restoreState()
