"""Headless Chromium receiving the console's synthetic stream, for figures beside the pane's.

A bench-only page (no gateway, no database) offers recvonly, and on every presented frame
(``requestVideoFrameCallback``) reads the frame's block code from a 16-pixel strip and notes
``timeOrigin + expectedDisplayTime``; capture times come from the same machine's clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from _common import median, pct
from aiohttp import WSMsgType, web

from officer_console.video import glyphs
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.session import CallSession
from officer_console.video.signaling import Message
from officer_console.video.synthetic import SyntheticVideoTrack
from tests.support import chromium

PAGE = """<!doctype html><meta charset="utf-8"><video id="v" autoplay playsinline muted></video>
<script>
const BITS = %(bits)d, BLOCK = %(block)d;
window.samples = []; window.presented = 0;
const c = document.createElement("canvas"); c.width = BITS * BLOCK; c.height = BLOCK;
const ctx = c.getContext("2d", { willReadFrequently: true });
const v = document.getElementById("v");
function onFrame(now, meta) {
  window.presented++;
  ctx.drawImage(v, 0, 0, BITS * BLOCK, BLOCK, 0, 0, BITS * BLOCK, BLOCK);
  const px = ctx.getImageData(0, 0, BITS * BLOCK, BLOCK).data;
  let n = 0;
  for (let b = 0; b < BITS; b++) {
    const i = ((BLOCK >> 1) * BITS * BLOCK + b * BLOCK + (BLOCK >> 1)) * 4;
    n = (n << 1) | (px[i + 1] > 128 ? 1 : 0);
  }
  window.samples.push([n, performance.timeOrigin + meta.expectedDisplayTime]);
  v.requestVideoFrameCallback(onFrame);
}
v.requestVideoFrameCallback(onFrame);
(async () => {
  const ws = new WebSocket("ws://" + location.host + "/ws");
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.ontrack = (e) => { if (e.track.kind === "video") v.srcObject = new MediaStream([e.track]); };
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "answer") await pc.setRemoteDescription(m);
  };
  await new Promise((r) => (ws.onopen = r));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((r) => {
    if (pc.iceGatheringState === "complete") return r();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
  });
  ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
})();
</script>"""


class _WsSignaling:
    """The page's WebSocket as a SignalingChannel for the console's CallSession."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: Message) -> None:
        if not self.ws.closed:
            await self.ws.send_str(json.dumps(message))

    async def receive(self) -> Message | None:
        msg = await self.ws.receive()
        return json.loads(msg.data) if msg.type == WSMsgType.TEXT else None

    async def close(self) -> None:
        await self.ws.close()


async def measure(width: int, height: int, seconds: float, warmup: float) -> dict[str, float]:
    """The console sends its synthetic camera at ``width``x``height`` to Chromium."""
    captured: dict[int, float] = {}
    wall_offset = time.time() - time.monotonic()
    done = asyncio.Event()
    sessions: list[CallSession] = []

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        media = LocalMedia(MediaConfig(width=width, height=height))
        source = media.video.source
        assert isinstance(source, SyntheticVideoTrack)
        source.capture_log = captured
        session = CallSession(_WsSignaling(ws), media)
        sessions.append(session)
        await session.start()
        await done.wait()
        await session.close()
        return ws

    async def page(_request: web.Request) -> web.Response:
        html = PAGE % {"bits": glyphs.CODE_BITS, "block": glyphs.CODE_BLOCK}
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/ws", ws_handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with chromium.open_page(f"http://127.0.0.1:{port}/") as tab:
            await tab.wait_for("window.presented > 5", 30)
            await asyncio.sleep(warmup)
            start = await tab.js("[window.presented, window.samples.length]")
            await asyncio.sleep(seconds - warmup)
            end = await tab.js("[window.presented, window.samples.length]")
            samples: list[Any] = await tab.js(f"window.samples.slice({start[1]})")
            size = await tab.js(
                "[document.getElementById('v').videoWidth, document.getElementById('v').videoHeight]"
            )
    finally:
        done.set()
        await asyncio.sleep(0.2)
        for session in sessions:
            await session.close()
        await runner.cleanup()
    latencies = [
        shown - (captured[n] + wall_offset) * 1000 for n, shown in samples if n in captured
    ]
    return {
        "fps": (end[0] - start[0]) / (seconds - warmup),
        "p50": median(latencies),
        "p95": pct(latencies, 95),
        "width": float(size[0]),
        "height": float(size[1]),
    }
