"""Headless Chromium as a citizen's phone: launch with docs/pitfalls.md's flags, drive it over CDP.

Only what the video tests and bench need: open a URL, evaluate JavaScript (awaiting promises),
type into and click elements as a person would, and stop the browser — its whole process group, which we created, by id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = os.environ.get("OFFICER_CONSOLE_TEST_CHROMIUM", "/usr/bin/chromium")
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
    "--remote-debugging-port=0",
)
_DEVTOOLS = re.compile(rb"DevTools listening on (ws://\S+)")


def available() -> bool:
    return Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)


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
    """Start a fresh headless Chromium on ``url``; always stopped (process group) afterwards."""
    profile = tempfile.mkdtemp(prefix="oc-chromium-")
    proc = await asyncio.create_subprocess_exec(
        CHROMIUM,
        *FLAGS,
        f"--user-data-dir={profile}",
        url,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
    )
    drain: asyncio.Task[None] | None = None
    try:
        assert proc.stderr is not None
        endpoint = await asyncio.wait_for(_devtools_url(proc.stderr), 20)
        drain = asyncio.create_task(_drain(proc.stderr))  # a full pipe would stall Chromium
        port = endpoint.split(":")[2].split("/")[0]
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                targets = await (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
                pages = [t for t in targets if t.get("type") == "page"]
                if pages:
                    break
                await asyncio.sleep(0.1)
            async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                yield Page(ws)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        if drain is not None:
            drain.cancel()
            await asyncio.gather(drain, return_exceptions=True)
        shutil.rmtree(profile, ignore_errors=True)


async def _devtools_url(stream: asyncio.StreamReader) -> str:
    while True:
        line = await stream.readline()
        if not line:
            raise RuntimeError("Chromium exited before opening DevTools")
        found = _DEVTOOLS.search(line)
        if found:
            return found.group(1).decode()


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass
