"""「当事人已在等候」: the citizen entered the waiting room before the officer's 开始视频.

Two sources (docs/gateway.md, *Waiting room*): before the call, while the live case is 联系中
for its assigned officer, a read-only op reads :func:`officer_console.store.gateway.rooms.waiting_since`
every few seconds (the relay keeps it, nothing stamps a change for it); once the console
connects, the gateway's ``{"type":"waiting","since":…}`` message. The label shows the waiting
time ticking and a short chime plays once per arrival; it goes when the call connects, the
citizen leaves or the case changes.
"""

from __future__ import annotations

import logging
import math
import struct
import tempfile
import wave
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from officer_console.gui.common.services import Services
from officer_console.store.gateway import rooms

__all__ = ["WaitingIndicator", "play_chime"]

log = logging.getLogger("officer_console.gui.call.waiting_room")
POLL_MS = 3000
STYLE = "background:#fff3e0; color:#e65100; font-weight:bold; padding:4px 8px;"
_EFFECT: dict[str, Any] = {}  # one QSoundEffect for the process (loaded once)


def _chime_file() -> Path:
    """A 0.3 s two-tone chime as WAV (written once; QSoundEffect plays files, not bytes)."""
    path = Path(tempfile.gettempdir()) / "officer_console_waiting_chime.wav"
    if not path.exists():
        rate = 22050
        samples = []
        for i in range(int(0.3 * rate)):
            freq = 880 if i < 0.15 * rate else 1175
            fade = min(1.0, (0.3 * rate - i) / (0.05 * rate))
            samples.append(int(9000 * fade * math.sin(2 * math.pi * freq * i / rate)))
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def play_chime() -> None:
    """A short sound on the default output; the system beep where there is no audio output."""
    from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

    if QMediaDevices.defaultAudioOutput().isNull():
        QApplication.beep()
        return
    effect = _EFFECT.get("chime")
    if effect is None:
        effect = _EFFECT["chime"] = QSoundEffect()
        effect.setSource(QUrl.fromLocalFile(str(_chime_file())))
        effect.setVolume(0.6)
    effect.play()


def parse_since(value: object) -> datetime | None:
    """The ``since`` of a gateway ``waiting`` message (ISO-8601), None when unusable."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class WaitingIndicator(QLabel):
    """objectName ``citizen_waiting_label``; hidden while nobody waits."""

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("citizen_waiting_label")
        self.setStyleSheet(STYLE)
        self.services = services
        self.appointment_id: int | None = None
        self.since: datetime | None = None
        self.chime: Callable[[], None] = play_chime
        self._chimed: tuple[int, datetime] | None = None
        self._busy = False
        self._generation = 0
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self._render)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.poll)
        self.hide()

    # --- sources -------------------------------------------------------------------------
    def watch(self, appointment_id: int | None) -> None:
        """Poll the waiting room of this appointment (None: stop; the label goes)."""
        if appointment_id == self.appointment_id and self._poll.isActive():
            return
        if appointment_id != self.appointment_id:
            self.set_since(None)
        self._generation += 1
        self.appointment_id = appointment_id
        if appointment_id is None:
            self._poll.stop()
            return
        self._poll.start()
        self.poll()

    def stop_watching(self) -> None:
        """The call started (the session's messages take over) or the case left 联系中."""
        self._generation += 1
        self._poll.stop()

    def poll(self) -> None:
        appointment_id = self.appointment_id
        if appointment_id is None or self._busy:
            return
        self._busy = True
        generation, now = self._generation, self.services.clock()

        def done(since: datetime | None) -> None:
            self._busy = False
            if generation == self._generation:
                self.set_since(since)

        def failed(_error: BaseException) -> None:
            self._busy = False  # a transient read error: the next poll tries again

        self.services.runner.run(
            lambda s: rooms.waiting_since(s, appointment_id, now), done, failed, write=False
        )

    def on_message(self, message: dict[str, Any]) -> None:
        """The call session's messages: ``waiting`` shows the label; ``peer_left`` hides it."""
        kind = message.get("type")
        if kind == "waiting":
            self.set_since(parse_since(message.get("since")))
        elif kind == "peer_left" and message.get("role") == "citizen":
            self.set_since(None)

    # --- showing -------------------------------------------------------------------------
    def set_since(self, since: datetime | None) -> None:
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)  # SQLite returns naive UTC
        self.since = since
        if since is None:
            self._tick.stop()
            self.clear()
            self.hide()
            return
        key = (self.appointment_id or 0, since)
        if self._chimed != key:
            self._chimed = key
            try:
                self.chime()
            except Exception:  # no sound must never break the console
                log.warning("could not play the waiting chime", exc_info=True)
        self._render()
        self._tick.start()
        self.show()

    def _render(self) -> None:
        if self.since is None:
            return
        seconds = max(0, int((self.services.clock() - self.since).total_seconds()))
        minutes, sec = divmod(seconds, 60)
        self.setText(f"当事人已在等候 {minutes:02d}:{sec:02d} · 点击“开始视频”立即接通")
