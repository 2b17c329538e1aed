"""Logging for the console: a rotating file in ``<data_dir>/logs``, PII masked, JSON optional.

Masking happens in a handler-level filter so that records from every logger are cleaned
before any handler formats them; the formatters mask once more because exception texts and
tracebacks are only rendered at format time.
"""

from __future__ import annotations

import faulthandler
import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

from officer_console.domain.masking import mask_text
from officer_console.evidence_store.redaction import CredentialFilter

LOG_FILE = "officer-console.log"
FAULT_FILE = "faults.log"
_MARK = "_officer_console_handler"
PRINTED = "oc_printed"  # ``extra={PRINTED: True}``: already shown on the terminal
_fault_streams: list[IO[str]] = []  # kept open for faulthandler, one per process


class MaskingFilter(logging.Filter):
    """Runs every message through ``mask_text`` (ID and phone numbers never reach a log)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        return True


class NotPrintedFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, PRINTED, False)


class MaskingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask_text(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return mask_text(json.dumps(entry, ensure_ascii=False))


def _qt_message(mode: QtMsgType, _context: QMessageLogContext, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.INFO,  # mostly platform-plugin noise; kept in the file
    }.get(mode, logging.ERROR)
    logging.getLogger("qt").log(level, "%s", message)


def route_qt_messages() -> None:
    """Qt's own warnings go to our log (masked) instead of raw to the terminal."""
    qInstallMessageHandler(_qt_message)


def log_path(data_dir: Path) -> Path:
    return data_dir / "logs" / LOG_FILE


def setup_logging(
    data_dir: Path,
    *,
    json_format: bool = False,
    level: int = logging.INFO,
    stderr_level: int = logging.WARNING,
    fault_log: bool = True,
) -> Path:
    """Install our handlers on the root logger (replacing earlier ones); returns the log path."""
    path = log_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(old)
        old.close()
    text_format = "%(asctime)s %(levelname)s %(name)s: %(message)s"
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2 * 1024 * 1024, backupCount=5, encoding="utf-8"
    )
    file_handler.setFormatter(JsonFormatter() if json_format else MaskingFormatter(text_format))
    stderr_handler = logging.StreamHandler(sys.stderr)
    stderr_handler.setLevel(stderr_level)
    stderr_handler.addFilter(NotPrintedFilter())
    stderr_handler.setFormatter(MaskingFormatter("officer-console: %(levelname)s %(message)s"))
    for handler in (file_handler, stderr_handler):
        handler.addFilter(CredentialFilter())  # S3 keys and signatures (botocore at DEBUG)
        handler.addFilter(MaskingFilter())
        setattr(handler, _MARK, True)
        root.addHandler(handler)
    root.setLevel(level)
    # A hard crash (segfault in Qt) leaves a Python stack here instead of vanishing.
    if fault_log and not _fault_streams:
        _fault_streams.append((path.parent / FAULT_FILE).open("a", encoding="utf-8"))
        faulthandler.enable(_fault_streams[0])
    return path
