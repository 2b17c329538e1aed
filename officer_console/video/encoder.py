"""A VP8 sender that follows REMB without restarting its encoder at every small step.

aiortc's ``Vp8Encoder`` rebuilds its libvpx context — and so sends a keyframe, a burst several
times a normal frame — whenever the REMB target moves by more than 10 % (FACTS.md: 6–11 times
per 20 s even on a clean link, as the estimate creeps upwards). PyAV cannot change a running
libvpx encoder's bitrate, so the only lever is how often the target is taken over:

* a lower target (the path got worse) of ≥ 15 % below the running rate: at once — flooding a
  congested path is what must not happen;
* a higher one: only ≥ 30 % above, and not within ``RAISE_EVERY`` seconds of the last change.

:func:`install` makes aiortc's senders use it (a process-wide swap of the encoder factory in
``aiortc.rtcrtpsender``, checked by tests/video/test_recovery.py).
"""

from __future__ import annotations

import time
from typing import Any

import aiortc.rtcrtpsender
from aiortc.codecs import get_encoder
from aiortc.codecs.vpx import MAX_BITRATE, MIN_BITRATE, Vp8Encoder

LOWER_BY = 0.15
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
        wanted = max(MIN_BITRATE, min(int(bitrate), MAX_BITRATE))
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
        Vp8Encoder.target_bitrate.fset(self, wanted)  # type: ignore[attr-defined]


def _get_encoder(codec: Any) -> Any:
    if codec.mimeType.lower() == "video/vp8":
        return SteadyVp8Encoder()
    return get_encoder(codec)


def install() -> None:
    """Idempotent."""
    aiortc.rtcrtpsender.get_encoder = _get_encoder
