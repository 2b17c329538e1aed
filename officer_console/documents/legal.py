"""Versioned legal wording (resources/legal/*.toml), chosen by the document's date.

The wording is data so that a change in the law is a new file with an effective date, and a
document re-rendered later prints what was in force when it was issued.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from officer_console.paths import resource

__all__ = ["LegalText", "legal_text", "load_versions"]


@dataclass(frozen=True)
class LegalText:
    version: str
    effective_from: date
    sections: dict[str, dict[str, str]]
    source: Path

    def get(self, section: str, key: str, **fields: Any) -> str:
        """The sentence ``section.key`` with its ``{placeholders}`` filled in."""
        try:
            template = self.sections[section][key]
        except KeyError:
            raise KeyError(f"legal text {section}.{key} missing in {self.source.name}") from None
        return template.format(**fields) if fields else template


def _load(path: Path) -> LegalText:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    meta = document.pop("meta")
    effective = meta["effective_from"]
    if not isinstance(effective, date):
        raise ValueError(f"{path.name}: meta.effective_from must be a TOML date")
    sections = {
        name: {str(k): str(v) for k, v in table.items()} for name, table in document.items()
    }
    return LegalText(str(meta["version"]), effective, sections, path)


@functools.cache
def load_versions(directory: Path | None = None) -> tuple[LegalText, ...]:
    """Every wording version, oldest first."""
    folder = directory or resource("legal")
    versions = sorted(
        (_load(p) for p in folder.glob("*.toml")), key=lambda text: text.effective_from
    )
    if not versions:
        raise FileNotFoundError(f"no legal wording files in {folder}")
    return tuple(versions)


def legal_text(on: date, directory: Path | None = None) -> LegalText:
    """The wording in force on ``on`` (the newest version effective on or before it)."""
    versions = load_versions(directory)
    chosen = versions[0]
    for version in versions:
        if version.effective_from <= on:
            chosen = version
    return chosen
