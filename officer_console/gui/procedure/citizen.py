"""What the wizard needs from the video call: send to the citizen's page, receive the
signature image, and take a snapshot of the incoming video (the ID card held to the camera).

:class:`CallChannel` adapts a running :class:`~officer_console.video.session.CallSession`;
tests and the bench give the panel any object with the same three members.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage

from officer_console.video.session import CallSession

__all__ = ["CallChannel", "CitizenChannel", "png_bytes", "signature_png"]

log = logging.getLogger("officer_console.gui.procedure")
SignatureHandler = Callable[[bytes], None]


class CitizenChannel(Protocol):
    on_signature: SignatureHandler | None
    on_rejoin: Callable[[], None] | None  # the citizen's page (re)connected: re-sync it

    def send(self, message: dict[str, Any]) -> None: ...

    def snapshot(self) -> bytes | None: ...


def png_bytes(image: QImage) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")  # type: ignore[call-overload]  # the stubs say bytes, PySide wants str
    return bytes(buf.data().data())


def signature_png(data_url: object) -> bytes | None:
    """The PNG inside a ``data:image/png;base64,…`` URL, or None when it is not one."""
    if not isinstance(data_url, str) or not data_url.startswith("data:image/png;base64,"):
        return None
    try:
        raw = base64.b64decode(data_url.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if raw.startswith(b"\x89PNG\r\n\x1a\n") else None


class CallChannel:
    """The wizard's view of one call; messages go out on the running loop."""

    def __init__(self, session: CallSession) -> None:
        self.session = session
        self.on_signature: SignatureHandler | None = None
        self.on_rejoin: Callable[[], None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        session.message_received.connect(self._on_message)

    def close(self) -> None:
        self.session.message_received.disconnect(self._on_message)

    def send(self, message: dict[str, Any]) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("no running loop: message %s not sent", message.get("type"))
            return
        task = loop.create_task(self._send(message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            await self.session.send(message)
        except Exception:  # a dropped citizen: the page re-syncs on re-join
            log.warning("could not send %s to the citizen", message.get("type"), exc_info=True)

    def snapshot(self) -> bytes | None:
        frame = self.session.remote_video.image
        return None if frame is None else png_bytes(frame.image)

    def _on_message(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "peer_joined" and message.get("role") == "citizen" and self.on_rejoin:
            self.on_rejoin()  # a fresh page knows nothing yet: stage and notice again
            return
        if kind != "signature" or self.on_signature is None:
            return
        png = signature_png(message.get("png"))
        if png is not None:
            self.on_signature(png)
