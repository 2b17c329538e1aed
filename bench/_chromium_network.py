"""Headless Chromium receiving the console's synthetic stream through the impairer.

Like _chromium_receiver.py (same block-code reading on every presented frame), plus what a
bad network needs: the page asks for a (fake) microphone first — without a media permission
Chromium hides its addresses behind mDNS names the impairer cannot rewrite — and renegotiates
after 2 s "disconnected" or "failed", as the citizen page does. Audio loss is Chromium's own
count of concealed 20 ms frames (the audio track plays in an <audio> element, so Chromium
decodes it and conceals what is missing).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from _chromium_receiver import _WsSignaling
from aiohttp import web

from officer_console.video import glyphs
from officer_console.video.media import LocalMedia, MediaConfig
from officer_console.video.session import CallSession
from officer_console.video.synthetic import SyntheticVideoTrack
from tests.support import chromium
from tests.support.impair import ImpairedSignaling, Impairer

PAGE = """<!doctype html><meta charset="utf-8"><video id="v" autoplay playsinline muted></video>
<script>
const BITS = %(bits)d, BLOCK = %(block)d;
window.samples = []; window.presented = 0; window.restarts = 0;
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
window.audioConcealed = async () => {
  let n = 0;
  if (window.pc) (await window.pc.getStats()).forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") n += (r.concealedSamples || 0) / 960;
  });
  return window.concealedBefore + n;
};
window.concealedBefore = 0;
(async () => {
  await navigator.mediaDevices.getUserMedia({ audio: true }).catch(() => null);
  const ws = new WebSocket("ws://" + location.host + "/ws");
  await new Promise((r) => (ws.onopen = r));
  async function offer() {
    if (window.pc) { window.concealedBefore = await window.audioConcealed(); window.pc.close(); }
    const pc = window.pc = new RTCPeerConnection({ iceServers: [] });
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.addTransceiver("audio", { direction: "recvonly" });
    pc.ontrack = (e) => {
      if (e.track.kind === "video") v.srcObject = new MediaStream([e.track]);
      else { const a = new Audio(); a.srcObject = new MediaStream([e.track]); a.play(); }
    };
    let down = 0;
    const timer = setInterval(() => {
      if (window.pc !== pc) { clearInterval(timer); return; }
      const s = pc.connectionState;
      if (s === "disconnected" || s === "failed") {
        down = down || Date.now();
        if (s === "failed" || Date.now() - down >= 2000) {
          clearInterval(timer); window.restarts++; offer();
        }
      } else down = 0;
    }, 250);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => {
      if (pc.iceGatheringState === "complete") return r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && r();
    });
    ws.send(JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }));
  }
  ws.onmessage = async (e) => {
    const m = JSON.parse(e.data);
    if (m.type === "answer" && window.pc) await window.pc.setRemoteDescription(m);
  };
  await offer();
})();
</script>"""


async def measure_impaired(
    net: Impairer,
    condition: Callable[[Impairer], Awaitable[float | None]],
    *,
    width: int,
    height: int,
    seconds: float,
    warmup: float,
) -> dict[str, Any]:
    """Run ``condition`` (returns the wall time its event ended, or None) while Chromium
    receives; returns the presented frames as (capture monotonic, shown monotonic) pairs."""
    captured: dict[int, float] = {}
    offset = time.time() - time.monotonic()
    done = asyncio.Event()

    async def ws_handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        media = LocalMedia(MediaConfig(width=width, height=height))
        source = media.video.source
        assert isinstance(source, SyntheticVideoTrack)
        source.capture_log = captured
        session = CallSession(ImpairedSignaling(_WsSignaling(ws), net), media)
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
            start = time.monotonic()
            skip = await tab.js("window.samples.length")
            audio0 = await tab.js("window.audioConcealed()")
            event = await condition(net)
            await asyncio.sleep(max(0.0, seconds - (time.monotonic() - start)))
            end = time.monotonic()
            samples: list[Any] = await tab.js(f"window.samples.slice({skip})")
            audio = await tab.js("window.audioConcealed()") - audio0
            restarts = await tab.js("window.restarts")
    finally:
        done.set()
        await asyncio.sleep(0.2)
        await runner.cleanup()
    shown = [(captured.get(n), t / 1000 - offset) for n, t in samples]
    return {
        "frames": [(c, s) for c, s in shown if c is not None],
        "shown": [s for _c, s in shown],
        "start": start,
        "end": end,
        "event": event,
        "audio_lost": audio,
        "restarts": restarts,
    }
