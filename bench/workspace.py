"""The live-call workspace and the citizen page, in figures (issue 21).

* **Window width during a call at 1366×768**: the real main window, maximized on a 1366×768
  offscreen screen, a pinned call, a simple one-violation case walked through every procedure
  page (with and without the drop banner, with the queue brought up by F9): the widest the
  window is or would have to be (its minimum size) at any step. Must be ≤ 1366.
* **Officer interactions for a simple case** (clicks + fields edited, from 开始办理 to 电子送达).
  Must stay ≤ 21 (19 since each signature is asked for by itself and 采用 completes the page).
* **axe-core violations per citizen page state** (WCAG 2.1 A/AA, real headless Chromium at a
  390×844 phone viewport, plus sideways overflow at 200 % text): booking … ended, 长辈模式,
  and the verification page. Must be 0.

SQLite only: neither figure depends on the database. Run: ``.venv/bin/python bench/workspace.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_SCREEN = Path(tempfile.mkdtemp(prefix="oc-bench-ws-")) / "screen.json"
_SCREEN.write_text(
    json.dumps({"screens": [{"name": "s", "x": 0, "y": 0, "width": 1366, "height": 768}]})
)
os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QEventLoop, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from officer_console.config import load_settings  # noqa: E402
from officer_console.documents.democa import ensure_demo_pki  # noqa: E402
from officer_console.gui.case.panel import CasePanel  # noqa: E402
from officer_console.gui.queue.pane import QueuePane  # noqa: E402
from officer_console.gui.shell import i18n  # noqa: E402
from officer_console.gui.shell.main_window import MainWindow  # noqa: E402
from officer_console.store.db.engine import make_engine, session_factory  # noqa: E402
from officer_console.store.db.schema import migrate  # noqa: E402
from tests.documents.world import issued_case  # noqa: E402
from tests.gateway.calls import claimed_call, new_code, open_room  # noqa: E402
from tests.gateway.world import build_world, live_gateway, settings_for  # noqa: E402
from tests.support import a11y, chromium, console, queue_world  # noqa: E402
from tests.support.case_documents import demo_pki  # noqa: E402
from tests.support.citizen_walk import Report, walk  # noqa: E402
from tests.support.procedure_gui import (  # noqa: E402
    FakeChannel,
    Officer,
    finish_case,
    walk_simple_case,
)
from tests.support.procedure_world import build  # noqa: E402


def _database(tmp: Path, name: str) -> str:
    url = f"sqlite:///{tmp / name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


def pump(app: QApplication) -> Callable[[Callable[[], bool]], None]:
    def wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the console did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            time.sleep(0.0005)

    return wait


def call_layout(app: QApplication, tmp: Path) -> None:
    i18n.install_translators(app, "zh_CN")
    pki = demo_pki()
    os.environ["OFFICER_CONSOLE_SIGNING_P12_PASSWORD"] = pki.password
    services = console.make_services(
        _database(tmp, "gui.db"), data_dir=tmp / "gui", signing_p12=str(pki.unit_p12)
    )
    world = build(services.factory)
    queue_world.sign_in(services, world.lead.police_number)
    window = MainWindow(services, panes=lambda s: (QueuePane(s), CasePanel(s, opener=bool)))
    window.showMaximized()
    wait = pump(app)
    case = window.case_panel
    assert isinstance(case, CasePanel)
    case.show_appointment(world.appointment_id)
    wait(lambda: case.case is not None)
    widths: dict[str, int] = {}

    def measure(step: str) -> None:
        for _ in range(3):
            app.processEvents()
        widths[step] = max(window.width(), window.minimumSizeHint().width())
        pane = case.handling.video_pane
        pane.banner.setVisible(True)
        widths[f"{step}+横幅"] = max(window.width(), window.minimumSizeHint().width())
        pane.banner.setVisible(False)

    measure("案件")
    case.handling.call_started.emit(world.appointment_id)
    panel = case.handling.procedure.panel
    panel.set_channel(FakeChannel())
    panel.page_ready.connect(measure)
    officer = Officer(panel, wait)
    wait(panel.start_button.isEnabled)
    measure("开始办理前")
    QTest.keyClick(window, Qt.Key.Key_F9)
    measure("开始办理前+队列")
    QTest.keyClick(window, Qt.Key.Key_F9)
    walk_simple_case(officer, world.id_last4)
    finish_case(officer)
    assert panel.view is not None and panel.view.status == "completed"
    case.handling.call_ended.emit(world.appointment_id)
    measure("挂断后")
    screen = window.screen().availableGeometry()
    print(f"-- call workspace on a {screen.width()}×{screen.height()} screen (maximized)")
    print(f"   window width per step: {widths}")
    print(f"   max window width during the call: {max(widths.values())} px (must be ≤ 1366)")
    print(f"   officer interactions, simple case: {officer.interactions} (must be ≤ 21)")
    panel.page_ready.disconnect(measure)
    window.close_for_shutdown()
    services.close()


async def _citizen(tmp: Path) -> Report:
    factory = session_factory(make_engine(_database(tmp, "citizen.db")))
    world = build_world(factory)
    call = claimed_call(factory, world.squad_id)
    code = new_code(factory, call)
    report = Report(tmp / "shots")
    with live_gateway(factory, settings_for(tmp / "gw")) as url:
        async with chromium.open_page("about:blank") as page:
            await walk(
                page, url, call, code, open_room=lambda: open_room(factory, call), report=report
            )
    settings = load_settings(env={}, data_dir=tmp / "verify", database_url="")
    pki = ensure_demo_pki(settings.data_dir)
    issued = await asyncio.to_thread(issued_case, factory, settings.evidence_dir, pki)
    with live_gateway(factory, settings) as base:
        url = f"{base}/verify?n={issued.decision.number}&c={issued.decision.verify_code}"
        async with chromium.open_page("about:blank") as page:
            await a11y.phone(page)
            await page.call("Page.navigate", url=url)
            await page.wait_for("document.getElementById('go') !== null")
            await report.check(page, "核验页")
    return report


def citizen_page(tmp: Path) -> None:
    report = asyncio.run(_citizen(tmp))
    print("-- citizen page: axe-core 4.14.1 (WCAG 2.1 A/AA), 390×844 phone viewport")
    for s in report.states:
        print(
            f"   {s['state']}: {len(s['violations'])} violations,"
            f" sideways overflow {s['overflow']} px (200 % text: {s['overflow_200']} px)"
        )
    total = sum(len(s["violations"]) for s in report.states)
    print(f"   total violations over {len(report.states)} states: {total} (must be 0)")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="oc-bench-ws-"))
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    call_layout(app, tmp)
    citizen_page(tmp)


if __name__ == "__main__":
    main()
