"""Real gateway processes (``officer-gateway``) on one database, for the multi-instance
tests: start, wait for health, kill without warning."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Instance:
    def __init__(self, db_url: str, data_dir: Path, *, demo: bool = True) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "OFFICER_CONSOLE_DATA_DIR": str(data_dir),
            "OFFICER_CONSOLE_DATABASE_URL": db_url,
        }
        code = "import sys; from officer_console.cli import gateway_main; sys.exit(gateway_main())"
        args = [sys.executable, "-c", code, "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*args, "--demo"] if demo else args,
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.health = requests.get(f"{self.url}/api/v1/health", timeout=2).json()
                break
            except requests.ConnectionError:
                assert self.proc.poll() is None, "gateway process exited"
                assert time.monotonic() < deadline, "gateway did not come up"
                time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: no goodbye to anyone, as a crashed host would."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def instances(db_url: str, data_dir: Path, count: int = 2) -> Iterator[list[Instance]]:
    started: list[Instance] = []
    try:
        for _ in range(count):
            started.append(Instance(db_url, data_dir))
        yield started
    finally:
        for instance in started:
            instance.stop()
