"""Faster recovery from lost video packets than aiortc's own receiver (a contained patch).

Why this exists (FACTS.md, "aiortc under an impaired network"): aiortc's video jitter buffer
releases frames strictly in order, so one packet that never arrives blocks every later frame;
its NACKs cover only the last 128 missing packets (the start of a long gap is never repaired)
and it asks for a keyframe (PLI) only once its 512 slots are full — 5–7 s of frozen or stale
picture after a 3 s outage, where a browser recovers in under a second.

:class:`KeyframeJitterBuffer` keeps aiortc's frame assembly but adds what a browser does: a
missing packet at the head of the buffer that is still missing after a wait (at least
``loss_wait``; 1.5 × the slowest recent repair, so NACK has its round trip) makes the frame
*lost*; the buffer then asks for a
keyframe at once (repeated every ``pli_interval`` until one comes), and as soon as a keyframe's
first packet is buffered it skips everything before it — the decoder never sees a frame whose
references are missing, and the picture resumes one round trip after the loss.

:func:`install` swaps it into each video receiver of a peer connection. aiortc offers no hook
for this, so it replaces the receiver's private ``__jitter_buffer`` attribute; it must run
after ``setRemoteDescription`` (receivers exist) and before media flows. The aiortc version is
pinned in pyproject.toml; ``tests/video/test_recovery.py`` fails if the attribute moves.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Mapping
from typing import Any

from aiortc import RTCPeerConnection
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_gt

log = logging.getLogger("officer_console.video.recovery")

_ATTR = "_RTCRtpReceiver__jitter_buffer"
_CODECS = "_RTCRtpReceiver__codecs"
_MAPPER = "_RTCRtpReceiver__timestamp_mapper"
_QUEUE = "_RTCRtpReceiver__decoder_queue"


def is_keyframe_start(codec_name: str, payload: bytes) -> bool:
    """Does this RTP payload begin a keyframe (VP8 key frame / H.264 IDR or SPS)?"""
    if not payload:
        return False
    if codec_name == "VP8":
        try:
            descriptor, data = VpxPayloadDescriptor.parse(payload)
        except ValueError:
            return False
        start = descriptor.partition_start == 1 and descriptor.partition_id == 0
        return start and bool(data) and data[0] & 0x01 == 0
    if codec_name == "H264":
        nal = payload[0] & 0x1F
        if nal in (5, 7):
            return True
        if nal == 24 and len(payload) > 3:  # STAP-A: its first unit
            return payload[3] & 0x1F in (5, 7)
        if nal == 28 and len(payload) > 1:  # FU-A: the start fragment of an IDR
            return bool(payload[1] & 0x80) and payload[1] & 0x1F == 5
    return False


class KeyframeJitterBuffer(JitterBuffer):
    """aiortc's video jitter buffer plus loss detection, fast PLI and skip-to-keyframe."""

    def __init__(
        self,
        codecs: Mapping[int, Any],
        *,
        capacity: int = 512,
        loss_wait: float = 0.15,
        max_wait: float = 0.8,
        pli_interval: float = 0.3,
    ) -> None:
        super().__init__(capacity=capacity, is_video=True)
        self._codecs = codecs  # the receiver's own dict: filled once negotiation completes
        self.loss_wait = loss_wait
        self.max_wait = max_wait
        self._repairs: deque[float] = deque(maxlen=20)
        self.pli_interval = pli_interval
        self.frames_lost = 0
        self.keyframe_requests = 0
        self.skipped_to_keyframe = 0
        self._newest: int | None = None
        self._hole_since: float | None = None
        self._waiting_key = False
        self._asked = 0  # keyframe requests since the current loss
        self._last_pli = float("-inf")
        # When recent frames left the buffer (RTP timestamp → monotonic), for bench/video.py's
        # per-stage breakdown; bounded. ``first_timestamp`` maps a decoded frame's pts back.
        self.released: dict[int, float] = {}
        self.first_timestamp: int | None = None
        self.receiver: Any = None  # set by install(): extra ready frames go to its decoder
        self._stash: list[tuple[Any, JitterFrame]] = []
        self._after: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        """aiortc takes one frame per packet; when a repair completes several, the others go
        straight to the receiver's decoder queue (:meth:`_flush`) instead of one per later
        packet — which kept the picture a few hundred ms behind after every repaired loss."""
        self._flush(force=True)  # anything still stashed is older than what is released now
        pli, frame = self._add(packet)
        if frame is not None and self.receiver is not None:
            codec = self._codecs.get(packet.payload_type)
            while codec is not None and len(self._stash) < 64:
                extra = self._remove_frame(packet.sequence_number)
                if extra is None:
                    break
                self._stash.append((codec, extra))
            if self._stash:
                self._after = frame.timestamp
                asyncio.get_running_loop().call_soon(self._flush)
        return pli, frame

    def _flush(self, tries: int = 3, *, force: bool = False) -> None:
        """Queue stashed frames for decoding, after the frame ``add`` returned (the receiver
        queues that one itself, possibly after an await: then try again a little later)."""
        if not self._stash or self.receiver is None:
            return
        mapper = getattr(self.receiver, _MAPPER)
        if not force and self._after is not None and getattr(mapper, "_last", None) != self._after:
            if tries:
                asyncio.get_running_loop().call_soon(self._flush, tries - 1)
            return
        queue = getattr(self.receiver, _QUEUE)
        for codec, frame in self._stash:
            frame.timestamp = mapper.map(frame.timestamp)
            queue.put((codec, frame))
        self._stash.clear()
        self._after = None

    def _add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        if self._newest is None or uint16_gt(packet.sequence_number, self._newest):
            self._newest = packet.sequence_number
        pli, frame = super().add(packet)
        now = time.monotonic()
        if frame is not None:
            if self._hole_since is not None:  # NACK (or reordering) filled it — even if late
                self._repairs.append(now - self._hole_since)
            self._hole_since = None
            self._waiting_key = False  # the hole was repaired, or we resumed at a keyframe
            self._asked = 0
            return self._throttle(pli, now), frame
        if self._head_missing():
            if self._hole_since is None:
                self._hole_since = now
            elif not self._waiting_key and now - self._hole_since >= self.wait():
                self.frames_lost += 1
                self._waiting_key = True
                log.debug("video frame lost at seq %s: asking for a keyframe", self._origin)
        else:
            self._hole_since = None
        if self._waiting_key:
            frame = self._skip_to_keyframe(packet)
            if frame is not None:
                self._hole_since = None
                self._waiting_key = False
                self._asked = 0
                return self._throttle(pli, now), frame
            # Asked again while the keyframe is not complete: back off (0.3, 0.6, 1.2, 2 s) —
            # on a saturated link every keyframe is a burst that makes the loss worse.
            interval = min(self.pli_interval * 2**self._asked, 2.0)
            if pli or now - self._last_pli >= interval:
                pli = self._throttle(True, now)
                self._asked += pli
                return pli, None
        return self._throttle(pli, now), None

    def _remove_frame(self, sequence_number: int) -> JitterFrame | None:
        """The head frame, as soon as it is complete: at its marker bit (the last packet of a
        frame, RFC 3551) instead of aiortc's "when the next frame's first packet arrives" —
        that wait alone cost a whole frame interval (33 ms at 30 fps) on every frame."""
        origin = self._origin
        assert origin is not None
        packets: list[RtpPacket] = []
        for count in range(self._capacity):
            packet = self._packets[(origin + count) % self._capacity]
            if packet is None:
                return None
            if packets and packet.timestamp != packets[0].timestamp:
                return self._release(packets, count)  # a frame whose marker was lost
            packets.append(packet)
            if packet.marker:
                return self._release(packets, count + 1)
        return None

    def _release(self, packets: list[RtpPacket], count: int) -> JitterFrame:
        self.remove(count)
        data = b"".join(p._data for p in packets)  # type: ignore[attr-defined]
        timestamp = packets[0].timestamp
        if self.first_timestamp is None:
            self.first_timestamp = timestamp
        self.released[timestamp] = time.monotonic()
        if len(self.released) > 300:
            del self.released[next(iter(self.released))]
        return JitterFrame(data=data, timestamp=timestamp)

    def wait(self) -> float:
        """How long a hole may stay open: ``loss_wait``, or longer when retransmissions on
        this path have taken longer (1.5 × the slowest recent repair: ~1.5 round trips), so
        NACK gets its chance on a 300 ms link; never more than ``max_wait``."""
        slowest = max(self._repairs, default=0.0)
        return min(max(self.loss_wait, 1.5 * slowest), self.max_wait)

    def _throttle(self, pli: bool, now: float) -> bool:
        if not pli or now - self._last_pli < self.pli_interval:
            return False
        self._last_pli = now
        self.keyframe_requests += 1
        return True

    def _head_missing(self) -> bool:
        """A packet between the head and the newest one is missing (the head frame cannot
        complete): the hole may sit inside the head frame, not only at its first packet."""
        origin, newest = self._origin, self._newest
        if origin is None or newest is None or not uint16_gt(newest, origin):
            return False
        span = (newest - origin) & 0xFFFF
        return any(
            self._packets[(origin + i) % self._capacity] is None
            for i in range(min(span, self._capacity))
        )

    def _skip_to_keyframe(self, packet: RtpPacket) -> JitterFrame | None:
        """Drop what precedes the first buffered keyframe start; release it if complete."""
        origin = self._origin
        assert origin is not None
        for count in range(self._capacity):
            candidate = self._packets[(origin + count) % self._capacity]
            if candidate is None:
                continue
            codec = self._codecs.get(candidate.payload_type)
            name = str(getattr(codec, "name", ""))
            if is_keyframe_start(name, candidate.payload):
                if count:
                    self.remove(count)
                    self.skipped_to_keyframe += 1
                return self._remove_frame(packet.sequence_number)
        return None


class AudioJitterBuffer(JitterBuffer):
    """aiortc's audio buffer (16 packets, 4 prefetched) that steps over a lost packet.

    aiortc's own waits for a missing packet until its 16 slots overflow, then drops a whole
    run: one lost packet (2 % of them on a phone) silenced ~300 ms. Here a hole at the head
    is given up once ``skip_after`` newer packets are in (60 ms: later than ±20 ms jitter reorders
    them), and playback goes on — one 20 ms frame missing, not a sentence.
    """

    def __init__(self, *, capacity: int = 16, prefetch: int = 4, skip_after: int = 3) -> None:
        super().__init__(capacity=capacity, prefetch=prefetch)
        self.skip_after = skip_after
        self.packets_skipped = 0
        self._newest: int | None = None

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        if self._newest is None or uint16_gt(packet.sequence_number, self._newest):
            self._newest = packet.sequence_number
        pli, frame = super().add(packet)
        origin, newest = self._origin, self._newest
        if frame is not None or origin is None or not uint16_gt(newest, origin):
            return pli, frame
        present = 0  # packets in a row at the head, before the first hole
        while present < self._capacity and self._packets[(origin + present) % self._capacity]:
            present += 1
        hole = (origin + present) & 0xFFFF
        if not uint16_gt(newest, hole) or (newest - hole) & 0xFFFF < self.skip_after:
            return pli, None  # no hole, or a recent one that reordering may still fill
        if present:  # play what precedes the hole without waiting for the prefetch
            head = self._packets[origin % self._capacity]
            assert head is not None
            self.remove(1)
            data: bytes = head._data  # type: ignore[attr-defined]
            return pli, JitterFrame(data=data, timestamp=head.timestamp)
        while self._packets[origin % self._capacity] is None:
            origin = (origin + 1) & 0xFFFF
            self.packets_skipped += 1
        self._origin = origin
        return pli, self._remove_frame(packet.sequence_number)


def released_at(buffers: list[KeyframeJitterBuffer], pts: int | None) -> float | None:
    """When the frame with this decoded ``pts`` left the jitter buffer (aiortc's receiver
    renumbers timestamps from the first frame on), if still known."""
    for buffer in buffers:
        if pts is not None and buffer.first_timestamp is not None:
            found = buffer.released.get((pts + buffer.first_timestamp) & 0xFFFFFFFF)
            if found is not None:
                return found
    return None


def install(pc: RTCPeerConnection, **options: Any) -> list[KeyframeJitterBuffer]:
    """Give every video receiver of ``pc`` a :class:`KeyframeJitterBuffer` (returned) and
    every audio receiver an :class:`AudioJitterBuffer`."""
    buffers = []
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        if not hasattr(receiver, _ATTR):
            continue
        if transceiver.kind == "audio":
            if not isinstance(getattr(receiver, _ATTR), AudioJitterBuffer):
                setattr(receiver, _ATTR, AudioJitterBuffer())
            continue
        current = getattr(receiver, _ATTR)
        if isinstance(current, KeyframeJitterBuffer):
            buffers.append(current)
            continue
        buffer = KeyframeJitterBuffer(getattr(receiver, _CODECS), **options)
        if hasattr(receiver, _MAPPER) and hasattr(receiver, _QUEUE):
            buffer.receiver = receiver
        setattr(receiver, _ATTR, buffer)
        buffers.append(buffer)
    return buffers


__all__ = [
    "AudioJitterBuffer",
    "KeyframeJitterBuffer",
    "install",
    "is_keyframe_start",
    "released_at",
]
