"""Where shipped resources live: the repository, an installed prefix, or a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    candidates = [
        Path(getattr(sys, "_MEIPASS", "")) / "resources" if hasattr(sys, "_MEIPASS") else None,
        Path(__file__).resolve().parent.parent / "resources",
        Path(sys.prefix) / "share" / "officer-console" / "resources",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    raise FileNotFoundError("resources directory not found (broken installation)")


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
