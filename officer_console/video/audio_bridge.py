"""Audio between aiortc and the workstation's sound devices, through QtMultimedia.

* :class:`SpeakerOutput` plays the citizen's decoded audio on a ``QAudioSink`` in push mode.
  Latency is bounded: the sink's buffer holds ~120 ms and a frame that does not fit is
  dropped (and counted) instead of queueing up delay behind a slow device.
* :class:`MicrophoneTrack` is an aiortc track fed by a ``QAudioSource`` in push mode: the
  source's ``readyRead`` (on the GUI thread = the qasync loop) cuts 20 ms frames into a small
  queue that ``recv()`` awaits; when the encoder falls behind, the oldest frames go.
* :class:`InputLevelMeter` and :class:`ToneTester` serve the settings dialog's device checks.

Both convert with PyAV's resampler when the device will not take 48 kHz s16 directly.
"""

from __future__ import annotations

import asyncio
import fractions
import logging
from collections.abc import Callable

import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from av import AudioFrame, AudioResampler
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtMultimedia import QAudioDevice, QAudioFormat, QAudioSink, QAudioSource, QtAudio

log = logging.getLogger("officer_console.video.audio")

RATE = 48_000
FRAME_SAMPLES = RATE // 50  # 20 ms, what Opus carries
_AV_FORMATS = {
    QAudioFormat.SampleFormat.UInt8: "u8",
    QAudioFormat.SampleFormat.Int16: "s16",
    QAudioFormat.SampleFormat.Int32: "s32",
    QAudioFormat.SampleFormat.Float: "flt",
}
_NUMPY_TYPES = {"u8": np.uint8, "s16": np.int16, "s32": np.int32, "flt": np.float32}
_FULL_SCALE = {"u8": 128.0, "s16": 32768.0, "s32": 2147483648.0, "flt": 1.0}


def _format(rate: int, channels: int) -> QAudioFormat:
    fmt = QAudioFormat()
    fmt.setSampleRate(rate)
    fmt.setChannelCount(channels)
    fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
    return fmt


def _device_format(device: QAudioDevice, channels: int) -> QAudioFormat:
    """48 kHz s16 when the device takes it (PulseAudio converts anything), else its own."""
    wanted = _format(RATE, channels)
    if device.isFormatSupported(wanted):
        return wanted
    preferred = device.preferredFormat()
    if preferred.sampleFormat() not in _AV_FORMATS or preferred.channelCount() not in (1, 2):
        raise ValueError(f"unsupported device format {preferred}")
    return preferred


def _layout(channels: int) -> str:
    return "mono" if channels == 1 else "stereo"


class SpeakerOutput:
    """Plays decoded remote audio frames on one output device; ``play`` never blocks."""

    def __init__(self, device: QAudioDevice, *, buffer_ms: int = 120) -> None:
        self.device = device
        self.format = _device_format(device, 2)
        fmt = self.format
        self._av_format = _AV_FORMATS[fmt.sampleFormat()]
        self._resampler = AudioResampler(
            format=self._av_format, layout=_layout(fmt.channelCount()), rate=fmt.sampleRate()
        )
        self._sink = QAudioSink(device, fmt)
        self._sink.setBufferSize(fmt.bytesForDuration(buffer_ms * 1000))
        self._io: QIODevice | None = self._sink.start()
        self.frames_played = 0
        self.frames_dropped = 0
        self.muted = False
        if self._io is None or self._sink.error() != QtAudio.Error.NoError:
            raise OSError(f"audio output failed to start: {self._sink.error()}")

    @property
    def description(self) -> str:
        return self.device.description()

    def play(self, frame: AudioFrame) -> None:
        """Queue one frame for the device (or drop it when the device buffer is full)."""
        io = self._io
        if io is None:
            return
        for out in self._resampler.resample(frame):
            data = out.to_ndarray().tobytes()
            if self.muted:
                data = bytes(len(data))
            if self._sink.bytesFree() < len(data):
                self.frames_dropped += 1
                continue
            io.write(data)
            self.frames_played += 1

    def set_muted(self, muted: bool) -> None:
        self.muted = muted

    def stop(self) -> None:
        """Idempotent."""
        if self._io is not None:
            self._io = None
            self._sink.stop()


class MicrophoneTrack(MediaStreamTrack):
    """The officer's microphone as 20 ms mono s16 48 kHz frames for aiortc."""

    kind = "audio"

    def __init__(self, device: QAudioDevice, *, max_queue: int = 10) -> None:
        super().__init__()
        self.device = device
        fmt = self.format = _device_format(device, 1)
        self._source = QAudioSource(device, fmt)
        self._source.setBufferSize(fmt.bytesForDuration(40_000))
        self._av_format = _AV_FORMATS[fmt.sampleFormat()]
        self._dtype = _NUMPY_TYPES[self._av_format]
        self._convert: AudioResampler | None = None
        if (fmt.sampleRate(), fmt.channelCount(), self._av_format) != (RATE, 1, "s16"):
            self._convert = AudioResampler(format="s16", layout="mono", rate=RATE)
        self._bytes_per_frame = fmt.bytesPerFrame()
        self._pending = bytearray()
        self._out = np.empty(0, dtype=np.int16)
        self._queue: asyncio.Queue[AudioFrame | None] = asyncio.Queue(maxsize=max_queue)
        self._time_base = fractions.Fraction(1, RATE)
        self._pts = 0
        self.frames_dropped = 0
        self._io: QIODevice | None = self._source.start()
        if self._io is None or self._source.error() != QtAudio.Error.NoError:
            raise OSError(f"audio input failed to start: {self._source.error()}")
        self._io.readyRead.connect(self._read)

    def _read(self) -> None:
        io = self._io
        if io is None:
            return
        self._pending += bytes(io.readAll().data())
        usable = len(self._pending) - len(self._pending) % self._bytes_per_frame
        if not usable:
            return
        raw = np.frombuffer(bytes(self._pending[:usable]), dtype=self._dtype)
        del self._pending[:usable]
        samples = self._to_mono_s16(raw)
        self._out = np.concatenate((self._out, samples)) if self._out.size else samples
        while self._out.size >= FRAME_SAMPLES:
            chunk, self._out = self._out[:FRAME_SAMPLES], self._out[FRAME_SAMPLES:]
            self._push(chunk)

    def _to_mono_s16(self, raw: np.ndarray) -> np.ndarray:
        if self._convert is None:
            return raw.astype(np.int16, copy=True)
        fmt = self.format
        channels = fmt.channelCount()
        frame = AudioFrame.from_ndarray(
            raw.reshape(1, -1), format=self._av_format, layout=_layout(channels)
        )
        frame.sample_rate = fmt.sampleRate()
        parts = [f.to_ndarray().reshape(-1) for f in self._convert.resample(frame)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.int16)

    def _push(self, chunk: np.ndarray) -> None:
        frame = AudioFrame.from_ndarray(chunk.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = RATE
        frame.pts, frame.time_base = self._pts, self._time_base
        self._pts += FRAME_SAMPLES
        if self._queue.full():
            self._queue.get_nowait()  # the encoder fell behind: keep the newest 200 ms
            self.frames_dropped += 1
        self._queue.put_nowait(frame)

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        frame = await self._queue.get()
        if frame is None or self.readyState != "live":
            raise MediaStreamError
        return frame

    def stop(self) -> None:
        """Idempotent: releases the device and wakes a waiting ``recv()``."""
        super().stop()
        if self._io is not None:
            self._io = None
            self._source.stop()
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)


class InputLevelMeter:
    """Peak level (0–100) of a microphone while the settings dialog is open."""

    def __init__(self, device: QAudioDevice, on_level: Callable[[int], None]) -> None:
        fmt = self.format = _device_format(device, 1)
        av_format = _AV_FORMATS[fmt.sampleFormat()]
        self._dtype = _NUMPY_TYPES[av_format]
        self._unsigned = av_format == "u8"
        self._full_scale = _FULL_SCALE[av_format]
        self._on_level = on_level
        self._source = QAudioSource(device, fmt)
        self._source.setBufferSize(fmt.bytesForDuration(50_000))
        self._io: QIODevice | None = self._source.start()
        if self._io is None:
            raise OSError(f"audio input failed to start: {self._source.error()}")
        self._io.readyRead.connect(self._read)

    def _read(self) -> None:
        if self._io is None:
            return
        raw = bytes(self._io.readAll().data())
        usable = len(raw) - len(raw) % np.dtype(self._dtype).itemsize
        if not usable:
            return
        samples = np.frombuffer(raw[:usable], dtype=self._dtype).astype(np.float64)
        if self._unsigned:
            samples -= 128.0
        peak = float(np.abs(samples).max()) / self._full_scale
        self._on_level(min(100, round(peak * 100)))

    def stop(self) -> None:
        if self._io is not None:
            self._io = None
            self._source.stop()


class ToneTester:
    """Plays a short 440 Hz tone on a speaker so the officer can check it is the right one."""

    def __init__(self, device: QAudioDevice, seconds: float = 1.0) -> None:
        fmt = _device_format(device, 2)
        av_format = _AV_FORMATS[fmt.sampleFormat()]
        rate, channels = fmt.sampleRate(), fmt.channelCount()
        t = np.arange(int(rate * seconds)) / rate
        fade = np.minimum(1.0, np.minimum(t, seconds - t) / 0.02)  # no clicks at either end
        wave = 0.25 * np.sin(2 * np.pi * 440.0 * t) * fade
        scale = _FULL_SCALE[av_format] * 0.999
        samples = np.repeat(wave * scale + (128.0 if av_format == "u8" else 0.0), channels)
        data = samples.astype(_NUMPY_TYPES[av_format]).tobytes()
        self._buffer = QBuffer()
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._sink = QAudioSink(device, fmt)
        self._sink.start(self._buffer)

    def stop(self) -> None:
        self._sink.stop()
        self._buffer.close()
