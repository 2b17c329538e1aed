"""Poppler/qpdf/zbar command-line helpers for the document tests (Debian packages)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: run scripts/setup.sh (Debian packages)", pytrace=False)
    return path


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "doc.pdf") -> str:
    """Text in content-stream order with all blanks removed (wrapped lines rejoin)."""
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(
        [need("pdftotext"), "-raw", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return re.sub(r"\s+", "", out)


def pdffonts(pdf: bytes, tmp_path: Path) -> list[list[str]]:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [need("pdffonts"), str(path)], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def qpdf_check(pdf: bytes, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [need("qpdf"), "--check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def qr_codes(pdf: bytes, tmp_path: Path) -> list[str]:
    """Render page 1 at 200 dpi and decode every QR code on it."""
    path = tmp_path / "qr.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        [
            need("pdftoppm"),
            "-png",
            "-r",
            "200",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(tmp_path / "qr"),
        ],
        check=True,
        timeout=60,
    )
    image = next(tmp_path.glob("qr-*.png"))
    out = subprocess.run(
        [need("zbarimg"), "-q", "--raw", str(image)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    return [line for line in out.splitlines() if line]
