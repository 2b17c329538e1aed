"""The citizen page walked through every state a citizen can reach, in one page load, each
state checked by :func:`tests.support.a11y.check_state` (tests/gateway/test_citizen_a11y.py and
bench/workspace.py).

Booking, my bookings, join, a wrong code, the waiting room; then the officer's console (a
real signaling client on the room) drives every procedure stage, the signature pad, served,
ended; 长辈模式 switched on, remembered on the next visit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.gateway.calls import Call
from tests.support import a11y, chromium

STAGES = (
    ("inquiry", "询问", None),
    ("notice", "告知", "告知笔录：民警告知拟作出的处罚及依据，你有权陈述和申辩。"),
    ("ruling", "裁决", None),
    ("confirmation", "确认", "处罚决定书（待签名确认）\n编号：370102-2026-000001\n罚款200元"),
)


def _visible(css: str) -> str:
    return (
        f"(() => {{ const e = document.querySelector({json.dumps(css)});"
        " return !!e && !e.closest('[hidden]'); })()"
    )


async def _text(page: chromium.Page, element_id: str) -> str:
    return str(await page.js(f"document.getElementById({json.dumps(element_id)}).textContent"))


class Report:
    """Every state's findings (and a screenshot each); the test fails once, listing all."""

    def __init__(self, shots: Path) -> None:
        self.states: list[dict[str, Any]] = []
        self.shots = shots

    async def check(self, page: chromium.Page, name: str) -> None:
        await a11y.screenshot(page, self.shots / f"citizen_a11y_{len(self.states):02d}.png")
        self.states.append(await a11y.check_state(page, name))

    def problems(self) -> list[str]:
        out = []
        for s in self.states:
            out += [
                f"{s['state']}: {v['id']} ({v['impact']}) {v['nodes'][:3]}" for v in s["violations"]
            ]
            if s["overflow"] > 0 or s["overflow_200"] > 0:
                out.append(f"{s['state']}: scrolls sideways {s['overflow']}/{s['overflow_200']} px")
        return out


async def _console(ws_url: str, secret: str) -> aiohttp.ClientWebSocketResponse:
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(ws_url)
    ws._oc_http = http  # type: ignore[attr-defined]  # closed with the socket below
    await ws.send_json({"type": "hello", "role": "console", "secret": secret})
    assert (await ws.receive_json(timeout=10))["type"] == "welcome"
    return ws


async def _close(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.close()
    await ws._oc_http.close()  # type: ignore[attr-defined]


async def walk(
    page: chromium.Page,
    url: str,
    call: Call,
    code: str,
    *,
    open_room: Callable[[], None],
    report: Report,
) -> None:
    """Every state of the page at the phone viewport; ``open_room`` is 开始视频."""
    await a11y.phone(page)
    await page.call("Page.enable")
    await page.call("Page.navigate", url=url + "/")
    await page.wait_for("document.querySelectorAll('#squad option').length > 1")
    await report.check(page, "预约")
    await page.click("tab_mine")
    await report.check(page, "我的预约")
    await page.click("tab_join")
    await page.wait_for(_visible("#join_form"))
    await report.check(page, "进入视频")
    # a wrong code: the message is inline and announced
    await page.type_into("join_phone", call.phone)
    await page.type_into("join_code", "000000")
    await page.click("join_button")
    await page.wait_for(_visible("#message"))
    await report.check(page, "验证码错误")
    await page.type_into("join_code", code)
    await page.click("join_button")
    await page.wait_for(_visible("#waiting_room"))
    await report.check(page, "等候")

    open_room()
    ws_url = url.replace("http://", "ws://") + f"/api/v1/rooms/{call.room_id}/ws"
    console = await _console(ws_url, call.secret)
    try:
        await page.wait_for(_visible("#call_status") + " && document.getElementById("
                            "'waiting_room').hidden")  # fmt: skip
        await report.check(page, "视频")
        for step, label, text in STAGES:
            await console.send_json({"type": "stage", "step": step, "title": label})
            if text:
                await console.send_json({"type": "notice", "text": text})
            await page.wait_for(
                f"document.querySelector('#procedure_steps li.current')?.textContent"
                f" === {json.dumps(label)}"
            )
            if text:
                await page.wait_for(_visible("#notice_box"))
            announced = await page.wait_for("document.getElementById('announcer').textContent")
            assert label in announced  # the live region says the new stage
            await report.check(page, f"阶段·{label}")
        await console.send_json({"type": "request_signature", "prompt": "请签名确认处罚决定书"})
        await page.wait_for(_visible("#signature_canvas"))
        assert "罚款200元" in await _text(page, "signature_document_text")
        await page.click("signature_submit")  # nothing drawn: inline error
        await page.wait_for(_visible("#signature_error"))
        await report.check(page, "签名")
        await page.js("document.getElementById('signature_pad').hidden = true")
        await console.send_json({"type": "stage", "step": "service", "title": "电子送达"})
        await console.send_json(
            {"type": "document", "url": "/api/v1/documents/demo", "title": "处罚决定书"}
        )
        await console.send_json({"type": "stage", "step": "done", "title": "办结"})
        await page.wait_for(_visible("#served"))
        await report.check(page, "已送达")
        await console.send_json({"type": "bye", "reason": "completed"})
        await page.wait_for(_visible("#join_form"))  # ended: the way back, no reload
        await report.check(page, "已结束")
    finally:
        await _close(console)

    # 长辈模式: switched on the page, ≥ 18 px type, remembered after a reload
    await page.click("elder_toggle")
    assert await page.js("document.getElementById('elder_toggle').getAttribute('aria-pressed')") == "true"  # fmt: skip
    await report.check(page, "长辈模式·已结束")
    await page.call("Page.navigate", url=url + "/join")  # a new visit
    await asyncio.sleep(0.5)
    await page.wait_for("document.readyState === 'complete'")
    await page.wait_for(_visible("#join_form"))
    assert await page.js("document.documentElement.classList.contains('elder')")
    base = await page.js("parseFloat(getComputedStyle(document.body).fontSize)")
    assert base >= 18, base
    await report.check(page, "长辈模式·进入视频")
    await page.click("tab_book")
    await page.wait_for("document.querySelectorAll('#squad option').length > 1")
    await report.check(page, "长辈模式·预约")
    # the checker itself: an unlabelled field on the same page is found
    await page.js(
        "document.querySelector('main').append(Object.assign("
        "document.createElement('input'), {id: 'probe'})); true"
    )
    assert "label" in [v["id"] for v in await a11y.violations(page)]
