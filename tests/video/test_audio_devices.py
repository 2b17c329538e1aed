"""Real sound-server I/O: device lists, the speaker and the microphone, alone and in a call.

A private PulseAudio server (tests/support/pulse.py) has a null sink ``spk`` — what the
console plays there is recorded back from ``spk.monitor`` with ``parec`` — and a virtual
microphone ``mic`` fed by that monitor, so a tone played into the sink reaches the console's
microphone. Frequencies are checked on the recorded sound, not on what the code meant to do.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from av import AudioFrame

from officer_console.config import Settings
from officer_console.video import devices
from officer_console.video.audio_bridge import FRAME_SAMPLES, RATE, MicrophoneTrack, SpeakerOutput
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.session import CallSession
from officer_console.video.signaling import LoopbackSignaling
from tests.support.pulse import MICROPHONE, SPEAKER, PulseServer, dominant_frequency, rms
from tests.support.qtloop import until

pytestmark = pytest.mark.realtime  # measured in real time: alone after the parallel run (Makefile)

Run = Callable[..., Any]


def tone_frame(n: int, frequency: float, channels: int = 2) -> AudioFrame:
    first = n * FRAME_SAMPLES
    t = np.arange(first, first + FRAME_SAMPLES) / RATE
    wave = (0.3 * 32767 * np.sin(2 * math.pi * frequency * t)).astype(np.int16)
    data = np.repeat(wave, channels).reshape(1, -1)
    frame = AudioFrame.from_ndarray(
        data, format="s16", layout="stereo" if channels == 2 else "mono"
    )
    frame.sample_rate, frame.pts, frame.time_base = RATE, first, fractions.Fraction(1, RATE)
    return frame


def test_device_lists_and_choices_follow_the_sound_server(sound: PulseServer, qapp: Any) -> None:
    assert SPEAKER in [d.id for d in devices.speakers()]
    assert MICROPHONE in [d.id for d in devices.microphones()]
    assert devices.resolve_speaker("").device is not None
    chosen = devices.resolve_microphone(MICROPHONE)
    assert chosen.device is not None and chosen.warning == ""
    unplugged = devices.resolve_speaker("usb-headset-gone")
    assert unplugged.device is not None  # the default device stands in …
    assert (
        "未连接" in unplugged.warning and "usb-headset-gone" in unplugged.warning
    )  # … and says so
    assert devices.resolve_camera(devices.SYNTHETIC).device is None
    assert devices.resolve_speaker(devices.SILENT).device is None


def test_no_camera_falls_back_to_a_test_card_with_a_warning(
    sound: PulseServer, qt_run: Run
) -> None:
    assert devices.cameras() == []  # no video devices on these machines

    async def scenario() -> Any:
        media = LocalMedia(MediaConfig(camera="", microphone="", speaker=""))
        try:
            return await media.video.recv(), list(media.warnings), media.speaker_name
        finally:
            media.stop()

    frame, warnings, speaker = qt_run(scenario())
    assert frame.width == 640 and frame.height == 480
    assert warnings == ["未检测到摄像头，对方看到的是测试画面"]
    assert speaker == "Null Output"


async def paced(speaker: SpeakerOutput, frequency: float, frames: int) -> None:
    started = time.monotonic()
    for n in range(frames):
        speaker.play(tone_frame(n, frequency))
        await asyncio.sleep(max(0.0, started + (n + 1) * 0.02 - time.monotonic()))


def test_the_speaker_plays_what_it_is_given(sound: PulseServer, qt_run: Run) -> None:
    async def scenario() -> tuple[Any, int, int]:
        speaker = SpeakerOutput(devices.resolve_speaker(SPEAKER).device)  # type: ignore[arg-type]
        # The null sink starts pulling data up to ~2 s after a stream opens (its own block
        # timing); in a call the speaker opens with the pane, long before the citizen speaks.
        await paced(speaker, 0.0, 150)
        played, dropped = speaker.frames_played, speaker.frames_dropped
        recording = asyncio.ensure_future(asyncio.to_thread(sound.record, 2.0))
        await paced(speaker, 1000.0, 100)
        samples = await recording
        speaker.stop()
        speaker.stop()  # idempotent
        return samples, speaker.frames_played - played, speaker.frames_dropped - dropped

    samples, played, dropped = qt_run(scenario(), 30)
    assert played >= 95 and dropped <= 5  # steady state: nothing piles up, nothing is lost
    assert rms(samples) > 1000
    assert abs(dominant_frequency(samples) - 1000.0) < 5


def test_the_microphone_hears_the_room(sound: PulseServer, qt_run: Run) -> None:
    async def scenario() -> list[AudioFrame]:
        track = MicrophoneTrack(devices.resolve_microphone(MICROPHONE).device)  # type: ignore[arg-type]
        player = sound.play_tone(660.0, 3.0)
        frames = []
        try:
            while len(frames) < 100:
                frames.append(await asyncio.wait_for(track.recv(), 5))
        finally:
            track.stop()
            player.kill()
            player.wait()
        return frames

    frames = qt_run(scenario(), 30)
    assert all(f.samples == FRAME_SAMPLES and f.sample_rate == RATE for f in frames)
    assert [f.pts for f in frames] == [frames[0].pts + i * FRAME_SAMPLES for i in range(100)]
    samples = np.concatenate([f.to_ndarray().reshape(-1) for f in frames[-50:]])
    assert rms(samples) > 1000
    assert abs(dominant_frequency(samples) - 660.0) < 5


def test_in_a_call_the_officer_hears_the_citizen_and_the_citizen_hears_the_room(
    sound: PulseServer, qt_run: Run
) -> None:
    """Citizen's 880 Hz → console → speaker sink; a 550 Hz tone in the room → microphone →
    the citizen. (The null sink mixes both, so each side looks for its own tone.)"""
    console_end, citizen_end = LoopbackSignaling.pair()
    settings = Settings(camera=devices.SYNTHETIC, microphone=MICROPHONE, speaker=SPEAKER)
    media = LocalMedia(MediaConfig.from_settings(settings, width=320, height=240))
    session = CallSession(console_end, media)
    citizen = SyntheticCitizen(citizen_end, width=320, height=240, tone_hz=880.0, keep_audio=True)
    assert (
        media.microphone_name.startswith("Virtual Source") and media.speaker_name == "Null Output"
    )

    async def scenario() -> tuple[Any, Any]:
        try:
            await session.start()
            await citizen.join()
            await until(lambda: session.stats.audio_frames >= 25)
            played = await asyncio.to_thread(sound.record, 2.0)
            assert citizen.audio_received is not None
            citizen.audio_received.clear()
            room = sound.play_tone(550.0, 3.0)
            try:
                await asyncio.sleep(2.5)
            finally:
                room.kill()
                room.wait()
            heard = np.concatenate(citizen.audio_received[-75:])
            return played, heard
        finally:
            await session.close()
            await citizen.close()

    played, heard = qt_run(scenario(), 60)
    assert media.speaker is not None and media.speaker.frames_played > 50
    spectrum = np.abs(np.fft.rfft(played.astype(float)))
    freqs = np.fft.rfftfreq(len(played), 1 / RATE)
    near = lambda f: spectrum[(freqs > f - 10) & (freqs < f + 10)].max()  # noqa: E731
    assert near(880.0) > 20 * np.median(spectrum)  # the citizen's voice came out
    assert abs(dominant_frequency(heard.astype(np.int16)) - 550.0) < 10  # the room went in


def test_muting_the_speaker_silences_it_but_keeps_the_call(sound: PulseServer, qt_run: Run) -> None:
    async def scenario() -> Any:
        speaker = SpeakerOutput(devices.resolve_speaker(SPEAKER).device)  # type: ignore[arg-type]
        await paced(speaker, 1000.0, 150)  # audible while the sink warms up
        speaker.set_muted(True)
        handled = speaker.frames_played + speaker.frames_dropped
        playing = asyncio.ensure_future(paced(speaker, 1000.0, 150))
        await asyncio.sleep(0.5)  # what was already in the device buffer plays out
        samples = await asyncio.to_thread(sound.record, 2.0)
        await playing
        speaker.stop()
        return samples, speaker.frames_played + speaker.frames_dropped - handled

    samples, handled = qt_run(scenario(), 30)
    assert handled == 150  # frames still go to the device (its timing kept), but are silent
    assert samples.size > 40_000 and rms(samples) < 50
