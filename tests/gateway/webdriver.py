"""A minimal W3C WebDriver client over chromedriver's HTTP API (no selenium needed),
driving Debian's headless Chromium as a phone-sized citizen browser (docs/pitfalls.md flags)."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element key
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream=fps=30",
    "--autoplay-policy=no-user-gesture-required",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
    "--window-size=390,844",
]


def require_chromium() -> None:
    """Skip loudly without Chromium; under CI=true a missing browser is a failure."""
    if Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists():
        return
    message = "Debian chromium and chromium-driver are needed (scripts/setup.sh installs them)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip("!!! " + message + " !!!")


class Browser:
    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="oc-chromium-")
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{self.base}/status", timeout=2).json()["value"]["ready"]:
                    break
            except (requests.ConnectionError, ValueError, KeyError):
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.1)
        options = {
            "binary": CHROMIUM,
            "args": [*FLAGS, f"--user-data-dir={self.profile}"],
            "mobileEmulation": {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2}},
        }
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = requests.request(method, self.base + path, json=body, timeout=60)
        value = resp.json()["value"]
        if resp.status_code >= 400:
            raise AssertionError(f"WebDriver {method} {path}: {value}")
        return value

    def s(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url: str) -> None:
        self.s("POST", "/url", {"url": url})

    def js(self, script: str, *args: Any) -> Any:
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css: str) -> str:
        found = self.s("POST", "/element", {"using": "css selector", "value": css})
        return str(found[ELEMENT])

    def click(self, css: str) -> None:
        self.s("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self.s("POST", f"/element/{element}/clear", {})
        self.s("POST", f"/element/{element}/value", {"text": text})

    def text(self, css: str) -> str:
        return str(self.s("GET", f"/element/{self.find(css)}/text"))

    def wait(self, condition: Callable[[], Any], timeout: float = 20, what: str = "") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = condition()
                if value:
                    return value
            except AssertionError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or condition}")
            time.sleep(0.1)

    def wait_js(self, script: str, timeout: float = 20) -> Any:
        return self.wait(lambda: self.js(script), timeout, what=script)

    def draw(self, css: str, points: list[tuple[int, int]]) -> None:
        """Drag a mouse across an element (offsets from its centre): pointer events."""
        origin = {ELEMENT: self.find(css)}
        moves: list[dict[str, Any]] = [
            {
                "type": "pointerMove",
                "duration": 0,
                "origin": origin,
                "x": points[0][0],
                "y": points[0][1],
            },
            {"type": "pointerDown", "button": 0},
        ]
        moves += [
            {"type": "pointerMove", "duration": 30, "origin": origin, "x": x, "y": y}
            for x, y in points[1:]
        ]
        moves.append({"type": "pointerUp", "button": 0})
        action = {
            "type": "pointer",
            "id": "finger",
            "parameters": {"pointerType": "mouse"},
            "actions": moves,
        }
        self.s("POST", "/actions", {"actions": [action]})

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.s("GET", "/screenshot")))

    def close(self) -> None:
        try:
            self.s("DELETE", "")
        finally:
            self.driver.terminate()
            self.driver.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)
