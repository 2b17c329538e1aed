"""video/recovery.py: a lost frame → a keyframe request at once, and the picture resumes at it.

Packets are real RtpPackets with VP8 payload descriptors; time is the buffer's own clock
(``time.monotonic``), so the tests wait ``loss_wait`` for real (50 ms here).
"""

from __future__ import annotations

import asyncio
import time
from fractions import Fraction
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket

from officer_console.gateway.routes_join import browser_ice_server
from officer_console.video import recovery
from officer_console.video.recovery import (
    AudioJitterBuffer,
    KeyframeJitterBuffer,
    is_keyframe_start,
)

VP8 = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=97)


def packet(
    seq: int, frame: int, *, first: bool, key: bool = False, last: bool = False
) -> RtpPacket:
    descriptor = bytes([0x10 if first else 0x00])  # S bit, partition 0
    data = bytes([0x00 if key else 0x01]) + b"x" * 20  # VP8 P bit: 0 = key frame
    p = RtpPacket(payload_type=97, marker=int(last), sequence_number=seq, timestamp=frame * 3000)
    p.payload = descriptor + data
    p._data = data  # type: ignore[attr-defined]  # what aiortc's depayload leaves
    return p


def stream(frames: range, *, per_frame: int = 2, keys: set[int] | None = None) -> list[RtpPacket]:
    out = []
    for f in frames:
        for i in range(per_frame):
            key, last = f in (keys or set()), i == per_frame - 1
            out.append(packet(f * per_frame + i, f, first=i == 0, key=key, last=last))
    return out


def feed(buffer: KeyframeJitterBuffer, packets: list[RtpPacket]) -> tuple[list[int], int]:
    released, plis = [], 0
    for p in packets:
        pli, frame = buffer.add(p)
        plis += pli
        if frame is not None:
            released.append(frame.timestamp // 3000)
    return released, plis


def test_keyframe_detection_reads_the_vp8_descriptor() -> None:
    assert is_keyframe_start("VP8", packet(1, 0, first=True, key=True).payload)
    assert not is_keyframe_start("VP8", packet(1, 0, first=True, key=False).payload)
    assert not is_keyframe_start("VP8", packet(2, 0, first=False, key=True).payload)
    assert is_keyframe_start("H264", bytes([0x67, 0x42]))  # SPS
    assert not is_keyframe_start("H264", bytes([0x41, 0x9A]))  # non-IDR slice


def test_a_clean_stream_passes_in_order_without_requests() -> None:
    buffer = KeyframeJitterBuffer({97: VP8}, loss_wait=0.05)
    released, plis = feed(buffer, stream(range(10), keys={0}))
    assert released == list(range(10))  # each at its marker bit: no wait for the next frame
    assert plis == 0 and buffer.frames_lost == 0


def test_a_lost_packet_asks_for_a_keyframe_and_resumes_there() -> None:
    buffer = KeyframeJitterBuffer({97: VP8}, loss_wait=0.05, pli_interval=0.05)
    packets = stream(range(20), keys={0, 12})
    del packets[8]  # frame 4's first packet never arrives (beyond NACK's reach)
    released, plis = feed(buffer, packets[:10])
    assert released == [0, 1, 2, 3]  # frame 4 is incomplete: everything after it waits
    time.sleep(0.06)
    more, more_plis = feed(buffer, packets[10:20])  # frames 5..9 keep coming: 4 is lost
    assert buffer.frames_lost == 1 and plis + more_plis >= 1  # asked for a keyframe at once
    assert more == []  # no frame with a missing reference reaches the decoder
    after, _ = feed(buffer, packets[20:])  # the keyframe (12) arrives
    assert after == list(range(12, 20))
    assert buffer.skipped_to_keyframe == 1


def test_a_frame_whose_marker_was_lost_still_ends_at_the_next_timestamp() -> None:
    buffer = KeyframeJitterBuffer({97: VP8}, loss_wait=5)
    packets = stream(range(4), keys={0})
    packets[1].marker = 0
    released, _ = feed(buffer, packets)
    assert released == [0, 1, 2, 3]


def test_a_late_retransmission_within_the_wait_is_not_a_loss() -> None:
    buffer = KeyframeJitterBuffer({97: VP8}, loss_wait=0.5)
    packets = stream(range(8), keys={0})
    late = packets.pop(5)
    released, _ = feed(buffer, packets[:7])
    released += feed(buffer, [late, *packets[7:]])[0]
    assert released == list(range(8)) and buffer.frames_lost == 0


def test_install_replaces_the_receivers_buffer(qt_run: Any) -> None:
    async def scenario() -> list[Any]:
        pc = RTCPeerConnection()
        try:
            pc.addTransceiver("video")
            audio = pc.addTransceiver("audio")
            buffers: list[Any] = recovery.install(pc)
            return [*buffers, audio.receiver._RTCRtpReceiver__jitter_buffer]
        finally:
            await pc.close()

    buffers = qt_run(scenario(), 10)
    assert isinstance(buffers[0], KeyframeJitterBuffer) and len(buffers) == 2
    assert isinstance(buffers[1], AudioJitterBuffer)


def test_browsers_get_turn_credentials_apart_from_the_url() -> None:
    assert browser_ice_server("turn:u1:s3cret@turn.example:3478?transport=udp") == {
        "urls": "turn:turn.example:3478?transport=udp",
        "username": "u1",
        "credential": "s3cret",
    }
    assert browser_ice_server("stun:stun.example:3478") == {"urls": "stun:stun.example:3478"}


def test_audio_steps_over_a_lost_packet_instead_of_dropping_a_run() -> None:
    buffer = AudioJitterBuffer(skip_after=3)
    released = []
    for seq in range(40):
        if seq == 10:
            continue  # lost for good
        p = RtpPacket(payload_type=111, sequence_number=seq, timestamp=seq * 960)
        p._data = b"opus"  # type: ignore[attr-defined]
        _pli, frame = buffer.add(p)
        if frame is not None:
            released.append(frame.timestamp // 960)
    assert buffer.packets_skipped == 1
    assert released[:33] == [n for n in range(34) if n != 10]  # only the lost one is missing
    assert 34 <= released[-1] + 1 <= 36  # the buffer stays shallow: 4–6 packets prefetched


def test_vp8_follows_big_drops_at_once_and_small_steps_not_at_all() -> None:
    import aiortc.rtcrtpsender
    import av as pyav

    from officer_console.video import encoder as steady

    assert aiortc.rtcrtpsender.get_encoder(VP8).__class__ is steady.SteadyVp8Encoder
    enc = steady.SteadyVp8Encoder()
    frame = pyav.VideoFrame(320, 240, "yuv420p")
    frame.pts, frame.time_base = 0, Fraction(1, 90000)
    enc.encode(frame)
    first = enc.codec
    enc.target_bitrate = 540_000  # +8 %: REMB creeping up
    enc.target_bitrate = 600_000  # +20 %
    enc.encode(frame)
    assert enc.codec is first and enc.changes_held == 2  # no restart, no keyframe
    enc.target_bitrate = 400_000  # −20 %: the path got worse
    enc.encode(frame)
    assert enc.codec is not first and enc.codec is not None and enc.codec.bit_rate == 340_000
    enc.target_bitrate = 900_000  # +125 %, but just after a change: wait
    assert enc.target_bitrate == 340_000  # 400k less the 15 % margin


def test_frames_completed_by_one_repair_reach_the_decoder_together(qt_run: Any) -> None:
    """A late retransmission completes five frames at once: all go to the decoder queue
    right away (aiortc alone would hand over one per later packet)."""
    import queue

    from aiortc.rtcrtpreceiver import TimestampMapper

    class Receiver:  # the two private attributes the buffer uses, as aiortc names them
        def __init__(self) -> None:
            self._RTCRtpReceiver__timestamp_mapper = TimestampMapper()
            self._RTCRtpReceiver__decoder_queue: queue.Queue[Any] = queue.Queue()

    async def scenario() -> list[int]:
        receiver = Receiver()
        buffer = KeyframeJitterBuffer({97: VP8}, loss_wait=5)
        buffer.receiver = receiver
        packets = stream(range(8), keys={0})
        late = packets.pop(2)  # frame 1's first packet
        decoded: list[int] = []
        for p in [*packets[:9], late]:  # frames 0, 2, 3, 4 complete; 1 waits for `late`
            _pli, frame = buffer.add(p)
            if frame is not None:  # what aiortc's receiver does with the returned frame
                frame.timestamp = receiver._RTCRtpReceiver__timestamp_mapper.map(frame.timestamp)
                receiver._RTCRtpReceiver__decoder_queue.put((VP8, frame))
        await asyncio.sleep(0)  # the buffer's call_soon
        await asyncio.sleep(0)
        while not receiver._RTCRtpReceiver__decoder_queue.empty():
            decoded.append(receiver._RTCRtpReceiver__decoder_queue.get()[1].timestamp // 3000)
        return decoded

    assert qt_run(scenario(), 10) == [0, 1, 2, 3, 4]
