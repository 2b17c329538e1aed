"""The console's heartbeat on the room of its live call (store/procedure/presence.py).

While the panel has a call channel (a call is attached) it records every
``presence.BEAT_SECONDS`` on the op runner that this console is alive; the store's presence
rule needs a beat no older than ``presence.FRESH``. A console killed by -9 stops beating, so
its room — still open, the citizen still marked connected by a single gateway instance — stops
counting as "the citizen is on video" within seconds, and no other workstation can complete a
step with the citizen on it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from officer_console.gui.common.services import Services
from officer_console.gui.procedure.citizen import CitizenChannel
from officer_console.store.procedure import presence
from officer_console.video.session import CallState

__all__ = ["ConsoleHeartbeat"]

log = logging.getLogger("officer_console.gui.procedure")


class ConsoleHeartbeat(QObject):
    """``follow(channel)`` on every attach/detach; ``appointment`` is read at each beat."""

    def __init__(
        self, services: Services, appointment: Callable[[], int | None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.appointment = appointment
        self.channel: CitizenChannel | None = None
        self.beats = 0  # beats sent (tests, diagnostics)
        self._timer = QTimer(self, interval=presence.BEAT_SECONDS * 1000)
        self._timer.timeout.connect(self.beat)

    def follow(self, channel: CitizenChannel | None) -> None:
        self.channel = channel
        if channel is None:
            self._timer.stop()
            return
        self._timer.start()
        self.beat()

    def stop(self) -> None:
        self.follow(None)

    def beat(self) -> None:
        appointment_id, channel = self.appointment(), self.channel
        if appointment_id is None or channel is None:
            return
        session = getattr(channel, "session", None)  # a CallChannel: the running CallSession
        if session is not None and session.state == CallState.CLOSED:
            self._timer.stop()  # the call ended: nothing to vouch for any more
            return
        room = getattr(getattr(session, "signaling", None), "room_id", None)
        self.beats += 1
        self.services.runner.run(
            lambda s: presence.console_beat(s, room, appointment_id),
            None,
            lambda e: log.warning("console heartbeat not recorded: %s", e),
        )
