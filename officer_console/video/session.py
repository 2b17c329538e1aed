"""One call with a citizen: aiortc peer connections on the running (qasync) loop.

The citizen offers and the console answers; every new offer (a re-join after a drop) gets a
fresh ``RTCPeerConnection`` while the officer's media, the views and the evidence recording go
on. Every received track is consumed through its own ``MediaRelay`` subscription (display and
recorder would otherwise split its frames), nothing awaits ``recv()`` inside the ``track``
handler, and shutdown always runs recorder → signaling → ``pc.close()`` with a timeout
(without ``close()`` aiortc's decoder thread keeps the process alive — docs/pitfalls.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame, VideoFrame

from officer_console.video import encoder, recovery
from officer_console.video.frames import LatestFrame
from officer_console.video.media import LocalMedia
from officer_console.video.recorder import EvidenceRecorder, RecordingResult
from officer_console.video.signaling import Message, SignalingChannel
from officer_console.video.stats import CallStats, StatsTracker

log = logging.getLogger("officer_console.video")
T = TypeVar("T")
encoder.install()  # VP8 follows REMB without a keyframe at every 10 % step (video/encoder.py)


class CallState(StrEnum):
    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILED = "failed"  # the citizen dropped; a re-join opens a new peer connection
    CLOSED = "closed"


class Listeners(Generic[T]):
    """Plain callbacks (the session is not a QObject; it runs on the loop = the GUI thread)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[T], None]) -> None:
        with contextlib.suppress(ValueError):
            self._callbacks.remove(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            try:
                callback(value)
            except Exception:  # one broken listener must not stop the call
                log.exception("call listener failed")


def ice_server(url: str) -> RTCIceServer:
    """``stun:host:port`` or ``turn:user:secret@host:port?transport=udp`` → RTCIceServer."""
    parts = urlsplit(url)
    if parts.scheme not in {"stun", "stuns", "turn", "turns"}:
        raise ValueError(f"不支持的 ICE 服务器地址: {url}")
    rest = url.split(":", 1)[1].lstrip("/")
    if "@" in rest:
        credentials, rest = rest.rsplit("@", 1)
        user, _, secret = credentials.partition(":")
        return RTCIceServer(f"{parts.scheme}:{rest}", username=user, credential=secret)
    return RTCIceServer(f"{parts.scheme}:{rest}")


@dataclass(eq=False)
class _PeerLink:
    """One peer connection with its relay and its consumer tasks."""

    pc: RTCPeerConnection
    relay: MediaRelay = field(default_factory=MediaRelay)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)


class CallSession:
    """Answers the citizen's offers and keeps the call's media, views and recording going."""

    def __init__(
        self,
        signaling: SignalingChannel,
        media: LocalMedia | None = None,
        *,
        ice_servers: Sequence[str] = (),
        recorder: EvidenceRecorder | None = None,
        stats_interval: float = 1.0,
        stall_timeout: float = 4.0,
        close_timeout: float = 5.0,
    ) -> None:
        self.signaling = signaling
        self.media = media or LocalMedia()
        self.recorder = recorder
        self.ice_servers = [ice_server(u) for u in ice_servers]  # explicit: [] means none
        self.stats_interval = stats_interval
        self.stall_timeout = stall_timeout
        self.close_timeout = close_timeout
        self.state = CallState.IDLE
        self.history: list[CallState] = [CallState.IDLE]
        self.state_changed: Listeners[CallState] = Listeners()
        self.stats_updated: Listeners[CallStats] = Listeners()
        self.message_received: Listeners[Message] = Listeners()
        self.recording_closed: Listeners[RecordingResult] = Listeners()
        self.remote_video = LatestFrame()
        self.local_video = LatestFrame()
        self.audio_sink: Callable[[AudioFrame], None] | None = None
        self.stats = CallStats()
        self.link: _PeerLink | None = None
        self.peers_opened = 0
        self.connected_at: float | None = None
        self.recording: RecordingResult | None = None
        self._tracker = StatsTracker()
        self.recovery: list[recovery.KeyframeJitterBuffer] = []
        self._last_media = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._drops: set[asyncio.Task[Any]] = set()  # awaited at close, never cancelled
        self._closing = False
        self._closed = asyncio.Event()

    # --- public ---------------------------------------------------------------------------
    @property
    def recording_active(self) -> bool:
        return self.recorder is not None and self.recorder.running

    @property
    def pc(self) -> RTCPeerConnection | None:
        return self.link.pc if self.link is not None else None

    def call_seconds(self) -> float:
        return time.monotonic() - self.connected_at if self.connected_at else 0.0

    def set_muted(self, muted: bool) -> None:
        self.media.set_muted(muted)

    def set_camera_off(self, off: bool) -> None:
        self.media.set_camera_off(off)

    async def start(self) -> None:
        """Wait for the citizen's offer; the officer's self-view runs from now on."""
        self._set_state(CallState.CONNECTING)
        self._spawn(self._signaling_loop(), self._tasks)
        self._spawn(self._consume_local_view(), self._tasks)
        if self.recorder is not None:
            for kind in ("video", "audio"):
                self._spawn(self._record(self.media.subscribe(kind), "officer"), self._tasks)
        self._spawn(self._stats_loop(), self._tasks)

    async def send(self, message: Message) -> None:
        await self.signaling.send(message)

    async def close(self) -> None:
        """Idempotent: recorder → signaling → peer connection, each bounded, in that order."""
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        try:
            if self.recorder is not None and self.recorder.running:
                self.recording = await asyncio.to_thread(self.recorder.stop)
                self.recording_closed.emit(self.recording)
        except Exception:
            log.exception("recording could not be closed cleanly")
        finally:
            try:
                with contextlib.suppress(Exception):
                    bye = {"type": "bye", "reason": "hangup"}
                    await asyncio.wait_for(self.signaling.send(bye), 2)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.signaling.close(), 2)
            finally:
                await self._drop_peer(self.link)
                await self._cancel(self._tasks)
                await asyncio.gather(*self._drops, return_exceptions=True)
                self.media.stop()
                self.remote_video.close()
                self.local_video.close()
                await asyncio.sleep(0.05)  # let relay readers see their sources end
                self._set_state(CallState.CLOSED)
                self._closed.set()

    # --- signaling ------------------------------------------------------------------------
    async def _signaling_loop(self) -> None:
        while True:
            message = await self.signaling.receive()
            if message is None:
                log.info("signaling channel closed")
                return
            kind = message.get("type")
            try:
                if kind == "offer":
                    await self._accept_offer(str(message["sdp"]))
                elif kind == "candidate":
                    await self._add_candidate(message.get("candidate"))
                elif kind == "bye":
                    self._peer_lost("bye")
                elif kind == "peer_left" and message.get("role") == "citizen":
                    # The page's socket went away; trust it only if the media stopped too.
                    if time.monotonic() - self._last_media > 1.0:
                        self._peer_lost("peer_left")
                    self.message_received.emit(message)
                else:
                    self.message_received.emit(message)
            except Exception:
                log.exception("signaling message %r failed", kind)

    async def _accept_offer(self, sdp: str) -> None:
        await self._drop_peer(self.link)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=list(self.ice_servers)))
        link = self.link = _PeerLink(pc)
        self.peers_opened += 1
        self._tracker.reset_peer()
        pc.on("connectionstatechange", lambda: self._on_pc_state(link))
        pc.on("track", lambda track: self._on_track(link, track))
        self._set_state(CallState.CONNECTING)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self.recovery = recovery.install(pc)  # keyframe at once when a frame is lost
        for kind in ("audio", "video"):
            pc.addTrack(self.media.subscribe(kind))
        await pc.setLocalDescription(await pc.createAnswer())
        await self.signaling.send({"type": "answer", "sdp": pc.localDescription.sdp})

    async def _add_candidate(self, data: Any) -> None:
        if self.pc is None or not isinstance(data, dict) or not data.get("candidate"):
            return  # end-of-candidates, or nothing to add to
        text = str(data["candidate"]).removeprefix("candidate:")
        candidate = candidate_from_sdp(text)
        candidate.sdpMid = data.get("sdpMid")
        candidate.sdpMLineIndex = data.get("sdpMLineIndex")
        await self.pc.addIceCandidate(candidate)

    # --- peer connection ------------------------------------------------------------------
    def _on_pc_state(self, link: _PeerLink) -> None:
        if link is not self.link or self._closing:
            return
        state = link.pc.connectionState
        if state == "connected":
            self._connected()
        elif state in {"failed", "closed"}:
            self._peer_lost(state)

    def _connected(self) -> None:
        if self.connected_at is None:
            self.connected_at = time.monotonic()
        self._last_media = time.monotonic()
        if self.recorder is not None:
            self.recorder.end_gap("citizen")
        self._set_state(CallState.CONNECTED)

    def _peer_lost(self, reason: str, *, drop: bool = True) -> None:
        if self._closing or self.state in {CallState.FAILED, CallState.CLOSED}:
            return
        log.info("citizen connection lost: %s", reason)
        if self.recorder is not None:
            self.recorder.mark_gap("citizen", reason)
        self.remote_video.clear()
        self._set_state(CallState.FAILED)
        if drop:
            self._spawn(self._drop_peer(self.link), self._drops)

    def _on_track(self, link: _PeerLink, track: MediaStreamTrack) -> None:
        if link is not self.link:
            return
        relay = link.relay
        if track.kind == "video":
            view = self._consume_remote_view(relay.subscribe(track, buffered=False))
            self._spawn(view, link.tasks)
        else:
            self._spawn(self._consume_remote_audio(relay.subscribe(track)), link.tasks)
        if self.recorder is not None:
            self._spawn(self._record(relay.subscribe(track), "citizen"), link.tasks)

    async def _drop_peer(self, link: _PeerLink | None) -> None:
        """Close one peer connection (only that one: a re-join may already have replaced it)."""
        if link is None:
            return
        if self.link is link:
            self.link = None
        await self._cancel(link.tasks)
        try:
            await asyncio.wait_for(link.pc.close(), self.close_timeout)
        except TimeoutError:
            log.error("peer connection did not close within %.0f s", self.close_timeout)

    # --- consumers ------------------------------------------------------------------------
    async def _consume_remote_view(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self._media_arrived()
                if isinstance(frame, VideoFrame):
                    self._tracker.count_video(frame.width, frame.height)
                    if self.state is not CallState.FAILED:  # a dropped peer's last frames
                        self.remote_video.offer(frame)

    async def _consume_remote_audio(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                self._media_arrived()
                self._tracker.audio_frames += 1
                if isinstance(frame, AudioFrame):
                    self.media.play(frame)
                    if self.audio_sink is not None:
                        self.audio_sink(frame)

    async def _consume_local_view(self) -> None:
        track = self.media.subscribe("video", buffered=False)
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame):
                    self.local_video.offer(frame)

    async def _record(self, track: MediaStreamTrack, side: str) -> None:
        recorder = self.recorder
        assert recorder is not None
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, VideoFrame | AudioFrame):
                    recorder.push(side, frame)

    def _media_arrived(self) -> None:
        self._last_media = time.monotonic()
        pc = self.pc
        if self.state == CallState.FAILED and pc is not None and pc.connectionState == "connected":
            self._connected()  # a stall that healed by itself

    async def _stats_loop(self) -> None:
        while True:
            await asyncio.sleep(self.stats_interval)
            pc = self.pc
            report = None
            if pc is not None and self.state == CallState.CONNECTED:
                try:
                    report = await pc.getStats()
                except Exception:
                    log.debug("getStats failed", exc_info=True)
                if time.monotonic() - self._last_media > self.stall_timeout:
                    self._peer_lost("stalled", drop=False)
            self.stats = self._tracker.sample(report)
            self.stats_updated.emit(self.stats)

    # --- helpers --------------------------------------------------------------------------
    def _set_state(self, state: CallState) -> None:
        if state == self.state:
            return
        self.state = state
        self.history.append(state)
        self.state_changed.emit(state)

    def _spawn(self, coro: Coroutine[Any, Any, Any], tasks: set[asyncio.Task[Any]]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        task.add_done_callback(_log_failure)

    @staticmethod
    async def _cancel(tasks: set[asyncio.Task[Any]]) -> None:
        current = asyncio.current_task()
        pending = [t for t in tasks if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("call task failed", exc_info=task.exception())
