"""Accessibility checks in the real headless Chromium (tests/support/chromium.py's CDP page).

* :func:`phone` — a true 390×844 phone viewport by device-metrics emulation (CSS pixels,
  ``mobile``: the page's own viewport meta applies), not a window size;
* :func:`violations` — axe-core (vendored: tests/support/axe/axe.min.js, MPL-2.0, see
  tests/support/axe/README.md) run in the page with the WCAG 2.0/2.1 A and AA rules;
* :func:`text_zoom` / :func:`overflows_sideways` — the page at 200 % text size (the root font
  size, what a phone's "larger text" setting scales) must not scroll sideways.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from tests.support.chromium import Page

AXE = Path(__file__).with_name("axe") / "axe.min.js"
WCAG_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
PHONE = (390, 844)


async def phone(page: Page, width: int = PHONE[0], height: int = PHONE[1]) -> None:
    """Emulate the phone's screen; the page's ``innerWidth`` becomes ``width`` CSS pixels."""
    await page.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=3,
        mobile=True,
    )
    await page.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)


async def viewport(page: Page) -> list[int]:
    """The layout viewport in CSS pixels (a page with a width=device-width meta: the phone's)."""
    return list(await page.js("[window.innerWidth, window.innerHeight]"))


async def violations(page: Page, tags: tuple[str, ...] = WCAG_AA) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now: ``[{id, impact, help, nodes}]``."""
    if not await page.js("typeof window.axe !== 'undefined'"):
        await page.js(AXE.read_text(encoding="utf-8") + "\n;true")
    options = json.dumps({"runOnly": {"type": "tag", "values": list(tags)}})
    found = await page.js(
        f"axe.run(document, {options}).then(r => r.violations.map(v => ({{"
        " id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + n.failureSummary) })))"
    )
    return list(found or [])


async def text_zoom(page: Page, percent: int) -> None:
    """Scale the root font size (100: the page's own, e.g. 长辈模式's 125 %)."""
    value = "" if percent == 100 else f"{percent}%"
    await page.js(f"document.documentElement.style.fontSize = {json.dumps(value)}; true")


async def overflows_sideways(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return int(
        await page.js(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - document.documentElement.clientWidth"
        )
    )


async def check_state(page: Page, name: str) -> dict[str, Any]:
    """axe violations and sideways overflow at 100 % and 200 % text for one page state."""
    size = await viewport(page)
    assert size == list(PHONE), f"{name}: not on the phone viewport: {size}"
    found = await violations(page)
    wide = await overflows_sideways(page)
    await text_zoom(page, 200)
    wide_zoomed = await overflows_sideways(page)
    await text_zoom(page, 100)
    return {"state": name, "violations": found, "overflow": wide, "overflow_200": wide_zoomed}


async def screenshot(page: Page, path: Path) -> None:
    """What the phone shows (the viewport, at the emulated pixel ratio)."""
    shot = await page.call("Page.captureScreenshot", format="png")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))
