"""CallChannel: the wizard's messages reach the citizen's end of the signaling channel, the
signature image comes back decoded (anything else is ignored), the snapshot is a real PNG of
the latest incoming frame. The call's media is not needed for this, so a small stand-in holds
the session's real parts (listeners, latest-frame slot, loopback signaling)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import numpy as np
from av import VideoFrame
from PySide6.QtGui import QImage

from officer_console.gui.procedure.citizen import CallChannel, signature_png
from officer_console.video.frames import LatestFrame
from officer_console.video.session import Listeners
from officer_console.video.signaling import LoopbackSignaling
from tests.support.procedure_world import png


class _Session:
    def __init__(self, signaling: LoopbackSignaling) -> None:
        self.signaling = signaling
        self.message_received: Listeners[dict[str, Any]] = Listeners()
        self.remote_video = LatestFrame()

    async def send(self, message: dict[str, Any]) -> None:
        await self.signaling.send(message)


def test_channel_sends_receives_and_snapshots(qapp: Any) -> None:
    async def scenario() -> None:
        console, citizen = LoopbackSignaling.pair()
        session = _Session(console)
        channel = CallChannel(session)  # type: ignore[arg-type]
        got: list[bytes] = []
        channel.on_signature = got.append
        channel.send({"type": "stage", "step": "notice", "title": "告知"})
        assert await asyncio.wait_for(citizen.receive(), 5) == {
            "type": "stage",
            "step": "notice",
            "title": "告知",
        }
        image = png(30, 10)
        url = "data:image/png;base64," + base64.b64encode(image).decode()
        session.message_received.emit({"type": "signature", "png": url})
        session.message_received.emit({"type": "signature", "png": "data:image/png;base64,@@"})
        session.message_received.emit({"type": "signature", "png": "data:image/png;base64,AAAA"})
        session.message_received.emit({"type": "peer_left", "role": "citizen"})
        assert got == [image]
        assert channel.snapshot() is None  # no incoming frame yet
        rgb = np.zeros((48, 64, 3), dtype=np.uint8)
        rgb[:, :, 0] = 200
        session.remote_video.offer(VideoFrame.from_ndarray(rgb, format="rgb24"))
        for _ in range(200):
            if session.remote_video.image is not None:
                break
            await asyncio.sleep(0.01)
        shot = channel.snapshot()
        assert shot is not None and shot.startswith(b"\x89PNG")
        decoded = QImage.fromData(shot)
        assert (decoded.width(), decoded.height()) == (64, 48)
        channel.close()
        session.remote_video.close()

    asyncio.run(scenario())


def test_signature_png_rejects_non_images() -> None:
    assert signature_png(None) is None
    assert signature_png("data:image/jpeg;base64,AAAA") is None
    assert signature_png("data:image/png;base64," + base64.b64encode(b"GIF89a").decode()) is None
