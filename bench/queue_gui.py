"""Issue 3 figures for the real QueuePane on 100,000 appointments (10 squads), both backends:
first paint, scrolling (fetchMore pages), the GUI thread's longest stall while loading (a 5 ms
heartbeat: max gap − 5 ms) and the live-update delay (another engine commits a claim → the
row is updated in the model). Targets: first paint ≤ 200 ms, no stall > 50 ms, live update
≤ 1 s on PostgreSQL and ≤ 2 s on SQLite.

``python queue_gui.py screenshot [PATH]`` renders QueuePane + CasePanel on the demo data.
``python queue_gui.py casework`` prints the issue 10 figures (bench/_casework.py): reads per
dispatch click and the GUI thread's longest stall during live updates with the case panel open.
"""

from __future__ import annotations

import gc
import os
import secrets
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import ROOT, databases, median, pct
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QSplitter
from queue_page import APPOINTMENTS, SQUADS, seed
from sqlalchemy import select

from officer_console.config import load_settings
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.gui.queue.model import QueueModel
from officer_console.gui.queue.pane import QueuePane
from officer_console.store.appointments import queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.db.models import Officer
from officer_console.store.people import accounts

PAGES_SCROLLED, LIVE_SAMPLES = 20, 10


class Heartbeat(QObject):
    """Longest gap between 5 ms timer ticks, minus the 5 ms: how long the GUI thread stalled."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._beat)
        self.reset()

    def reset(self) -> None:
        self.last = time.perf_counter()
        self.worst = 0.0

    def _beat(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self.last) * 1000 - 5)
        self.last = now


class FirstPaint(QObject):
    def __init__(self, model: QueueModel) -> None:
        super().__init__()
        self.model = model
        self.at: float | None = None

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint and self.at is None and self.model.rowCount():
            self.at = time.perf_counter()
        return False


def spin(app: QApplication, until: object, timeout: float = 10.0) -> float:
    t0 = time.perf_counter()
    while not until():  # type: ignore[operator]
        app.processEvents()
        time.sleep(0.0005)
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("condition not reached")
    return time.perf_counter() - t0


def services_for(url: str, police_number: str) -> Services:
    engine = make_engine(url)
    factory = session_factory(engine)
    settings = load_settings(env={}, database_url=url, workstation=f"bench-{police_number}")
    svc = Services(settings=settings, engine=engine, factory=factory, runner=OpRunner(factory))
    with factory() as s:
        officer = s.scalars(select(Officer).where(Officer.police_number == police_number)).one()
        svc.officer = accounts.officer_info(s, officer)
    return svc


def measure(app: QApplication, label: str, url: str) -> None:
    load = os.getloadavg()[0]
    seed(url)
    # The other workstation: same officer, its own engine and connections.
    svc, other = services_for(url, "370100001"), services_for(url, "370100001")
    beat = Heartbeat()
    beat.timer.start()
    paints, blocks = [], []
    pane: QueuePane | None = None
    for _ in range(5):
        if pane is not None:
            pane.shutdown()
            pane.deleteLater()
            app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
            gc.collect()  # the old pane's teardown is not the new pane's loading
        beat.reset()
        t0 = time.perf_counter()
        pane = QueuePane(svc)
        probe = FirstPaint(pane.model)
        pane.queue_view.viewport().installEventFilter(probe)
        pane.resize(1100, 800)
        pane.show()
        spin(app, lambda p=probe: p.at is not None)
        paints.append((probe.at - t0) * 1000)  # type: ignore[operator]
        blocks.append(beat.worst)
    assert pane is not None
    model = pane.model
    print(
        f"{label}: {APPOINTMENTS:,} appointments, {SQUADS} squads; squad queue {model.total:,} "
        f"rows (load average {load:.1f} on {os.cpu_count()} cores before the run)"
    )
    print(
        f"  first paint (construct → rows painted): first pane in the process {paints[0]:.0f} ms "
        f"(GUI stall {blocks[0]:.1f} ms, includes Qt's one-time style/font set-up); "
        f"next panes median {median(paints[1:]):.0f} ms, max {max(paints[1:]):.0f} ms "
        f"(GUI stall max {max(blocks[1:]):.1f} ms)"
    )
    beat.reset()
    page_ms = []
    for _ in range(PAGES_SCROLLED):
        before = model.rowCount()
        t0 = time.perf_counter()
        pane.queue_view.scrollToBottom()
        spin(app, lambda b=before: model.rowCount() > b and not model.loading)
        page_ms.append((time.perf_counter() - t0) * 1000)
    print(
        f"  scroll to bottom → next page shown: median {median(page_ms):.1f} ms, "
        f"max {max(page_ms):.1f} ms over {PAGES_SCROLLED} pages ({model.rowCount():,} rows "
        f"loaded); GUI stall max {beat.worst:.1f} ms"
    )
    beat.reset()
    delays = []
    actor = Actor("370100001", other.officer.id, "bench-other")  # type: ignore[union-attr]
    waiting = [
        r.id
        for r in (model.row_at(i) for i in range(model.rowCount()))
        if r and r.status == "waiting"
    ]
    squad = svc.officer.squad_id  # type: ignore[union-attr]
    for i in range(LIVE_SAMPLES):
        target = waiting[i]
        row = model.row_of(target)
        committed: list[float] = []

        def commit(t: int = target, done: list[float] = committed) -> None:
            """The other workstation commits on its own thread, not on our GUI thread."""
            run_in_transaction(other.factory, lambda s: queue.claim(s, actor, squad, t))
            done.append(time.perf_counter())

        threading.Thread(target=commit).start()
        spin(app, lambda r=row: model.index(r, QueueModel.COL_STATUS).data() == "已认领", 5.0)
        updated = time.perf_counter()
        spin(app, lambda c=committed: bool(c))
        delays.append((updated - committed[0]) * 1000)
        end = time.perf_counter() + 0.137 * (i % 7)  # sample different phases of the poll
        spin(app, lambda e=end: time.perf_counter() >= e)
    print(
        f"  live update (commit elsewhere → row updated): median {median(delays):.0f} ms, "
        f"p95 {pct(delays, 95):.0f} ms, max {max(delays):.0f} ms; GUI stall max {beat.worst:.1f} ms"
    )
    pane.shutdown()
    svc.close()
    other.close()


def screenshot(app: QApplication, path: Path) -> None:
    from officer_console.demo.detachment import seed_demo
    from officer_console.gui.shell import i18n
    from officer_console.store.db.engine import transaction
    from officer_console.store.db.schema import migrate

    i18n.install_translators(app, "zh_CN")
    svc_tz = "Asia/Shanghai"
    url = f"sqlite:///{tempfile.mkdtemp(prefix='oc-shot-')}/demo.db"
    engine = make_engine(url)
    migrate(engine)
    with transaction(session_factory(engine)) as s:
        today = datetime.now(ZoneInfo(svc_tz)).date()
        seed_demo(s, today=today, password=secrets.token_urlsafe(12), tz=svc_tz)
        number = s.scalars(
            select(Officer.police_number).where(Officer.role == "officer").order_by(Officer.id)
        ).first()
    engine.dispose()
    svc = services_for(url, str(number))
    splitter = QSplitter()
    pane, case = QueuePane(svc), CasePanel(svc)
    pane.appointment_selected.connect(lambda i: case.show_appointment(None if i < 0 else i))
    splitter.addWidget(pane)
    splitter.addWidget(case)
    splitter.resize(1400, 900)
    splitter.setSizes([820, 580])
    splitter.show()
    spin(app, lambda: pane.model.rowCount() > 0 and not pane.model.loading)
    mine = next(
        i
        for i in range(pane.model.rowCount())
        if pane.model.cells.is_mine(pane.model.row_at(i))  # type: ignore[arg-type]
    )
    pane.queue_view.selectRow(mine)
    spin(app, lambda: case.case is not None)
    spin(app, lambda: pane.officer_filter.count() > 2)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    splitter.grab().save(str(path))
    print(f"screenshot: {path} ({splitter.width()}x{splitter.height()})")
    pane.shutdown()
    svc.close()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    if len(sys.argv) > 1 and sys.argv[1] == "screenshot":
        default = ROOT / "docs" / "screenshots" / "queue_and_case.png"
        screenshot(app, Path(sys.argv[2]) if len(sys.argv) > 2 else default)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "casework":
        import _casework

        beat = Heartbeat()
        beat.timer.start()
        print("SQLite, demo data (queue + case panel as in the main window):")
        _casework.measure(app, spin, beat, services_for)
        return
    with databases() as urls:
        for label, url in urls:
            measure(app, label, url)


if __name__ == "__main__":
    main()
