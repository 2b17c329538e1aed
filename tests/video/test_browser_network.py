"""Headless Chromium as the citizen on a bad network, through the real gateway and page.

* Address change (Wi-Fi → 4G, tests/support/impair.py): the page notices the dead connection,
  tells the citizen, and renegotiates in the same room by itself — no new code, the page never
  leaves the call; the console paints the browser again and keeps recording.
* TURN only (tests/support/turn.py, coturn configured by docs/operations.md): the page's peer
  connection is forced to relay candidates (as a network that blocks all but the relay would);
  the call connects and is recorded.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy.orm import Session, sessionmaker

from officer_console.dispatch.codes import issue_code
from officer_console.gui.common.services import OpRunner
from officer_console.store.db.audit import verify_chain
from officer_console.store.db.engine import transaction
from officer_console.video.call import VideoCall
from officer_console.video.evidence import RecordingTarget
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.recording_files import read_sidecar
from officer_console.video.session import CallSession, CallState
from officer_console.video.signaling import SignalingChannel
from tests.gateway.calls import Call, claimed_call
from tests.gateway.world import build_world, live_gateway, settings_for
from tests.support import chromium, turn
from tests.support.impair import ImpairedSignaling, Impairer, local_address
from tests.support.qtloop import until

Run = Callable[..., Any]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.realtime,  # measured in real time: alone after the parallel run
    pytest.mark.skipif(not chromium.available(), reason="needs /usr/bin/chromium"),
]

RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) {
    return new Native({ ...(config || {}), iceTransportPolicy: "relay" });
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();"""

PAIR_TYPE = """(async () => {
  const pc = state.call && state.call.pc; if (!pc) return null;
  let pair = null; const by = {};
  (await pc.getStats()).forEach((r) => { by[r.id] = r;
    if (r.type === "candidate-pair" && r.nominated && r.state === "succeeded") pair = r; });
  return pair ? by[pair.localCandidateId].candidateType : null;
})()"""


class ImpairedCall(VideoCall):
    """The console's call with its signaling crossing the impairer (media then does too)."""

    net: Impairer | None = None

    async def _connect(self, room_id: str, secret: str) -> SignalingChannel:
        inner = await super()._connect(room_id, secret)
        return ImpairedSignaling(inner, self.net) if self.net is not None else inner


async def join_in_browser(page: chromium.Page, factory: sessionmaker[Session], call: Call) -> None:
    with transaction(factory) as s:
        code = issue_code(s, call.actor, call.appointment_id).code
    await page.wait_for(
        "document.readyState === 'complete' && !!document.getElementById('join_phone')"
    )
    await page.js(
        f"document.getElementById('join_phone').value = {json.dumps(call.phone)};"
        f"document.getElementById('join_code').value = {json.dumps(code)};"
        "document.getElementById('join_button').click(); true"
    )


def _run_call(
    factory: sessionmaker[Session],
    qt_run: Run,
    tmp_path: Path,
    scenario: Callable[[CallSession, chromium.Page, str], Any],
    *,
    ice_servers: tuple[str, ...] = (),
    net: Impairer | None = None,
    page_script: str = "",
) -> tuple[Any, int | None, Any]:
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    settings = replace(settings_for(tmp_path), ice_servers=ice_servers)
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        runner = OpRunner(factory)
        video = ImpairedCall(
            settings,
            call.actor,
            runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        video.net = net
        out: dict[str, Any] = {}

        async def run() -> None:
            session = await video.start(RecordingTarget(call.appointment_id))
            try:
                async with chromium.open_page("about:blank") as page:
                    if page_script:
                        await page.call("Page.enable")
                        await page.call("Page.addScriptToEvaluateOnNewDocument", source=page_script)
                    await page.call("Page.navigate", url=f"{base}/join")
                    await join_in_browser(page, factory, call)
                    await until(lambda: session.state == CallState.CONNECTED, 30)
                    await until(lambda: session.remote_video.converted >= 20, 20)
                    out["result"] = await scenario(session, page, base)
                    out["evidence"] = await video.hang_up()
                    out["recording"] = session.recording
            finally:
                await video.hang_up()

        try:
            qt_run(run(), 150)
        finally:
            runner.shutdown()
    return out["result"], out["evidence"], out["recording"]


def test_address_change_recovers_in_the_same_room_without_a_new_code(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path
) -> None:
    net = Impairer(seed=23)

    async def scenario(session: CallSession, page: chromium.Page, _base: str) -> dict[str, Any]:
        await until(lambda: len(net.paths) >= 1 and net.stats["a->b"].forwarded > 50, 10)
        net.change_address()
        changed = time.monotonic()
        before = session.remote_video.converted
        notice = await page.wait_for(
            "(() => { const n = document.getElementById('call_network');"
            " return n && !n.hidden ? n.textContent : null; })()",
            10,
        )
        await until(lambda: session.peers_opened >= 2, 30)
        await until(lambda: session.remote_video.converted >= before + 30, 30)
        back = time.monotonic() - changed
        restarts = await page.js("state.call.restarts || 0")
        on_call = await page.js(
            "!document.getElementById('call').hidden && document.getElementById('join_form').hidden"
        )
        playing = await page.wait_for(
            "(() => { const v = document.getElementById('remote_video');"
            " return v.videoWidth > 0 && !v.paused ? v.videoWidth : null; })()",
            10,
        )
        return {
            "notice": notice,
            "back_s": back,
            "restarts": restarts,
            "on_call": on_call,
            "playing": playing,
            "paths": len(net.paths),
        }

    try:
        seen, evidence, recording = _run_call(factory, qt_run, tmp_path, scenario, net=net)
    finally:
        net.close()
    assert "网络较差" in seen["notice"]  # the citizen was told before it came back
    assert seen["restarts"] >= 1 and seen["paths"] >= 2  # renegotiated on a new address
    assert seen["on_call"] is True and seen["playing"] == 320  # same page, same call
    assert seen["back_s"] < 15, seen
    assert evidence is not None
    sidecar = read_sidecar(recording.path)  # the recording went on, with the gap noted
    assert sidecar is not None and sidecar["status"] == "stored"
    gaps = [g for g in sidecar["gaps"] if g["side"] == "citizen"]
    assert gaps and all(g["length_s"] > 0 for g in gaps), sidecar["gaps"]
    with av.open(str(recording.path)) as container:
        times = [float(f.time) for f in container.decode(video=0) if f.time is not None]
    # Continuous: no hole in the file (a lost side is filled with its slate), and nearly every
    # 15 fps tick present — a starved CI core may drop a few ticks, never a stretch of them.
    assert max(b - a for a, b in itertools.pairwise(times)) < 1.0
    assert len(times) >= 0.8 * 15 * (sidecar["duration_s"] - 1)
    with transaction(factory) as s:
        assert verify_chain(s).ok  # recording start/stop and its hash, audited in the chain


@pytest.mark.skipif(not turn.available(), reason="needs coturn (scripts/setup.sh)")
def test_relay_only_browser_connects_and_is_recorded(
    factory: sessionmaker[Session], qt_run: Run, tmp_path: Path
) -> None:
    async def scenario(session: CallSession, page: chromium.Page, _base: str) -> str | None:
        result: str | None = await page.wait_for(PAIR_TYPE, 10)
        return result

    with turn.running_turn(local_address()) as server:
        kind, evidence, _recording = _run_call(
            factory,
            qt_run,
            tmp_path,
            scenario,
            ice_servers=(server.url,),
            page_script=RELAY_ONLY,
        )
    assert kind == "relay"
    assert evidence is not None
