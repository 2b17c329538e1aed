"""Issue 10 figures on the demo data (SQLite): the queue and the case panel wired as in the
main window, another workstation changing the squad's appointments (the selected one too).

* GUI-thread max stall during live updates (5 ms heartbeat: max gap − 5 ms); target ≤ 50 ms.
* Reads per dispatch click: case-file loads and dispatch-snapshot reads from the click until
  the case is settled and the live-update echo (1 s SQLite poll) has passed.

Uses only what both the old and the new code have (QueuePane, CasePanel, the store), so the
same script measures the code before the change too (run it from an older checkout).
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtWidgets import QApplication, QSplitter
from sqlalchemy import select

from officer_console.gui.case import dispatch_panel
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.queue.pane import QueuePane
from officer_console.store.appointments import casefile, queue
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.db.models import Appointment, Officer

LIVE_CHANGES = 40  # another workstation's changes, one every 150 ms
TZ = "Asia/Shanghai"


def _seed_demo() -> str:
    from officer_console.demo.detachment import seed_demo
    from officer_console.store.db.engine import transaction
    from officer_console.store.db.schema import migrate

    url = f"sqlite:///{tempfile.mkdtemp(prefix='oc-casework-')}/demo.db"
    engine = make_engine(url)
    migrate(engine)
    with transaction(session_factory(engine)) as s:
        seed_demo(s, today=datetime.now(ZoneInfo(TZ)).date(), password=secrets.token_urlsafe(12))
    engine.dispose()
    return url


def _counting() -> dict[str, int]:
    """Count case-file loads and dispatch snapshots wherever the panels call them."""
    counts = {"case_file": 0, "snapshot": 0}
    load, snap = casefile.load_case_file, dispatch_panel.snapshot

    def counted_load(*a: Any, **k: Any) -> Any:
        counts["case_file"] += 1
        return load(*a, **k)

    def counted_snap(*a: Any, **k: Any) -> Any:
        counts["snapshot"] += 1
        return snap(*a, **k)

    casefile.load_case_file = counted_load  # type: ignore[assignment]
    dispatch_panel.snapshot = counted_snap  # type: ignore[assignment]
    return counts


class _Opener:
    def __call__(self, uri: str) -> bool:
        return True


def measure(
    app: QApplication,
    spin: Callable[..., float],
    heartbeat: Any,
    services_for: Callable[[str, str], Any],
) -> None:
    url = _seed_demo()
    counts = _counting()
    with session_factory(make_engine(url))() as s:
        mine = s.scalars(
            select(Appointment.id)
            .where(Appointment.status == "claimed")
            .order_by(Appointment.slot_start.desc())
        ).first()
        assert mine is not None
        appt = s.get(Appointment, mine)
        officer = s.get(Officer, appt.officer_id) if appt else None
        assert officer is not None
        number, squad = officer.police_number, officer.squad_id
        lead = s.scalars(
            select(Officer).where(Officer.role == "shift_lead", Officer.squad_id == squad)
        ).first()
        assert mine is not None and lead is not None
        lead_number, lead_id = lead.police_number, lead.id
    svc, other = services_for(url, number), services_for(url, lead_number)
    splitter = QSplitter()
    pane, case = QueuePane(svc), CasePanel(svc, opener=_Opener())
    pane.appointment_selected.connect(lambda i: case.show_appointment(None if i < 0 else i))
    splitter.addWidget(pane)
    splitter.addWidget(case)
    splitter.resize(1400, 900)
    splitter.show()
    spin(app, lambda: pane.model.row_of(mine) >= 0 and not pane.model.loading)
    pane.queue_view.selectRow(pane.model.row_of(mine))
    dp = case.handling.dispatch_panel
    assert dp is not None
    spin(app, lambda: case.case is not None and dp.dispatch_button.isEnabled())
    _idle(app, spin, 1.5)

    # Reads per dispatch click.
    counts.update(case_file=0, snapshot=0)
    dp.dispatch_button.click()
    spin(app, lambda: case.case is not None and case.case.appointment.status == "contacting", 10)
    spin(app, lambda: dp.log_model.rowCount() >= 1, 10)
    _idle(app, spin, 2.5)
    print(
        f"  reads per dispatch click: {counts['case_file']} case-file read(s), "
        f"{counts['snapshot']} dispatch-snapshot read(s)"
    )

    # GUI-thread stall while another workstation changes the squad's appointments.
    with session_factory(make_engine(url))() as s:
        rows = s.execute(
            select(Appointment.id, Appointment.version).where(
                Appointment.squad_id == squad,
                Appointment.status.in_(("waiting", "claimed", "contacting")),
            )
        ).all()
    targets = [(int(i), int(v)) for i, v in rows][:LIVE_CHANGES]  # the selected one too
    heartbeat.reset()
    # The other workstation is another process, as in real life (no GIL shared with us).
    t0 = time.perf_counter()
    worker = multiprocessing.get_context("spawn").Process(
        target=other_workstation, args=(url, lead_number, lead_id, squad, targets)
    )
    worker.start()
    spin(app, lambda: not worker.is_alive(), 120)
    _idle(app, spin, 2.0)
    worker.join()
    elapsed = time.perf_counter() - t0
    print(
        f"  live updates (load average {os.getloadavg()[0]:.1f}): {len(targets)} changes by another workstation in {elapsed:.1f} s "
        f"(queue + case panel open); GUI-thread max stall {heartbeat.worst:.1f} ms "
        f"(target ≤ 50 ms)"
    )
    pane.shutdown()
    case.shutdown()
    svc.close()
    other.close()


def other_workstation(
    url: str, number: str, officer_id: int, squad: int, targets: list[tuple[int, int]]
) -> None:
    """A shift lead at another workstation reassigns one appointment every 150 ms."""
    factory = session_factory(make_engine(url))
    actor = Actor(number, officer_id, "bench-lead")
    for appointment_id, version in targets:
        run_in_transaction(
            factory,
            lambda s, a=appointment_id, v=version: queue.reassign(
                s, actor, "shift_lead", squad, [(a, v)], reason="bench", to_officer_id=officer_id
            ),
        )
        time.sleep(0.15)


def _idle(app: QApplication, spin: Callable[..., float], seconds: float) -> None:
    end = time.perf_counter() + seconds
    spin(app, lambda: time.perf_counter() >= end, seconds + 5)
