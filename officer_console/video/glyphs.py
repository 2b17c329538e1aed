"""Tiny numpy drawing helpers: a 5x7 digit font and a frame-number barcode.

They burn timestamps into the synthetic camera and the evidence recording without Qt (the
recorder runs in a worker thread and in a bare subprocess in tests), and let benches find out
which captured frame a painted image shows, whatever the codec did to its timestamps.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

_FONT = {
    "0": ("01110", "10001", "10011", "10101", "11001", "10001", "01110"),
    "1": ("00100", "01100", "00100", "00100", "00100", "00100", "01110"),
    "2": ("01110", "10001", "00001", "00010", "00100", "01000", "11111"),
    "3": ("11110", "00001", "00001", "01110", "00001", "00001", "11110"),
    "4": ("00010", "00110", "01010", "10010", "11111", "00010", "00010"),
    "5": ("11111", "10000", "11110", "00001", "00001", "10001", "01110"),
    "6": ("00110", "01000", "10000", "11110", "10001", "10001", "01110"),
    "7": ("11111", "00001", "00010", "00100", "01000", "01000", "01000"),
    "8": ("01110", "10001", "10001", "01110", "10001", "10001", "01110"),
    "9": ("01110", "10001", "10001", "01111", "00001", "00010", "01100"),
    ":": ("00000", "01100", "01100", "00000", "01100", "01100", "00000"),
    "-": ("00000", "00000", "00000", "11111", "00000", "00000", "00000"),
    ".": ("00000", "00000", "00000", "00000", "00000", "01100", "01100"),
    "/": ("00001", "00010", "00010", "00100", "01000", "01000", "10000"),
    " ": ("00000",) * 7,
    "+": ("00000", "00100", "00100", "11111", "00100", "00100", "00000"),
    "#": ("01010", "11111", "01010", "01010", "01010", "11111", "01010"),
    "Z": ("11111", "00001", "00010", "00100", "01000", "10000", "11111"),
    "C": ("01110", "10001", "10000", "10000", "10000", "10001", "01110"),
    "O": ("01110", "10001", "10001", "10001", "10001", "10001", "01110"),
    "P": ("11110", "10001", "10001", "11110", "10000", "10000", "10000"),
    "G": ("01110", "10001", "10000", "10111", "10001", "10001", "01111"),
    "A": ("01110", "10001", "10001", "11111", "10001", "10001", "10001"),
    "I": ("01110", "00100", "00100", "00100", "00100", "00100", "01110"),
    "T": ("11111", "00100", "00100", "00100", "00100", "00100", "00100"),
    "N": ("10001", "11001", "10101", "10011", "10001", "10001", "10001"),
    "E": ("11111", "10000", "10000", "11110", "10000", "10000", "11111"),
    "F": ("11111", "10000", "10000", "11110", "10000", "10000", "10000"),
    "R": ("11110", "10001", "10001", "11110", "10100", "10010", "10001"),
    "L": ("10000", "10000", "10000", "10000", "10000", "10000", "11111"),
    "S": ("01111", "10000", "10000", "01110", "00001", "00001", "11110"),
    "U": ("10001", "10001", "10001", "10001", "10001", "10001", "01110"),
    "D": ("11110", "10001", "10001", "10001", "10001", "10001", "11110"),
    "V": ("10001", "10001", "10001", "10001", "10001", "01010", "00100"),
}

CODE_BITS = 20
CODE_BLOCK = 16


@functools.cache
def glyph(char: str, scale: int) -> NDArray[np.bool_]:
    rows = _FONT.get(char.upper(), _FONT[" "])
    bits = np.array([[c == "1" for c in row] for row in rows], dtype=bool)
    return np.kron(bits, np.ones((scale, scale), dtype=bool)).astype(bool)


def text_size(text: str, scale: int) -> tuple[int, int]:
    """(width, height) in pixels, one pixel column of spacing per glyph column unit."""
    return len(text) * 6 * scale, 7 * scale


def stamp(
    plane: NDArray[np.uint8],
    text: str,
    x: int,
    y: int,
    scale: int = 2,
    *,
    fg: int = 235,
    bg: int | None = 16,
) -> None:
    """Draw ``text`` into a single 8-bit plane (e.g. the Y plane), clipped to the plane."""
    width, height = text_size(text, scale)
    h, w = plane.shape
    if bg is not None:
        plane[
            max(y - scale, 0) : min(y + height + scale, h), max(x - scale, 0) : min(x + width, w)
        ] = bg
    for i, char in enumerate(text):
        gx = x + i * 6 * scale
        g = glyph(char, scale)
        gh, gw = g.shape
        x0, y0, x1, y1 = max(gx, 0), max(y, 0), min(gx + gw, w), min(y + gh, h)
        if x0 >= x1 or y0 >= y1:
            continue
        region = plane[y0:y1, x0:x1]
        region[g[y0 - y : y1 - y, x0 - gx : x1 - gx]] = fg


def stamp_yuv(
    planes: tuple[NDArray[np.uint8], ...], text: str, x: int, y: int, scale: int = 2
) -> None:
    """White-on-black text in a (Y, U, V) 4:2:0 triple: neutral chroma keeps it grey."""
    luma, u, v = planes
    stamp(luma, text, x, y, scale)
    width, height = text_size(text, scale)
    y0, y1 = max(y - scale, 0) // 2, (y + height + scale + 1) // 2
    x0, x1 = max(x - scale, 0) // 2, (x + width + 1) // 2
    u[y0:y1, x0:x1] = 128
    v[y0:y1, x0:x1] = 128


def write_code(plane: NDArray[np.uint8], value: int, y: int = 0) -> None:
    """Burn ``value`` (CODE_BITS bits, MSB first) as black/white blocks into a luma plane."""
    for bit in range(CODE_BITS):
        on = (value >> (CODE_BITS - 1 - bit)) & 1
        x = bit * CODE_BLOCK
        plane[y : y + CODE_BLOCK, x : x + CODE_BLOCK] = 235 if on else 16


def read_code(bgra: NDArray[np.uint8], y: int = 0) -> int:
    """Read the block code back from a decoded BGRA image (robust to lossy coding)."""
    cy = y + CODE_BLOCK // 2
    value = 0
    for bit in range(CODE_BITS):
        cx = bit * CODE_BLOCK + CODE_BLOCK // 2
        green = int(bgra[cy - 2 : cy + 3, cx - 2 : cx + 3, 1].mean())
        value = (value << 1) | (1 if green > 128 else 0)
    return value
