"""pytest plugin (``-p tests.support.no_servers``): behave as on a machine without PulseAudio
and without PostgreSQL — for the test that checks such a machine still runs the suite."""

from __future__ import annotations

from tests.support import pgcluster, pulse


def _no_pulse() -> pulse.PulseServer:
    raise pulse.PulseUnavailable("pulseaudio not installed (simulated)")


pgcluster.find_bindir = lambda: None
pulse.start_pulse = _no_pulse
