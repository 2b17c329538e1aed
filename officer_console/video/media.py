"""The officer's local camera, microphone and speaker: device choice, mute / camera-off.

Mute and camera-off blank the frames instead of removing the tracks, so no renegotiation is
needed and the recording shows exactly what the citizen received. One ``MediaRelay`` feeds every
consumer (each peer connection's sender, the self-view, the recorder): a track read by two
consumers would split its frames between them (docs/pitfalls.md). Devices come from QtMultimedia
(:mod:`officer_console.video.devices`); a missing or failing device never ends the call — the
source is swapped for a test card or silence and :attr:`LocalMedia.warnings` says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, VideoFrame

from officer_console.config import Settings
from officer_console.video import devices
from officer_console.video.audio_bridge import MicrophoneTrack, SpeakerOutput
from officer_console.video.camera import CameraTrack
from officer_console.video.compositor import DEFAULT_TIMEZONE
from officer_console.video.devices import SILENT, SYNTHETIC
from officer_console.video.synthetic import SyntheticVideoTrack, ToneAudioTrack

log = logging.getLogger("officer_console.video")


@dataclass(frozen=True)
class MediaConfig:
    """Which devices to use: ids from the settings, ``""`` for the system default, or
    ``synthetic`` (test card, tone) / ``none`` (silent speaker) — the defaults, for headless
    runs and tests."""

    camera: str = SYNTHETIC
    microphone: str = SYNTHETIC
    speaker: str = SILENT
    width: int = 640
    height: int = 480
    fps: int = 30
    tone_hz: float = 440.0
    label: str = "民警"
    timezone: str = DEFAULT_TIMEZONE  # the test card's clock: the squad's local time

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> MediaConfig:
        values: dict[str, Any] = {
            "camera": settings.camera,
            "microphone": settings.microphone,
            "speaker": settings.speaker,
            "timezone": settings.timezone,
        }
        values.update(overrides)
        return cls(**values)


class GatedTrack(MediaStreamTrack):
    """Passes the source through, or blanks it (black picture / silence) keeping its clock.

    The source can be swapped mid-call (a camera that fails → the test card); timestamps are
    rebased so they keep rising across the swap, as the encoder and the recorder expect.
    """

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self.enabled = True
        self._black: VideoFrame | None = None
        self._offset = 0
        self._last_pts: int | None = None
        self._rebase = False

    def replace_source(self, source: MediaStreamTrack) -> None:
        old, self.source = self.source, source
        self._rebase = True
        old.stop()  # a recv() waiting on it raises and retries with the new source

    async def recv(self) -> Any:
        while True:
            source = self.source
            try:
                frame = await source.recv()
            except MediaStreamError:
                if self.source is not source and self.readyState == "live":
                    continue
                raise
            break
        if isinstance(frame, VideoFrame | AudioFrame) and frame.pts is not None:
            self._keep_rising(frame)
        if self.enabled:
            return frame
        if isinstance(frame, VideoFrame):
            return self._blank_video(frame)
        if isinstance(frame, AudioFrame):
            return _silence_like(frame)
        return frame

    def _keep_rising(self, frame: VideoFrame | AudioFrame) -> None:
        pts = int(frame.pts or 0)
        if self._rebase and self._last_pts is not None:
            step = 3000 if isinstance(frame, VideoFrame) else frame.samples
            self._offset = self._last_pts + step - pts
        self._rebase = False
        frame.pts = pts + self._offset
        self._last_pts = frame.pts

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
    """Owns the officer's devices for the whole call, across re-joined peer connections."""

    def __init__(self, config: MediaConfig | None = None) -> None:
        self.config = config or MediaConfig()
        self.warnings: list[str] = []
        self.warning_added: Callable[[str], None] | None = None
        self.camera_name = self.microphone_name = self.speaker_name = ""
        self.video = GatedTrack(self._open_video())
        self.audio = GatedTrack(self._open_audio())
        self.speaker = self._open_speaker()
        self.relay = MediaRelay()
        self._proxies: list[MediaStreamTrack] = []

    def _warn(self, text: str) -> None:
        if not text or text in self.warnings:
            return
        log.warning("media device: %s", text)
        self.warnings.append(text)
        if self.warning_added is not None:
            self.warning_added(text)

    def _test_card(self) -> MediaStreamTrack:
        c = self.config
        label = c.label if c.camera == SYNTHETIC else "无视频"
        return SyntheticVideoTrack(c.width, c.height, c.fps, label=label, timezone=c.timezone)

    def _open_video(self) -> MediaStreamTrack:
        c = self.config
        if c.camera == SYNTHETIC:
            self.camera_name = "测试画面"
            return self._test_card()
        choice = devices.resolve_camera(c.camera)
        self._warn(choice.warning)
        if choice.device is None:
            self.camera_name = "测试画面"
            return self._test_card()
        self.camera_name = choice.device.description()
        return CameraTrack(choice.device, c.width, c.height, c.fps, on_error=self.camera_failed)

    def camera_failed(self, message: str) -> None:
        self._warn(message + "，已改为测试画面")
        self.camera_name = "测试画面"
        self.video.replace_source(self._test_card())

    def _open_audio(self) -> MediaStreamTrack:
        c = self.config
        if c.microphone == SYNTHETIC:
            self.microphone_name = "测试音"
            return ToneAudioTrack(c.tone_hz, amplitude=0.1 if c.tone_hz else 0.0)
        choice = devices.resolve_microphone(c.microphone)
        self._warn(choice.warning)
        if choice.device is not None:
            try:
                track = MicrophoneTrack(choice.device)
            except (OSError, ValueError) as exc:
                self._warn(
                    f"无法打开麦克风 {choice.device.description()}（{exc}），对方听不到您的声音"
                )
            else:
                self.microphone_name = choice.device.description()
                return track
        self.microphone_name = "无"
        return ToneAudioTrack(0.0, amplitude=0.0)

    def _open_speaker(self) -> SpeakerOutput | None:
        c = self.config
        if c.speaker in {SILENT, SYNTHETIC}:
            self.speaker_name = "无"
            return None
        choice = devices.resolve_speaker(c.speaker)
        self._warn(choice.warning)
        if choice.device is None:
            self.speaker_name = "无"
            return None
        try:
            speaker = SpeakerOutput(choice.device)
        except (OSError, ValueError) as exc:
            self._warn(f"无法打开扬声器 {choice.device.description()}（{exc}），听不到对方声音")
            self.speaker_name = "无"
            return None
        self.speaker_name = speaker.description
        return speaker

    def play(self, frame: AudioFrame) -> None:
        """The citizen's audio to the speaker (nothing when there is none)."""
        if self.speaker is not None:
            self.speaker.play(frame)

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

    @property
    def speaker_muted(self) -> bool:
        return self.speaker is not None and self.speaker.muted

    def set_speaker_muted(self, muted: bool) -> None:
        if self.speaker is not None:
            self.speaker.set_muted(muted)

    def stop(self) -> None:
        """Idempotent: ends every consumer, the gated tracks and the devices."""
        for proxy in self._proxies:
            proxy.stop()
        self._proxies.clear()
        self.video.stop()
        self.audio.stop()
        if self.speaker is not None:
            self.speaker.stop()
