"""Headless Chromium as a citizen's phone: one browser process per test process, two drivers.

One module, one flag list (docs/pitfalls.md): the browser is started once per pytest process
(each xdist worker has its own) on first use and stopped at the end of the session
(tests/conftest.py) or at exit (bench/). Every test gets a fresh, isolated browsing context:

- :func:`open_page` — the DevTools protocol (async; the video tests and bench): a new browser
  context (own cookies, storage, permissions) with one page, disposed afterwards;
- :class:`Browser` — W3C WebDriver over chromedriver's HTTP API (sync; the citizen page tests),
  attached to the same browser; the origins it visited are wiped when it closes.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests

CHROMIUM = os.environ.get("OFFICER_CONSOLE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
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
    "--window-size=390,844",  # a phone: the citizen page's layout is checked at this width
    "--remote-debugging-port=0",
)
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element key
_DEVTOOLS = re.compile(rb"DevTools listening on (ws://\S+)")


def available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


def require_chromium() -> None:
    """Skip loudly without Chromium; under CI=true a missing browser is a failure."""
    if available() and Path(CHROMEDRIVER).exists():
        return
    message = "Debian chromium and chromium-driver are needed (scripts/setup.sh installs them)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message + " (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip("!!! " + message + " !!!")


class Chromium:
    """A running headless Chromium, its DevTools endpoint and its own process group."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="oc-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self._found: list[str] = []
        self._ready = threading.Event()
        self._pump = threading.Thread(target=self._read_stderr, daemon=True)
        self._pump.start()
        if not self._ready.wait(30) or not self._found:
            self.stop()
            raise RuntimeError("Chromium did not open DevTools within 30 s")
        self.endpoint = self._found[0]  # ws://127.0.0.1:PORT/devtools/browser/ID
        self.address = self.endpoint.split("/")[2]  # 127.0.0.1:PORT

    def _read_stderr(self) -> None:
        """Find the DevTools line, then keep draining (a full pipe would stall Chromium)."""
        assert self.proc.stderr is not None
        with self.proc.stderr as stream:
            for line in stream:
                match = _DEVTOOLS.search(line)
                if match and not self._found:
                    self._found.append(match.group(1).decode())
                    self._ready.set()
        self._ready.set()  # exited without DevTools

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._pump.join(10)  # ends at the pipe's end of file and closes it
        shutil.rmtree(self.profile, ignore_errors=True)


_shared: dict[str, Chromium] = {}  # one browser per test process
_shared_lock = threading.Lock()


def shared() -> Chromium:
    """This process's browser, started on first use (it costs seconds; pages cost little)."""
    with _shared_lock:
        browser = _shared.get("browser")
        if browser is None or browser.proc.poll() is not None:
            browser = _shared["browser"] = Chromium()
        return browser


@atexit.register
def stop_shared() -> None:
    with _shared_lock:
        browser = _shared.pop("browser", None)
        if browser is not None:
            browser.stop()


class Page:
    """One page target over the DevTools protocol."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        await self._ws.send_str(json.dumps({"id": msg_id, "method": method, "params": params}))
        while True:
            data = json.loads((await self._ws.receive()).data)
            if data.get("id") == msg_id:
                if "error" in data:
                    raise RuntimeError(f"CDP {method}: {data['error']}")
                return dict(data.get("result", {}))

    async def js(self, expression: str) -> Any:
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    async def type_into(self, element_id: str, text: str) -> None:
        """Focus the element (its text selected) and type ``text`` as keyboard input would."""
        await self.js(
            f"(() => {{ const e = document.getElementById({json.dumps(element_id)});"
            " e.scrollIntoView({block: 'center'}); e.focus(); e.select(); return true; })()"
        )
        await self.call("Input.insertText", text=text)

    async def click(self, element_id: str) -> None:
        """A real left click (mouse pressed and released) at the centre of a visible element."""
        box = await self.js(
            f"(() => {{ const e = document.getElementById({json.dumps(element_id)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return r.width > 0 && r.height > 0"
            " ? [r.left + r.width / 2, r.top + r.height / 2] : null; })()"
        )
        if not box:
            raise AssertionError(f"#{element_id} is not visible, cannot click it")
        for kind in ("mousePressed", "mouseReleased"):
            await self.call(
                "Input.dispatchMouseEvent",
                type=kind,
                x=box[0],
                y=box[1],
                button="left",
                clickCount=1,
            )

    async def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = await self.js(expression)
            if value:
                return value
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"page never satisfied: {expression}")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def open_page(url: str) -> AsyncIterator[Page]:
    """A page on ``url`` in a new browser context of the shared browser, disposed afterwards."""
    browser = await asyncio.to_thread(shared)
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(browser.endpoint, max_msg_size=0) as root_ws,
    ):
        root = Page(root_ws)
        context = (await root.call("Target.createBrowserContext"))["browserContextId"]
        try:
            target = await root.call("Target.createTarget", url=url, browserContextId=context)
            page_url = f"ws://{browser.address}/devtools/page/{target['targetId']}"
            async with http.ws_connect(page_url, max_msg_size=0) as ws:
                yield Page(ws)
        finally:
            with contextlib.suppress(Exception):
                await root.call("Target.disposeBrowserContext", browserContextId=context)


class Browser:
    """A WebDriver session (chromedriver) on the shared browser, phone-sized."""

    def __init__(self) -> None:
        browser = shared()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.driver = subprocess.Popen(
            [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{port}"
        self.origins: set[str] = set()
        try:
            self._wait_ready()
            options = {"debuggerAddress": browser.address}
            caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
            # mobileEmulation cannot be asked of an attached browser: the same through CDP
            self.cdp(
                "Emulation.setDeviceMetricsOverride",
                width=PHONE["width"],
                height=PHONE["height"],
                deviceScaleFactor=PHONE["pixelRatio"],
                mobile=True,
            )
            self.cdp("Emulation.setTouchEmulationEnabled", enabled=True)
            self.cdp("Network.clearBrowserCookies")
        except BaseException:
            self.driver.terminate()
            self.driver.wait(10)
            raise

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(f"{self.base}/status", timeout=2).json()["value"]["ready"]:
                    return
            except (requests.ConnectionError, ValueError, KeyError):
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.1)

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = requests.request(method, self.base + path, json=body, timeout=60)
        value = resp.json()["value"]
        if resp.status_code >= 400:
            raise AssertionError(f"WebDriver {method} {path}: {value}")
        return value

    def s(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    def cdp(self, command: str, **params: Any) -> Any:
        return self.s("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def get(self, url: str) -> None:
        self.origins.add("/".join(url.split("/")[:3]))
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
        first = {"type": "pointerMove", "duration": 0, "origin": origin}
        moves: list[dict[str, Any]] = [
            {**first, "x": points[0][0], "y": points[0][1]},
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
        """Leave the shared browser as found: the visited origins' data wiped, one blank tab."""
        try:
            self.get("about:blank")
            for origin in self.origins - {"about:blank"}:
                self.cdp("Storage.clearDataForOrigin", origin=origin, storageTypes="all")
            self.cdp("Network.clearBrowserCookies")
            self.s("DELETE", "")  # attached: chromedriver leaves the browser running
        finally:
            self.driver.terminate()
            self.driver.wait(10)
