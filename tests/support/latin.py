"""Visible Latin words in a console that speaks Chinese (the all-Chinese walk of the GUI)."""

from __future__ import annotations

import re

# Names and units an officer reads as they are: products, standards, units, key names.
ALLOWED = frozenset(
    {
        "SQLite",
        "PostgreSQL",
        "SQLAlchemy",
        "PAdES",
        "SHA",
        "fps",
        "ms",
        "KB",
        "MB",
        "PDF",
        "Ctrl",
        "Enter",
        "Esc",
        "Shift",
        "Tab",
        "TOTP",
        "URL",
        "SMS",
        "Wi",
        "Fi",
        "ID",
        "IP",
    }
)
# Words of two or more letters; plates (鲁A12345), codes (X-1, outbox-1, 0xA3) and numbers
# never match.
WORD = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z]{2,}(?![A-Za-z0-9_]|-\d)")


# Addresses and paths are data the officer typed or the machine chose (a database URL, the
# config file's location), not console text: tokens with "/" or "@" are skipped.
ADDRESS = re.compile(r"\S*[/@]\S*")


def latin_words(texts: list[str]) -> list[str]:
    """The Latin words in ``texts`` outside the allow-list, each with its text for context."""
    found = []
    for text in texts:
        for word in WORD.findall(ADDRESS.sub(" ", text)):
            if word not in ALLOWED:
                found.append(f"{word!r} in {text[:80]!r}")
    return found
