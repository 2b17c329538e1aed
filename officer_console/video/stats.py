"""Quality figures for the pane, from ``getStats`` plus our own frame counters.

aiortc reports round-trip time only in ``remote-inbound-rtp`` (from the citizen's receiver
reports) and cumulative loss in ``inbound-rtp``; loss is shown over the last interval, because
a cumulative figure hides a network that just went bad.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CallStats:
    rtt_ms: float | None = None
    loss_pct: float | None = None
    fps: float = 0.0
    width: int = 0
    height: int = 0
    audio_frames: int = 0
    stalled_s: float = 0.0  # since the citizen's last picture (0 before the first one)

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}" if self.width else "—"

    @property
    def poor_reason(self) -> str:
        """Why the connection is poor — said before it fails — or "" when it is fine.

        Thresholds as a browser would feel them: a picture older than a second, 5 % loss,
        a round trip past 400 ms (speech overlaps), or the picture below 10 fps."""
        if self.stalled_s >= 1.0:
            return f"画面停顿 {self.stalled_s:.0f} 秒"
        if self.loss_pct is not None and self.loss_pct >= 5.0:
            return f"丢包 {self.loss_pct:.0f}%"
        if self.rtt_ms is not None and self.rtt_ms >= 400:
            return f"延迟 {self.rtt_ms:.0f} ms"
        if self.width and self.fps < 10:
            return f"画面仅 {self.fps:.0f} fps"
        return ""


class StatsTracker:
    """Turns periodic reports and frame counts into interval figures."""

    def __init__(self) -> None:
        self._last_at = time.monotonic()
        self._last_frames = 0
        self._last_received = 0
        self._last_lost = 0
        self.frames = 0
        self.last_video = 0.0
        self.audio_frames = 0
        self.width = 0
        self.height = 0

    def count_video(self, width: int, height: int) -> None:
        self.frames += 1
        self.last_video = time.monotonic()
        self.width, self.height = width, height

    def reset_peer(self) -> None:
        """A new peer connection starts its packet counters from zero."""
        self._last_received = 0
        self._last_lost = 0

    def sample(self, report: dict[str, Any] | None) -> CallStats:
        now = time.monotonic()
        span = max(now - self._last_at, 1e-6)
        fps = (self.frames - self._last_frames) / span
        self._last_at, self._last_frames = now, self.frames
        rtts: list[float] = []
        received = lost = 0
        for stat in (report or {}).values():
            kind = getattr(stat, "type", "")
            if kind == "remote-inbound-rtp" and getattr(stat, "roundTripTime", None) is not None:
                rtts.append(float(stat.roundTripTime))
            elif kind == "inbound-rtp":
                received += int(getattr(stat, "packetsReceived", 0) or 0)
                lost += max(int(getattr(stat, "packetsLost", 0) or 0), 0)
        loss: float | None = None
        d_recv, d_lost = received - self._last_received, lost - self._last_lost
        if report is not None and d_recv + d_lost > 0:
            loss = 100.0 * max(d_lost, 0) / (d_recv + max(d_lost, 0))
        if report is not None:
            self._last_received, self._last_lost = received, lost
        return CallStats(
            rtt_ms=max(rtts) * 1000 if rtts else None,
            loss_pct=loss,
            fps=fps,
            width=self.width,
            height=self.height,
            audio_frames=self.audio_frames,
            stalled_s=now - self.last_video if self.last_video else 0.0,
        )
