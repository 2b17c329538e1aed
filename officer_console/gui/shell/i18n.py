"""Qt translations: English source strings, Simplified Chinese by default.

The language is ``zh_CN`` unless ``OFFICER_CONSOLE_LANGUAGE`` says otherwise (``en`` shows
the source strings); Qt's own ``qtbase`` catalogue translates standard buttons.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from officer_console.paths import resource

log = logging.getLogger("officer_console.gui.shell.i18n")

DEFAULT_LANGUAGE = "zh_CN"
CATALOGUE = "officer_console"
_installed: list[QTranslator] = []


def current_language() -> str:
    return os.environ.get("OFFICER_CONSOLE_LANGUAGE", "").strip() or DEFAULT_LANGUAGE


def install_translators(app: QCoreApplication, language: str | None = None) -> list[QTranslator]:
    """Install our catalogue and Qt's for ``language``, replacing earlier ones (idempotent)."""
    language = language or current_language()
    for old in _installed:
        app.removeTranslator(old)
    _installed.clear()
    if language.lower().startswith("en"):
        return []
    ours = QTranslator(app)
    if ours.load(f"{CATALOGUE}_{language}", str(resource("translations"))):
        app.installTranslator(ours)
        _installed.append(ours)
    else:
        log.warning("no translation catalogue for %s; showing English", language)
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{language}", qt_dir):
        app.installTranslator(qt)
        _installed.append(qt)
    return list(_installed)
