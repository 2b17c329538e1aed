"""The officer's local camera and microphone: source choice, mute / camera-off, relaying.

Mute and camera-off blank the frames instead of removing the tracks, so no renegotiation is
needed and the recording shows exactly what the citizen received. One ``MediaRelay`` feeds every
consumer (each peer connection's sender, the self-view, the recorder): a track read by two
consumers would split its frames between them (FACTS.md).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiortc.contrib.media import MediaPlayer, MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from av import AudioFrame, VideoFrame

from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack

log = logging.getLogger("officer_console.video")


class MediaDeviceError(Exception):
    """A configured camera or microphone cannot be opened; the message is for the officer."""


@dataclass(frozen=True)
class MediaConfig:
    """Which devices to use; empty names mean the synthetic source (headless, demo, tests)."""

    camera: str = ""
    camera_format: str = ""
    microphone: str = ""
    microphone_format: str = ""
    width: int = 640
    height: int = 480
    fps: int = 30
    tone_hz: float = 440.0
    label: str = "OFFICER"


def _default_camera_format() -> str:
    if sys.platform.startswith("win"):
        return "dshow"
    if sys.platform == "darwin":
        return "avfoundation"
    return "v4l2"


def _default_microphone_format() -> str:
    if sys.platform.startswith("win"):
        return "dshow"
    if sys.platform == "darwin":
        return "avfoundation"
    return "pulse"


class GatedTrack(MediaStreamTrack):
    """Passes the source through, or blanks it (black picture / silence) keeping its clock."""

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.enabled = True
        self._black: VideoFrame | None = None

    async def recv(self) -> Any:
        frame = await self.source.recv()
        if self.enabled:
            return frame
        if isinstance(frame, VideoFrame):
            return self._blank_video(frame)
        if isinstance(frame, AudioFrame):
            return _silence_like(frame)
        return frame

    def _blank_video(self, frame: VideoFrame) -> VideoFrame:
        black = self._black
        if black is None or (black.width, black.height) != (frame.width, frame.height):
            w, h = frame.width - frame.width % 2, frame.height - frame.height % 2
            buf = np.full((h * 3 // 2, w), 128, dtype=np.uint8)
            buf[:h] = 16
            self._black = black = VideoFrame.from_ndarray(buf, format="yuv420p")
        out = VideoFrame.from_ndarray(black.to_ndarray(), format="yuv420p")
        out.pts, out.time_base = frame.pts, frame.time_base
        return out

    def stop(self) -> None:
        super().stop()
        self.source.stop()


def _silence_like(frame: AudioFrame) -> AudioFrame:
    out = AudioFrame(format=frame.format.name, layout=frame.layout.name, samples=frame.samples)
    for plane in out.planes:
        plane.update(bytes(plane.buffer_size))
    out.sample_rate, out.pts, out.time_base = frame.sample_rate, frame.pts, frame.time_base
    return out


class LocalMedia:
    """Owns the officer's sources for the whole call, across re-joined peer connections."""

    def __init__(self, config: MediaConfig | None = None) -> None:
        self.config = config or MediaConfig()
        self._players: list[MediaPlayer] = []
        self.video = GatedTrack(self._open_video())
        self.audio = GatedTrack(self._open_audio())
        self.relay = MediaRelay()
        self._proxies: list[MediaStreamTrack] = []

    def _open_video(self) -> MediaStreamTrack:
        c = self.config
        if not c.camera:
            return SyntheticVideoTrack(c.width, c.height, c.fps, label=c.label)
        options = {"video_size": f"{c.width}x{c.height}", "framerate": str(c.fps)}
        return self._player(c.camera, c.camera_format or _default_camera_format(), options, "video")

    def _open_audio(self) -> MediaStreamTrack:
        c = self.config
        if not c.microphone:
            return ToneAudioTrack(c.tone_hz, amplitude=0.1 if c.tone_hz else 0.0)
        fmt = c.microphone_format or _default_microphone_format()
        return self._player(c.microphone, fmt, {}, "audio")

    def _player(self, name: str, fmt: str, options: dict[str, str], kind: str) -> MediaStreamTrack:
        try:
            player = MediaPlayer(name, format=fmt, options=options)
        except Exception as exc:  # av raises several error types for missing devices
            what = "摄像头" if kind == "video" else "麦克风"
            raise MediaDeviceError(f"无法打开{what} {name}（{fmt}）: {exc}") from exc
        track = player.video if kind == "video" else player.audio
        if track is None:
            raise MediaDeviceError(f"设备 {name} 没有{'视频' if kind == 'video' else '音频'}")
        self._players.append(player)
        return track

    @property
    def muted(self) -> bool:
        return not self.audio.enabled

    @property
    def camera_off(self) -> bool:
        return not self.video.enabled

    def set_muted(self, muted: bool) -> None:
        self.audio.enabled = not muted

    def set_camera_off(self, off: bool) -> None:
        self.video.enabled = not off

    def subscribe(self, kind: str, *, buffered: bool = True) -> MediaStreamTrack:
        """A new consumer of the (gated) local track; unbuffered = latest frame only."""
        source = self.video if kind == "video" else self.audio
        proxy = self.relay.subscribe(source, buffered=buffered)
        self._proxies.append(proxy)
        return proxy

    def stop(self) -> None:
        """Idempotent: ends every consumer, the gated tracks and the devices."""
        for proxy in self._proxies:
            proxy.stop()
        self._proxies.clear()
        self.video.stop()
        self.audio.stop()
        self._players.clear()
