"""Headless Chromium as the citizen: book through the Chinese page, then join with the SMS
code and talk to an aiortc "console" over the relay (offer → answer, signature, document).

Screenshots go to $OC_SCREENSHOT_DIR when set (docs/screenshots/citizen_*.png come from here).
"""

from __future__ import annotations

import asyncio
import base64
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.db.models import Appointment, Citizen
from tests.gateway.calls import claimed_call, new_code, open_room
from tests.gateway.world import World, build_world, live_gateway, settings_for
from tests.support.chromium import Browser, require_chromium
from tests.support.databases import SqliteTemplate
from tests.support.shots import shots_dir

pytestmark = pytest.mark.slow


@pytest.fixture
def sqlite_factory(
    sqlite_template: SqliteTemplate, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(sqlite_template.fresh_url(tmp_path))
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def browser() -> Iterator[Browser]:
    require_chromium()
    b = Browser()
    yield b
    b.close()


def shots(tmp_path: Path) -> Path:
    return shots_dir(tmp_path)


def visible(browser: Browser, css: str) -> bool:
    return bool(
        browser.js(
            "const e=document.querySelector(arguments[0]); return !!e && !e.closest('[hidden]');",
            css,
        )
    )


def test_booking_through_the_page(
    browser: Browser, sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    world: World = build_world(sqlite_factory)
    with live_gateway(sqlite_factory, settings_for(tmp_path)) as url:
        browser.get(url + "/")
        browser.wait_js("return document.querySelectorAll('#squad option').length > 1")
        assert browser.text("#tab_book") == "预约办理"
        assert (
            browser.js("return document.documentElement.scrollWidth") <= 390
        )  # no sideways scroll
        browser.type("#openid", "demo-citizen-01")
        browser.js("document.getElementById('openid').dispatchEvent(new Event('change'))")
        browser.type("#name", "张三")
        browser.type("#id_number", "11010519491231002X")
        browser.type("#phone", "13912345678")
        browser.type("#plate", "鲁A10001")
        browser.click("#query_violations")
        browser.wait_js("return document.querySelectorAll('.violation_box').length === 2")
        browser.click(".violation_box")
        browser.click(f"#squad option[value='{world.squad_id}']")
        browser.wait_js("return document.querySelectorAll('.slot').length === 6")
        browser.js("window.scrollTo(0, 0)")
        browser.screenshot(shots(tmp_path) / "citizen_booking.png")
        browser.click(".slot:not([disabled])")
        browser.click("#submit_booking")
        browser.wait(lambda: visible(browser, "#booking_result"), what="booking result")
        result = browser.text("#booking_result")
        assert "预约成功" in result and "鲁A10001" in result and "身份证" in result
        browser.js("document.getElementById('booking_result').scrollIntoView()")
        browser.screenshot(shots(tmp_path) / "citizen_booked.png")
        assert "139****5678" in browser.text("#binding")
        # A second booking by the same account is refused with the rule's message.
        browser.wait_js("return document.querySelectorAll('.slot').length === 6")
        browser.click(".slot:not([disabled])")
        browser.click("#submit_booking")
        browser.wait(lambda: visible(browser, "#message"), what="error message")
        assert "未办理的预约" in browser.text("#message")
        browser.click("#tab_mine")
        browser.wait_js("return document.querySelectorAll('.booking').length === 1")
        assert "待认领" in browser.text(".booking")
    with sqlite_factory() as s:
        appt = s.scalars(select(Appointment)).one()
        person = s.get(Citizen, appt.citizen_id)
        assert person is not None and person.wechat_openid == "demo-citizen-01"
        assert appt.status == "waiting" and appt.vehicle_id is not None


async def _console(
    ws_url: str, secret: str, events: queue.Queue[Any], commands: queue.Queue[str]
) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()
    pc.on(
        "connectionstatechange",
        lambda: connected.set() if pc.connectionState == "connected" else None,
    )
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
            await ws.send_json({"type": "hello", "role": "console", "secret": secret})
            events.put(("welcome", await ws.receive_json(timeout=10)))
            msg = await ws.receive_json(timeout=30)
            while msg["type"] != "offer":
                msg = await ws.receive_json(timeout=30)
            events.put(("offer", msg["sdp"]))
            await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
            pc.addTrack(VideoStreamTrack())
            await pc.setLocalDescription(await pc.createAnswer())
            await ws.send_json({"type": "answer", "sdp": pc.localDescription.sdp})
            await asyncio.wait_for(connected.wait(), 30)
            events.put(("connected", None))
            await ws.send_json({"type": "stage", "step": "notice", "title": "告知"})
            await ws.send_json({"type": "notice", "text": "告知笔录：拟作出罚款200元的处罚……"})
            await ws.send_json({"type": "stage", "step": "confirmation", "title": "确认：请签名"})
            await ws.send_json({
                "type": "request_signature",
                "prompt": "请在框内签名，确认处罚决定",
                "title": "询问笔录",
                "document": "问：当时是谁驾驶？\n答：是我本人驾驶。",
            })  # fmt: skip
            msg = await ws.receive_json(timeout=60)
            events.put((msg["type"], msg.get("png")))
            await ws.send_json({"type": "stage", "step": "service", "title": "电子送达"})
            for _ in range(2):  # served, then 重新发送链接: the page lists it once
                await ws.send_json(
                    {"type": "document", "url": "/api/v1/documents/demo", "title": "处罚决定书"}
                )
            await ws.send_json({"type": "stage", "step": "done", "title": "办结"})
            await asyncio.get_running_loop().run_in_executor(None, commands.get, True, 60)
            await ws.send_json({"type": "bye", "reason": "completed"})
            events.put(("bye_sent", None))
            await asyncio.sleep(0.5)
    finally:
        await pc.close()


def test_join_video_signature_and_document(
    browser: Browser, sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    world = build_world(sqlite_factory)
    call = open_room(sqlite_factory, claimed_call(sqlite_factory, world.squad_id))
    code = new_code(sqlite_factory, call)
    events: queue.Queue[Any] = queue.Queue()
    commands: queue.Queue[str] = queue.Queue()

    def next_event(kind: str, timeout: float = 40) -> Any:
        got, value = events.get(timeout=timeout)
        assert got == kind, (got, value)
        return value

    with live_gateway(sqlite_factory, settings_for(tmp_path)) as url:
        ws_url = url.replace("http://", "ws://") + f"/api/v1/rooms/{call.room_id}/ws"
        console = threading.Thread(
            target=lambda: asyncio.run(_console(ws_url, call.secret, events, commands)), daemon=True
        )
        console.start()
        assert next_event("welcome")["type"] == "welcome"
        browser.get(url + "/join")
        browser.wait(lambda: visible(browser, "#join_form"), what="join form")
        browser.screenshot(shots(tmp_path) / "citizen_join.png")
        browser.type("#join_phone", call.phone)
        browser.type("#join_code", code)
        browser.click("#join_button")
        sdp = next_event("offer")
        assert "m=video" in sdp and "m=audio" in sdp and "a=candidate" in sdp  # gathered first
        next_event("connected")
        browser.wait(lambda: "视频已接通" in browser.text("#call_status"), what="connected status")
        assert "不要切换" in browser.text("#hints") and "勿接听电话" in browser.text("#hints")
        browser.wait(lambda: visible(browser, "#signature_canvas"), what="signature pad")
        browser.wait(lambda: visible(browser, "#procedure_stage"), what="procedure stage")
        assert "确认：请签名" in browser.text("#procedure_title")
        assert browser.text("#procedure_steps li.current") == "确认"
        assert not visible(browser, "#served")  # no served decision yet
        assert "确认处罚决定" in browser.text("#signature_prompt")
        browser.wait(lambda: visible(browser, "#signature_document"), what="record being signed")
        assert browser.text("#signature_document_title") == "询问笔录"
        assert "答：是我本人驾驶。" in browser.text("#signature_document_text")
        browser.click("#signature_submit")  # nothing drawn: an inline message, no alert()
        browser.wait(lambda: visible(browser, "#signature_error"), what="inline error")
        assert "请先在框内签写姓名" in browser.text("#signature_error")
        browser.draw("#signature_canvas", [(-120, 0), (-60, -30), (0, 20), (60, -20), (120, 10)])
        browser.screenshot(shots(tmp_path) / "citizen_signature.png")
        browser.click("#signature_submit")
        png = next_event("signature")
        assert base64.b64decode(png.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
        browser.wait(lambda: visible(browser, "#served"), what="已送达")
        browser.wait(lambda: browser.text("#procedure_steps li.current") == "办结", what="办结")
        links = browser.js(
            "return [...document.querySelectorAll('a')].filter(a => !a.closest('[hidden]'))"
            ".map(a => a.href).filter(h => h.includes('/documents/'))"
        )
        assert len(links) == 1 and links[0].endswith("/api/v1/documents/demo")  # once
        assert "已送达" in browser.text("#served")
        for stale in ("#notice_box", "#signature_status", "#procedure_documents"):
            assert not visible(browser, stale), stale  # no 待签名确认 / 签名已提交 after service
        browser.screenshot(shots(tmp_path) / "citizen_procedure.png")
        browser.wait_js("return document.getElementById('remote_video').videoWidth > 0")
        browser.screenshot(shots(tmp_path) / "citizen_call.png")
        commands.put("bye")
        next_event("bye_sent")
        browser.wait(lambda: visible(browser, "#join_form"), what="join form again")
        assert "民警已结束视频" in browser.text("#call_status")
        assert visible(browser, "#served")  # the documents stay after the call
        assert not visible(browser, "#videos_box") and not visible(browser, "#hangup")
        assert browser.js("return document.getElementById('join_code').value") == ""
        console.join(15)


async def _waiting_console(ws_url: str, secret: str, events: queue.Queue[Any]) -> None:
    """A console that presses 开始视频 after the citizen is waiting: expects ``waiting``."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()
    pc.on(
        "connectionstatechange",
        lambda: connected.set() if pc.connectionState == "connected" else None,
    )
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
            await ws.send_json({"type": "hello", "role": "console", "secret": secret})
            events.put(("welcome", await ws.receive_json(timeout=10)))
            events.put(("waiting", await ws.receive_json(timeout=10)))
            msg = await ws.receive_json(timeout=30)
            while msg["type"] != "offer":
                msg = await ws.receive_json(timeout=30)
            await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
            pc.addTrack(VideoStreamTrack())
            await pc.setLocalDescription(await pc.createAnswer())
            await ws.send_json({"type": "answer", "sdp": pc.localDescription.sdp})
            await asyncio.wait_for(connected.wait(), 30)
            events.put(("connected", None))
            await asyncio.sleep(1.0)
            await ws.send_json({"type": "bye", "reason": "completed"})
            await asyncio.sleep(0.5)
    finally:
        await pc.close()


def test_waiting_room_reload_and_start_video(
    browser: Browser, sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """The citizen enters the code first and waits; a reload keeps the place; 开始视频
    connects at once."""
    world = build_world(sqlite_factory)
    call = claimed_call(sqlite_factory, world.squad_id)
    code = new_code(sqlite_factory, call)
    events: queue.Queue[Any] = queue.Queue()
    with live_gateway(sqlite_factory, settings_for(tmp_path)) as url:
        browser.get(url + "/join")
        browser.wait(lambda: visible(browser, "#join_form"), what="join form")
        browser.type("#join_phone", call.phone)
        browser.type("#join_code", code)
        browser.click("#join_button")
        browser.wait(lambda: visible(browser, "#waiting_room"), what="waiting notice")
        assert "已进入等候，民警即将接通" in browser.text("#call_status")
        browser.screenshot(shots(tmp_path) / "citizen_waiting.png")
        browser.get(url + "/join")  # a reload within the token's validity: same room
        browser.wait(lambda: visible(browser, "#waiting_room"), what="waiting after reload")
        open_room(sqlite_factory, call)
        ws_url = url.replace("http://", "ws://") + f"/api/v1/rooms/{call.room_id}/ws"
        console = threading.Thread(
            target=lambda: asyncio.run(_waiting_console(ws_url, call.secret, events)),
            daemon=True,
        )
        console.start()
        kind, welcome = events.get(timeout=20)
        assert kind == "welcome" and welcome["peer_present"] is True
        kind, waiting = events.get(timeout=20)
        assert kind == "waiting" and waiting["type"] == "waiting" and waiting["since"]
        assert events.get(timeout=40)[0] == "connected"
        browser.wait(lambda: "视频已接通" in browser.text("#call_status"), what="connected")
        assert not visible(browser, "#waiting_room")
        browser.wait(lambda: "民警已结束视频" in browser.text("#call_status"), what="ended")
        console.join(15)
        # reopening /join for the ended appointment: an expired room token ends at once,
        # with the way back to the join form
        browser.get(url + "/join")
        browser.wait(lambda: visible(browser, "#join_form"), what="join form after the end")


async def _stage_console(
    ws_url: str, secret: str, events: queue.Queue[Any], step: str, title: str
) -> None:
    """A console that connects, tells the page its procedure step and hangs up."""
    from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    connected = asyncio.Event()
    pc.on(
        "connectionstatechange",
        lambda: connected.set() if pc.connectionState == "connected" else None,
    )
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
            await ws.send_json({"type": "hello", "role": "console", "secret": secret})
            await ws.receive_json(timeout=10)
            msg = await ws.receive_json(timeout=30)
            while msg["type"] != "offer":
                msg = await ws.receive_json(timeout=30)
            await pc.setRemoteDescription(RTCSessionDescription(msg["sdp"], "offer"))
            pc.addTrack(VideoStreamTrack())
            await pc.setLocalDescription(await pc.createAnswer())
            await ws.send_json({"type": "answer", "sdp": pc.localDescription.sdp})
            await asyncio.wait_for(connected.wait(), 30)
            await ws.send_json({"type": "stage", "step": step, "title": title})
            events.put(("staged", step))
            await asyncio.sleep(1.5)
            await ws.send_json({"type": "bye", "reason": "hangup"})
            events.put(("bye_sent", step))
            await asyncio.sleep(0.5)
    finally:
        await pc.close()


def test_the_page_resumes_with_a_fresh_code_after_the_call_ended(
    browser: Browser, sqlite_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Resume: the officer hangs up at 告知; the page offers the join form again (it used to
    wait forever); a fresh code re-enters the new room and the page lands on the step the
    officer's wizard says is first incomplete."""
    world = build_world(sqlite_factory)
    call = open_room(sqlite_factory, claimed_call(sqlite_factory, world.squad_id))
    events: queue.Queue[Any] = queue.Queue()

    def console(step: str, title: str) -> threading.Thread:
        ws_url = url.replace("http://", "ws://") + f"/api/v1/rooms/{call.room_id}/ws"
        thread = threading.Thread(
            target=lambda: asyncio.run(_stage_console(ws_url, call.secret, events, step, title)),
            daemon=True,
        )
        thread.start()
        return thread

    with live_gateway(sqlite_factory, settings_for(tmp_path)) as url:
        first = console("notice", "告知：请阅读下方拟处罚告知")
        browser.get(url + "/join")
        browser.wait(lambda: visible(browser, "#join_form"), what="join form")
        browser.type("#join_phone", call.phone)
        browser.type("#join_code", new_code(sqlite_factory, call))
        browser.click("#join_button")
        browser.wait(lambda: browser.text("#procedure_steps li.current") == "告知", what="告知")
        assert events.get(timeout=40) == ("staged", "notice")
        assert events.get(timeout=40) == ("bye_sent", "notice")
        first.join(15)
        browser.wait(lambda: visible(browser, "#join_form"), what="join form offered again")
        assert "民警已结束视频" in browser.text("#call_status")
        assert browser.js("return document.getElementById('join_code').value") == ""
        # 开始视频 again (a new room; the old one is replaced) and a fresh code by SMS
        call = open_room(sqlite_factory, call)
        second = console("notice", "告知：请阅读下方拟处罚告知")
        browser.type("#join_code", new_code(sqlite_factory, call))
        browser.click("#join_button")
        assert events.get(timeout=40) == ("staged", "notice")
        browser.wait(lambda: not visible(browser, "#join_form"), what="back in the call")
        browser.wait(lambda: browser.text("#procedure_steps li.current") == "告知", what="告知")
        assert [x.strip() for x in browser.js(
            "return [...document.querySelectorAll('#procedure_steps li.done')].map(e => e.textContent)"
        )] == ["询问"]  # fmt: skip
        browser.screenshot(shots(tmp_path) / "citizen_resumed.png")
        assert events.get(timeout=40) == ("bye_sent", "notice")
        second.join(15)
