"""A scripted simple one-violation case through the real ProcedurePanel (offscreen Qt).

Per database (a fresh SQLite file and a private PostgreSQL cluster): ``--cases`` walks of
开始办理 → 询问 → 告知 → 裁决 → 确认 → 电子送达 with the pre-filled defaults, the citizen's side
played by an in-process channel that signs on request, the SMS through the demo outbox
provider. Prints the officer's interactions (clicks + fields edited), the time from each
step's completion click to the next page filled and shown (p50/p95/max), the real
documents' render + PDF/A + signing inside the flow (four per case), and the whole scripted case's wall time.
Then drop-and-resume (``--resumes``, :mod:`_procedure_resume`): from the officer's 开始视频
after a drop to the video painted and the panel on the first incomplete step, over a real
gateway and aiortc call (target p95 ≤ 2 s).

Run: ``.venv/bin/python bench/procedure.py [--cases 10] [--resumes 10]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import databases, median, pct
from _procedure_resume import resume_times
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication

from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.gui.procedure.panel import ProcedurePanel
from tests.support import console, queue_world
from tests.support.case_documents import case_documents
from tests.support.procedure_gui import (
    FakeChannel,
    Officer,
    desk,
    finish_case,
    walk_simple_case,
)
from tests.support.procedure_world import build

# the completion clicks in order: each step, and the record signed after 询问 and 告知
STEPS = (
    "inquiry",
    "inquiry_record",
    "notice",
    "notice_record",
    "ruling",
    "confirmation",
    "service",
)


def pump(app: QApplication) -> Callable[[Callable[[], bool]], None]:
    def wait(predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("the panel did not get there in time")
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
            time.sleep(0.0005)

    return wait


def run(app: QApplication, label: str, url: str, cases: int) -> None:
    data = Path(tempfile.mkdtemp(prefix="oc-bench-procedure-"))
    services = console.make_services(url, data_dir=data)
    docs = case_documents(data)  # the real documents, signed with a demo PKI
    server = DecisionServer(
        services.factory,
        OutboxSmsProvider(services.factory),
        evidence_dir=services.settings.evidence_dir,
        link_base="http://127.0.0.1:8470",
        documents=docs,
    )
    interactions: list[int] = []
    steps: list[float] = []
    per_step: dict[str, list[float]] = {}
    walls: list[float] = []
    for i in range(cases):
        world = build(services.factory, squad_code=f"3701{20 + i:02d}")
        queue_world.sign_in(services, world.lead.police_number)
        panel = ProcedurePanel(services, documents=docs, server=server)
        window = desk(panel)
        window.show()
        channel = FakeChannel()
        panel.set_channel(channel)
        officer = Officer(panel, pump(app))
        started = time.perf_counter()
        panel.set_appointment(world.appointment_id, "in_call", assigned=True)
        officer.wait(panel.start_button.isEnabled)
        walk_simple_case(officer, world.id_last4)
        finish_case(officer)
        walls.append(time.perf_counter() - started)
        assert panel.view is not None and panel.view.status == "completed"
        interactions.append(officer.interactions)
        steps.extend(officer.step_times)
        for name, seconds in zip(STEPS, officer.step_times, strict=True):
            per_step.setdefault(name, []).append(seconds * 1000)
        panel.shutdown()
        window.close()
        window.deleteLater()
    services.close()
    ms = [s * 1000 for s in steps]
    print(f"-- {label}: {cases} simple one-violation cases through the real panel")
    print(
        f"   officer interactions per case: {sorted(set(interactions))} (goal ≤ 21: each signature costs one 采用)"
    )
    print(
        f"   step completion click → next page ready: p50 {median(ms):.1f} ms, "
        f"p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms ({len(ms)} steps)"
    )
    print(
        "   per step p95: "
        + ", ".join(f"{name} {pct(values, 95):.0f} ms" for name, values in per_step.items())
        + " (target ≤ 150 ms each)"
    )
    by_kind: dict[str, list[float]] = {}
    for kind, spent in docs.timings_ms:
        by_kind.setdefault(kind, []).append(spent)
    for kind, values in by_kind.items():
        print(
            f"   {kind} render + PDF/A + sign inside the flow: p50 {median(values):.1f} ms, "
            f"max {max(values):.1f} ms ({len(values)} documents; first incl. font load)"
        )
    at_service = [
        v
        for k, v in by_kind.items()
        if k in ("DecisionDoc", "ServiceConfirmationDoc", "ServiceReceiptDoc")
    ]
    per_case = [sum(v[i] for v in at_service) for i in range(cases)]
    print(
        f"   documents made inside the service click (decision, 送达地址确认书, 回证): "
        f"p50 {median(per_case):.0f} ms, max {max(per_case):.0f} ms"
    )
    print(f"   whole scripted case wall time: p50 {median(walls):.2f} s, max {max(walls):.2f} s")


def warning_case(app: QApplication, label: str, url: str, cases: int) -> None:
    """A first violation (code 1039, on the 首违警告 list) decided as 警告 through the real
    panel with the pre-filled defaults: the leniency proposal kept (its reason as filled in),
    the ruling's 警告 as notified; prints the officer's interactions (target ≤ 18)."""
    data = Path(tempfile.mkdtemp(prefix="oc-bench-warning-"))
    services = console.make_services(url, data_dir=data)
    docs = case_documents(data)
    server = DecisionServer(
        services.factory,
        OutboxSmsProvider(services.factory),
        evidence_dir=services.settings.evidence_dir,
        link_base="http://127.0.0.1:8470",
        documents=docs,
    )
    interactions: list[int] = []
    steps: list[float] = []
    for i in range(cases):
        world = build(services.factory, ("1039",), squad_code=f"3702{20 + i:02d}")
        queue_world.sign_in(services, world.lead.police_number)
        panel = ProcedurePanel(services, documents=docs, server=server)
        window = desk(panel)
        window.show()
        panel.set_channel(FakeChannel())
        officer = Officer(panel, pump(app))
        panel.set_appointment(world.appointment_id, "in_call", assigned=True)
        officer.wait(panel.start_button.isEnabled)
        walk_simple_case(officer, world.id_last4)
        finish_case(officer)
        assert panel.view is not None and panel.view.status == "completed"
        assert panel.view.step_data["ruling"]["warned"], "the warning case was not a warning"
        interactions.append(officer.interactions)
        steps.extend(officer.step_times)
        panel.shutdown()
        window.close()
        window.deleteLater()
    services.close()
    ms = [s * 1000 for s in steps]
    print(f"-- {label}: {cases} first-violation warning cases (首违警告) through the real panel")
    print(f"   officer interactions per case: {sorted(set(interactions))} (target ≤ 18)")
    print(
        f"   step completion click → next page ready: p50 {median(ms):.1f} ms, "
        f"p95 {pct(ms, 95):.1f} ms, max {max(ms):.1f} ms ({len(ms)} steps)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10)
    parser.add_argument("--resumes", type=int, default=10)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    with databases() as urls:
        for label, url in urls:
            run(app, label, url, args.cases)
            if args.resumes:
                seconds = resume_times(app, url, args.resumes)
                print(
                    f"-- {label}: drop-and-resume, 开始视频 → video painted + panel on the step: "
                    f"p50 {median(seconds):.2f} s, p95 {pct(seconds, 95):.2f} s, "
                    f"max {max(seconds):.2f} s ({len(seconds)} rounds over the five steps; "
                    "target p95 ≤ 2 s)"
                )
            warning_case(app, label, url, max(3, args.cases // 3))


if __name__ == "__main__":
    main()
