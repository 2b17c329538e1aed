"""A CJK-capable application font, checked at start-up.

Without one, every Chinese string renders as boxes — so the hint is printed (and shown) in
English as well, since Chinese text is exactly what cannot be displayed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

log = logging.getLogger("officer_console.gui.shell.fonts")

PREFERRED_FAMILIES = (
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "PingFang SC",
    "SimHei",
    "SimSun",
)
FONT_HINT = (
    "No Chinese font is installed, so Chinese text shows as boxes. "
    "Install one, e.g. `sudo apt install fonts-wqy-zenhei` (安装 fonts-wqy-zenhei)."
)


@dataclass(frozen=True)
class FontCheck:
    family: str | None

    @property
    def ok(self) -> bool:
        return self.family is not None

    @property
    def hint(self) -> str:
        return "" if self.ok else FONT_HINT


def pick_family(families: Iterable[str], chinese_capable: Iterable[str] = ()) -> str | None:
    """The first preferred family present, else any family that supports Chinese."""
    available = {f.casefold(): f for f in families}
    for wanted in PREFERRED_FAMILIES:
        if wanted.casefold() in available:
            return available[wanted.casefold()]
    return next(iter(chinese_capable), None)


def check_cjk_font() -> FontCheck:
    families = QFontDatabase.families()
    chinese = QFontDatabase.families(QFontDatabase.WritingSystem.SimplifiedChinese)
    return FontCheck(pick_family(families, chinese))


def apply_cjk_font(app: QApplication) -> FontCheck:
    """Set the application font to a CJK family; log and return the hint when there is none."""
    result = check_cjk_font()
    if result.family is None:
        log.warning("no CJK font found")
        return result
    font = QFont(app.font())
    font.setFamilies([result.family])
    app.setFont(font)
    return result
