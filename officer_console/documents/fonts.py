"""The one CJK font every document embeds (resources/fonts/wqy-zenhei-docs.ttf).

A TrueType (glyf) font shipped with the project, so every workstation renders the same bytes;
ReportLab embeds only the glyphs used. Text outside the font would print the ``.notdef``
box (and break PDF/A), so :func:`check_text` refuses it with a message naming the character.
"""

from __future__ import annotations

import threading

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from officer_console.domain.errors import ValidationError
from officer_console.paths import resource

__all__ = ["FONT", "check_text", "ensure_font", "font_path"]

FONT = "WQYZenHeiDocs"
# Binary (Flate only) streams instead of ASCII85 on top: smaller and faster documents.
rl_config.useA85 = 0
_lock = threading.Lock()
_covered: set[int] = set()  # filled once by ensure_font


def font_path() -> str:
    return str(resource("fonts", "wqy-zenhei-docs.ttf"))


def ensure_font() -> str:
    """Register the font once per process (about 0.1 s) and return its ReportLab name."""
    if _covered:
        return FONT
    with _lock:
        if not _covered:
            font = TTFont(FONT, font_path())
            pdfmetrics.registerFont(font)
            _covered.update(font.face.charToGlyph)
    return FONT


def check_text(field: str, text: str) -> str:
    """``text`` unchanged, or a ValidationError naming the first character the font lacks."""
    ensure_font()
    for ch in text:
        if ch in "\n\t":
            continue
        if ord(ch) not in _covered:
            raise ValidationError(
                field,
                f"文书字体不支持字符“{ch}”（U+{ord(ch):04X}），请改用规范汉字或联系管理员",
                code="unsupported_character",
            )
    return text
