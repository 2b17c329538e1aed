"""In-process rate limits per client address and per phone (fixed windows).

Limitation: counts live in one gateway process. Behind a reverse proxy with N instances a
client gets up to N times the limit; the verification-code check also keeps its own
database-backed limits (wrong tries per code, failures per address), which do hold across
instances. The proxy should add its own per-address limit in production.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Limit:
    count: int
    seconds: float


@dataclass
class RateLimiter:
    """``hit(key)`` returns 0 when allowed, else the seconds to wait before retrying."""

    limit: Limit
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)

    def hit(self, key: str) -> int:
        now = self.clock()
        start, used = self._windows.get(key, (now, 0))
        if now - start >= self.limit.seconds:
            start, used = now, 0
        if used >= self.limit.count:
            return max(1, int(start + self.limit.seconds - now + 0.999))
        if len(self._windows) >= self.max_keys and key not in self._windows:
            self._prune(now)
        self._windows[key] = (start, used + 1)
        return 0

    def _prune(self, now: float) -> None:
        stale = [k for k, (s, _) in self._windows.items() if now - s >= self.limit.seconds]
        for key in stale:
            del self._windows[key]
        if len(self._windows) >= self.max_keys:  # under attack: forget the oldest half
            for key in sorted(self._windows, key=lambda k: self._windows[k][0])[
                : self.max_keys // 2
            ]:
                del self._windows[key]


@dataclass(frozen=True)
class Limits:
    """Per-process limits; tests shrink or widen them."""

    booking_per_ip: Limit = field(default_factory=lambda: Limit(30, 60))
    read_per_ip: Limit = field(default_factory=lambda: Limit(240, 60))
    join_per_ip: Limit = field(default_factory=lambda: Limit(20, 60))
    join_per_phone: Limit = field(default_factory=lambda: Limit(10, 60))
    ws_per_ip: Limit = field(default_factory=lambda: Limit(60, 60))

    @classmethod
    def unlimited(cls) -> Limits:
        big = Limit(10**9, 60)
        return cls(big, big, big, big, big)
