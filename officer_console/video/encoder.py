"""The officer's video sender: follows REMB without flooding a narrow path.

Three contained changes to aiortc's sender, for the reasons below: the VP8 encoder is not
restarted at every small REMB step; retransmissions share a budget (30 % of the target
bitrate, the same packet at most every 100 ms); keyframes requested by the receiver are made
at most every 0.5 s.

aiortc's ``Vp8Encoder`` rebuilds its libvpx context — and so sends a keyframe, a burst several
times a normal frame — whenever the REMB target moves by more than 10 % (FACTS.md: 6–11 times
per 20 s even on a clean link, as the estimate creeps upwards). PyAV cannot change a running
libvpx encoder's bitrate, so the only lever is how often the target is taken over:

* a lower target (the path got worse) of ≥ 10 % below the running rate: at once — flooding a
  congested path is what must not happen;
* a higher one: only ≥ 30 % above, and not within ``RAISE_EVERY`` seconds of the last change;
* the floor is 150 kbit/s, not aiortc's 250 (with Opus and packet overhead that was already
  ~400 kbit/s on the wire — too close to a 500 kbit/s uplink);
* either is taken 15 % under the estimate: aiortc's REMB counts video only (Opus adds 96
  kbit/s) and libvpx overshoots, and the margin spares the next small drop a restart.

:func:`install` makes aiortc's senders use all three (a process-wide swap of the encoder
factory and two ``RTCRtpSender`` methods, checked by tests/video/test_recovery.py and
tests/video/test_impaired_call.py).
"""

from __future__ import annotations

import time
from typing import Any

import aiortc.rtcrtpsender
from aiortc.codecs import get_encoder
from aiortc.codecs.vpx import MAX_BITRATE, Vp8Encoder
from aiortc.rtcrtpsender import RTP_HISTORY_SIZE, RTCRtpSender

FLOOR = 150_000  # aiortc's floor is 250 kbit/s: with Opus and overhead ~400 on the wire
LOWER_BY = 0.10
MARGIN = 0.85  # targets are taken 15 % under REMB: room for audio (not in REMB) and overshoot
RAISE_BY = 0.30
RAISE_EVERY = 5.0


class SteadyVp8Encoder(Vp8Encoder):
    def __init__(self) -> None:
        super().__init__()
        self.changes_taken = 0
        self.changes_held = 0
        self._changed_at = float("-inf")

    @property
    def target_bitrate(self) -> int:
        value: int = Vp8Encoder.target_bitrate.fget(self)  # type: ignore[attr-defined]
        return value

    @target_bitrate.setter
    def target_bitrate(self, bitrate: int) -> None:
        wanted = max(FLOOR, min(int(bitrate), MAX_BITRATE))
        running = self.codec.bit_rate if self.codec is not None else None
        now = time.monotonic()
        if running:
            change = (wanted - running) / running
            lower = change <= -LOWER_BY
            raise_ = change >= RAISE_BY and now - self._changed_at >= RAISE_EVERY
            if not (lower or raise_):
                self.changes_held += 1
                return
            self.changes_taken += 1
            self._changed_at = now
            wanted = max(FLOOR, int(wanted * MARGIN))
        Vp8Encoder.target_bitrate.fset(self, wanted)  # type: ignore[attr-defined]


RTX_SHARE = 0.3  # retransmissions may use this share of the target bitrate
RTX_AGAIN = 0.1  # seconds before the same packet is sent again
KEYFRAME_EVERY = 0.5  # seconds between keyframes forced by the receiver's requests


class _SenderLimits:
    """Per sender: a token bucket for retransmissions and the last forced keyframe.

    aiortc resends every packet each NACK names (the receiver repeats its whole missing
    list at every new gap) and makes a keyframe at every PLI: on a capped link that turned
    500 kbit/s of video into 1.5–3 Mbit/s offered (bench/video_network.py), which is the
    flood REMB is meant to prevent."""

    def __init__(self) -> None:
        self.tokens = 0.0
        self.at = time.monotonic()
        self.sent: dict[int, float] = {}
        self.keyframe_at = float("-inf")

    def retransmit(self, seq: int, size: int, bitrate: float) -> bool:
        now = time.monotonic()
        budget = bitrate * RTX_SHARE / 8  # bytes per second
        self.tokens = min(self.tokens + (now - self.at) * budget, budget * 0.5)
        self.at = now
        if now - self.sent.get(seq, float("-inf")) < RTX_AGAIN or self.tokens < size:
            return False
        self.tokens -= size
        self.sent[seq] = now
        if len(self.sent) > 512:
            del self.sent[next(iter(self.sent))]
        return True


def _limits(sender: Any) -> _SenderLimits:
    limits = sender.__dict__.get("_oc_limits")
    if limits is None:
        limits = sender.__dict__["_oc_limits"] = _SenderLimits()
    return limits


_original_retransmit = RTCRtpSender._retransmit
_original_keyframe = RTCRtpSender._send_keyframe


async def _retransmit(self: RTCRtpSender, sequence_number: int) -> None:
    history = getattr(self, "_RTCRtpSender__rtp_history", {})
    packet = history.get(sequence_number % RTP_HISTORY_SIZE)
    if packet is None:
        return
    encoder = getattr(self, "_RTCRtpSender__encoder", None)
    bitrate = float(getattr(encoder, "target_bitrate", 0) or 500_000)
    if _limits(self).retransmit(sequence_number, len(packet.payload) + 12, bitrate):
        await _original_retransmit(self, sequence_number)


def _send_keyframe(self: RTCRtpSender) -> None:
    limits, now = _limits(self), time.monotonic()
    if now - limits.keyframe_at >= KEYFRAME_EVERY:
        limits.keyframe_at = now
        _original_keyframe(self)


def _get_encoder(codec: Any) -> Any:
    if codec.mimeType.lower() == "video/vp8":
        return SteadyVp8Encoder()
    return get_encoder(codec)


def install() -> None:
    """Idempotent."""
    aiortc.rtcrtpsender.get_encoder = _get_encoder
    RTCRtpSender._retransmit = _retransmit  # type: ignore[method-assign]
    RTCRtpSender._send_keyframe = _send_keyframe  # type: ignore[method-assign]
