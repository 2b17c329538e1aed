"""A synthetic citizen: an aiortc peer that joins like the citizen page does.

Tests, benches and the demo use it to exercise the console end to end without a phone: it
offers (after ICE gathering, as the browser page does), answers nothing, and counts what it
receives from the officer — draining every track, as any aiortc consumer must.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from officer_console.video.signaling import SignalingChannel
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack

log = logging.getLogger("officer_console.video.citizen_sim")


class SyntheticCitizen:
    """One join = one peer connection; ``rejoin`` after a drop makes a new one."""

    def __init__(
        self,
        signaling: SignalingChannel,
        *,
        width: int = 640,
        height: int = 480,
        fps: int = 30,
        capture_log: dict[int, float] | None = None,
        video_codec: str | None = None,
        tone_hz: float = 330.0,
        keep_audio: bool = False,
    ) -> None:
        self.signaling = signaling
        self.width, self.height, self.fps = width, height, fps
        self.capture_log = capture_log
        self.video_codec = video_codec
        self.tone_hz = tone_hz
        self.audio_received: list[Any] | None = [] if keep_audio else None  # mono s16 arrays
        self.pc: RTCPeerConnection | None = None
        self.video: SyntheticVideoTrack | None = None
        self.received = {"video": 0, "audio": 0}
        self.last: dict[str, Any] = {}  # the latest frame of each kind, for checks
        self.messages: list[dict[str, Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._answered = asyncio.Event()

    async def join(self) -> None:
        """Open a peer connection, send the offer, and wait for the console's answer."""
        self.pc = pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.video = SyntheticVideoTrack(
            self.width, self.height, self.fps, label="当事人", capture_log=self.capture_log
        )
        pc.addTrack(ToneAudioTrack(self.tone_hz))
        sender = pc.addTrack(self.video)
        if self.video_codec:
            self._prefer(sender, self.video_codec)
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        self._answered.clear()
        if not any(t.get_name() == "citizen-signaling" for t in self._tasks):
            self._spawn(self._signaling_loop(), "citizen-signaling")
        await self.signaling.send({"type": "offer", "sdp": pc.localDescription.sdp})
        await asyncio.wait_for(self._answered.wait(), 15)

    def _prefer(self, sender: Any, codec: str) -> None:
        from aiortc import RTCRtpSender

        assert self.pc is not None
        caps = RTCRtpSender.getCapabilities("video")
        chosen = [c for c in caps.codecs if c.mimeType.lower() == f"video/{codec.lower()}"]
        for transceiver in self.pc.getTransceivers():
            if transceiver.sender is sender:
                transceiver.setCodecPreferences(chosen)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self._spawn(self._drain(track), f"citizen-{track.kind}")

    async def _drain(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = self.last[track.kind] = await track.recv()
                self.received[track.kind] += 1
                if self.audio_received is not None and isinstance(frame, AudioFrame):
                    samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
                    self.audio_received.append(samples[:, 0].copy())

    async def _signaling_loop(self) -> None:
        while True:
            message = await self.signaling.receive()
            if message is None:
                return
            if message.get("type") == "answer" and self.pc is not None:
                answer = RTCSessionDescription(sdp=message["sdp"], type="answer")
                await self.pc.setRemoteDescription(answer)
                self._answered.set()
            else:
                self.messages.append(message)

    async def drop(self) -> None:
        """Vanish without a goodbye (as a phone losing its network would)."""
        pc, self.pc = self.pc, None
        if pc is not None:
            await asyncio.wait_for(pc.close(), 5)

    async def leave(self) -> None:
        with contextlib.suppress(Exception):
            await self.signaling.send({"type": "bye"})
        await self.close()

    async def close(self) -> None:
        await self.drop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await self.signaling.close()

    def _spawn(self, coro: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
