"""A private PulseAudio server with testable devices: a null sink and a microphone fed by it.

``spk`` is a null sink (the speaker; what is played there can be recorded from
``spk.monitor``) and ``mic`` a virtual source on that monitor (the microphone): whatever the
console plays comes back on the microphone, so both directions of the audio bridge can be
checked with real sound-server I/O (docs/pitfalls.md). The server lives in its own runtime directory
and is found through ``PULSE_SERVER``; nothing of the user's own sound setup is touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

SPEAKER, MICROPHONE = "spk", "mic"


class PulseUnavailable(RuntimeError):
    pass


@dataclass
class PulseServer:
    runtime: Path
    pid: int

    @property
    def address(self) -> str:
        return f"unix:{self.runtime / 'pulse' / 'native'}"

    def env(self) -> dict[str, str]:
        return {**os.environ, "PULSE_SERVER": self.address, "XDG_RUNTIME_DIR": str(self.runtime)}

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args],
            check=False,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=20,
        )
        if done.returncode:
            raise PulseUnavailable(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def record(self, seconds: float, source: str = SPEAKER + ".monitor") -> NDArray[np.int16]:
        """Mono 48 kHz s16 samples from a source (by default: what the speaker plays)."""
        done = subprocess.run(
            [
                "timeout",
                str(seconds),
                "parec",
                f"--device={source}",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--raw",
                "--latency-msec=20",
            ],
            check=False,
            env=self.env(),
            capture_output=True,
            timeout=seconds + 10,
        )
        return np.frombuffer(done.stdout, dtype=np.int16)

    def play_tone(self, frequency: float, seconds: float) -> subprocess.Popen[bytes]:
        """Start playing a sine into the speaker sink (and so into the microphone)."""
        t = np.arange(int(48_000 * seconds)) / 48_000
        data = (0.3 * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16).tobytes()
        proc = subprocess.Popen(
            [
                "pacat",
                f"--device={SPEAKER}",
                "--format=s16le",
                "--rate=48000",
                "--channels=1",
                "--raw",
                "--playback",
            ],
            env=self.env(),
            stdin=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(data)
        proc.stdin.close()
        return proc

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        shutil.rmtree(self.runtime, ignore_errors=True)


def start_pulse() -> PulseServer:
    """Start the server with its two devices; raises PulseUnavailable with the reason."""
    binary = shutil.which("pulseaudio")
    if binary is None or shutil.which("pactl") is None:
        raise PulseUnavailable(
            "pulseaudio/pactl not installed (Debian: pulseaudio pulseaudio-utils)"
        )
    runtime = Path(tempfile.mkdtemp(prefix="oc-pulse-"))
    runtime.chmod(0o700)
    home = runtime / "home"
    home.mkdir()
    env = {
        **os.environ,
        "XDG_RUNTIME_DIR": str(runtime),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
    }
    env.pop("PULSE_SERVER", None)
    started = subprocess.run(
        [
            binary,
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "--use-pid-file=yes",
            "-n",  # no default script: only the modules loaded below
            "--load=module-native-protocol-unix",
            "--log-target=stderr",
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    pid_file = runtime / "pulse" / "pid"
    if started.returncode or not pid_file.exists():
        shutil.rmtree(runtime, ignore_errors=True)
        raise PulseUnavailable(f"pulseaudio did not start: {started.stderr.strip()[-500:]}")
    server = PulseServer(runtime, int(pid_file.read_text().strip()))
    try:
        server.pactl("load-module", "module-null-sink", f"sink_name={SPEAKER}")
        server.pactl(
            "load-module",
            "module-virtual-source",
            f"source_name={MICROPHONE}",
            f"master={SPEAKER}.monitor",
        )
        server.pactl("set-default-sink", SPEAKER)
        server.pactl("set-default-source", MICROPHONE)
    except BaseException:
        server.stop()
        raise
    return server


def dominant_frequency(samples: NDArray[np.int16], rate: int = 48_000) -> float:
    x = samples.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / rate)[int(spectrum[1:].argmax()) + 1])


def rms(samples: NDArray[np.int16]) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0
