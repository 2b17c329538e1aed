"""A real coturn (Debian ``coturn``) on this machine, configured by docs/operations.md itself.

The configuration block under "`/etc/turnserver.conf`:" in docs/operations.md is read and used
as is, except what a test run must own: ports (free ones instead of 3478/5349), the password
(random), TLS (no certificate here: the ``cert``/``pkey``/``tls-listening-port`` lines are
dropped and ``no-tls``/``no-dtls`` added) and the listening address (this machine's). So the
documented configuration is the tested one; a change there that breaks relaying fails a test.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

TURNSERVER = shutil.which("turnserver") or "/usr/bin/turnserver"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
_BLOCK = re.compile(r"`/etc/turnserver\.conf`:\s*\n\s*```\n(.*?)```", re.S)
_DROPPED = ("listening-port", "tls-listening-port", "cert", "pkey", "user")


def available() -> bool:
    return Path(TURNSERVER).is_file() and os.access(TURNSERVER, os.X_OK)


def documented_config() -> str:
    found = _BLOCK.search(DOCS.read_text(encoding="utf-8"))
    if found is None:
        raise AssertionError("docs/operations.md lost its turnserver.conf example")
    return found.group(1)


@dataclass(frozen=True)
class Turn:
    host: str
    port: int
    user: str
    password: str

    @property
    def url(self) -> str:
        """In the form ``OFFICER_CONSOLE_ICE_SERVERS`` takes (credentials in the URL)."""
        return f"turn:{self.user}:{self.password}@{self.host}:{self.port}?transport=udp"


def _free_udp_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def config_for(host: str, port: int, user: str, password: str, workdir: Path) -> str:
    kept = [
        line
        for line in documented_config().splitlines()
        if line.strip() and line.split("=", 1)[0].strip() not in _DROPPED
    ]
    return "\n".join(
        [
            *kept,
            f"listening-port={port}",
            f"listening-ip={host}",
            f"relay-ip={host}",
            f"user={user}:{password}",
            "no-tls",
            "no-dtls",
            "allow-loopback-peers",
            f"pidfile={workdir / 'turnserver.pid'}",
            f"log-file={workdir / 'turn.log'}",
            "simple-log",
            "",
        ]
    )


@contextlib.contextmanager
def running_turn(host: str) -> Iterator[Turn]:
    """Start coturn on ``host`` (a free port), wait until it listens, stop it afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="oc-turn-"))
    port = _free_udp_port(host)
    turn = Turn(host, port, "officer-turn", secrets.token_hex(12))
    conf = workdir / "turnserver.conf"
    conf.write_text(config_for(host, port, turn.user, turn.password, workdir), encoding="utf-8")
    proc = subprocess.Popen(
        [TURNSERVER, "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not _listening(host, port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log = (
                    (workdir / "turn.log").read_text(errors="replace")[-2000:]
                    if (workdir / "turn.log").exists()
                    else ""
                )
                raise RuntimeError(f"coturn did not start: {log}")
            time.sleep(0.1)
        yield turn
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def _listening(host: str, port: int) -> bool:
    """coturn answers on TCP too: a connect means it is up."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0
