"""Build resources/fonts/wqy-zenhei-docs.ttf, the CJK font the statutory documents embed.

Source: WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``, face 0 of ``wqy-zenhei.ttc``), GPL v2
with the font embedding exception (see resources/fonts/README.md). Kept: Latin, punctuation,
CJK symbols, full-width forms and all CJK Unified Ideographs U+4E00–U+9FFF (names need rare
characters); dropped: bitmap strikes, hinting, glyph names and the Mono/Sharp faces. The result
is a plain TrueType (glyf) font that ReportLab embeds as a subset. Run once when upgrading the
font: ``.venv/bin/python scripts/build_font.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
TARGET = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "wqy-zenhei-docs.ttf"
RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 (×, ·, §)
    (0x2010, 0x206F),  # general punctuation (—, …, ‰, “”)
    (0x2100, 0x218F),  # letterlike, number forms (℃, Ⅰ)
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers ①
    (0x2500, 0x25FF),  # box drawing, geometric shapes (□ ■ ○ ●)
    (0x2600, 0x26FF),  # misc symbols (★ ☆ ☑)
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3200, 0x33FF),  # enclosed CJK, CJK compatibility (㎡)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFF00, 0xFFEF),  # full-width forms
)


def main() -> int:
    font = TTCollection(str(SOURCE)).fonts[0]
    options = subset.Options()
    options.hinting = False
    options.glyph_names = False
    options.layout_features = []
    options.drop_tables += ["BDF ", "FFTM", "EBDT", "EBLC", "EBSC", "vhea", "vmtx", "GPOS", "GSUB"]
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    unicodes = [cp for low, high in RANGES for cp in range(low, high + 1)]
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    print(f"{TARGET}: {TARGET.stat().st_size} bytes, {len(font.getBestCmap())} characters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
