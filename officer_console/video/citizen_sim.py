"""A synthetic citizen: an aiortc peer that joins like the citizen page does.

Tests, benches and the demo use it to exercise the console end to end without a phone: it
offers (after ICE gathering, as the browser page does), answers nothing, and counts what it
receives from the officer — draining every track, as any aiortc consumer must.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCIceTransportPolicy,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame

from officer_console.video import recovery
from officer_console.video.session import ice_server
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
        rejoin_after: float | None = None,
        ice_servers: Sequence[str] = (),
        relay_only: bool = False,
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
        self.rejoin_after = rejoin_after  # seconds without video → negotiate afresh (ICE restart)
        self.rejoins = 0
        self.ice_servers = list(ice_servers)  # as OFFICER_CONSOLE_ICE_SERVERS spells them
        self.relay_only = relay_only  # as a phone whose network allows nothing but TURN
        self._last_video = 0.0

    async def join(self) -> None:
        """Open a peer connection, send the offer, and wait for the console's answer."""
        policy = RTCIceTransportPolicy.RELAY if self.relay_only else RTCIceTransportPolicy.ALL
        servers = [ice_server(url) for url in self.ice_servers]
        self.pc = pc = RTCPeerConnection(
            RTCConfiguration(iceServers=servers, iceTransportPolicy=policy)
        )
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
        recovery.install(pc)
        if not any(t.get_name() == "citizen-signaling" for t in self._tasks):
            self._spawn(self._signaling_loop(), "citizen-signaling")
        if self.rejoin_after and not any(t.get_name() == "citizen-watch" for t in self._tasks):
            self._spawn(self._watch(self.rejoin_after), "citizen-watch")
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
                if track.kind == "video":
                    self._last_video = time.monotonic()
                if self.audio_received is not None and isinstance(frame, AudioFrame):
                    samples = frame.to_ndarray().reshape(-1, len(frame.layout.channels))
                    self.audio_received.append(samples[:, 0].copy())

    async def _watch(self, after: float) -> None:
        """As the citizen page does: a connection silent for ``after`` s is renegotiated
        (a new peer connection: fresh ICE credentials and candidates, same room, no new code)."""
        self._last_video = time.monotonic()
        while True:
            await asyncio.sleep(0.25)
            if self.pc is not None and time.monotonic() - self._last_video > after:
                log.info("no video for %.1f s: renegotiating", after)
                self.rejoins += 1
                self._last_video = time.monotonic()
                with contextlib.suppress(Exception):
                    await self.drop()
                try:
                    await self.join()
                except Exception:
                    log.warning("rejoin failed", exc_info=True)

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
