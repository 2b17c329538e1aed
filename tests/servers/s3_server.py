"""moto's S3 server (``moto_server``) as a child process on 127.0.0.1 — a real S3-protocol
HTTP server, so the evidence store is tested through boto3 exactly as in production."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_ID, KEY_SECRET = "testkeyid", "testsecretkey"
REGION = "us-east-1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class S3Server:
    process: subprocess.Popen[bytes]
    endpoint: str

    def client(self) -> Any:
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=KEY_SECRET,
        )

    def bucket(self, *, lock: bool = False) -> str:
        """A fresh bucket (object lock enabled when ``lock``)."""
        name = f"evidence-{secrets.token_hex(4)}"
        self.client().create_bucket(Bucket=name, ObjectLockEnabledForBucket=lock)
        return name

    def env(self) -> dict[str, str]:
        return {
            "OFFICER_CONSOLE_S3_ACCESS_KEY_ID": KEY_ID,
            "OFFICER_CONSOLE_S3_SECRET_ACCESS_KEY": KEY_SECRET,
        }

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def start_s3_server(log: Path) -> S3Server:
    port = _free_port()
    binary = Path(sys.executable).with_name("moto_server")
    env = {**os.environ, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": KEY_SECRET}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text(errors='replace')[-500:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return S3Server(process, f"http://127.0.0.1:{port}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("moto_server did not start within 30 s")
