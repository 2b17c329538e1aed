"""Drop-and-resume through the real case panel (used by bench/procedure.py).

A real gateway on loopback, the console's aiortc call started with 开始视频, an in-process
citizen peer. Per round: a case is brought to a step (rotating through the five steps), the
citizen's network drops and the officer hangs up; then the clock runs from the officer's
开始视频 click to (a) the citizen re-entered with a fresh code, (b) the video painted (≥ 3
frames) and (c) the panel showing the first incomplete step. The citizen's re-entry (the
person typing the new code) is part of what is timed: it is the whole way back to video.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

from officer_console.config import load_settings
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.db.models import Appointment, Citizen, Officer
from officer_console.store.people import accounts
from officer_console.store.procedure.view import case_for_appointment
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.session import CallState
from tests.gateway.calls import Call
from tests.gateway.world import live_gateway
from tests.gui.test_live_case import Opener
from tests.support.case_documents import case_documents
from tests.support.procedure_steps import STEPS, do_step
from tests.support.procedure_world import build
from tests.support.qtloop import until
from tests.video.test_video_gateway import citizen_joins

T = TypeVar("T")


def resume_times(app: QApplication, url: str, rounds: int) -> list[float]:
    """Seconds from 开始视频 (after a drop and a hang-up) to video painted + right step."""
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return loop.run_until_complete(asyncio.wait_for(coro, 120))

    engine = make_engine(url)
    factory = session_factory(engine)
    data = Path(tempfile.mkdtemp(prefix="oc-bench-resume-"))
    settings = load_settings(env={}, database_url=url, data_dir=data)
    times: list[float] = []
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        for i in range(rounds):
            times.append(_round(run, engine=engine, settings=settings, base=base, data=data, i=i))
    engine.dispose()
    loop.close()
    return times


def _round(run: Any, *, engine: Any, settings: Any, base: str, data: Path, i: int) -> float:
    """One case to step ``i % 5``, a drop and a hang-up, then the timed resume."""
    factory = session_factory(engine)
    step = STEPS[i % len(STEPS)]
    world = build(factory, status="contacting", on_video=False, squad_code=f"3708{i:02d}")
    with factory() as s:
        appt = s.get(Appointment, world.appointment_id)
        assert appt is not None
        phone = s.get(Citizen, appt.citizen_id).phone  # type: ignore[union-attr]
        officer = s.get(Officer, world.lead.officer_id)
        assert officer is not None and phone
        info = accounts.officer_info(s, officer)
    services = Services(settings, engine, factory, OpRunner(factory))
    services.officer = info
    panel = CasePanel(services, opener=Opener())
    panel.resize(1000, 1000)
    panel.show()
    handling = panel.handling
    handling.make_call = lambda s=services: VideoCall(
        settings,
        s.actor(),
        s.runner,
        media=MediaConfig(width=320, height=240),
        layout=RecordingLayout(320, 240, 15),
    )
    proc = handling.procedure.panel
    call = Call(world.lead, world.appointment_id, phone)

    def page() -> str:
        return proc.stack.currentWidget().objectName().removeprefix("procedure_page_")

    async def video(citizen: SyntheticCitizen | None) -> SyntheticCitizen:
        if citizen is not None:
            await citizen.close()
        citizen = await citizen_joins(base, factory, call)
        session = handling.video_pane.session
        assert session is not None
        await until(lambda: session.state == CallState.CONNECTED, 60)
        await until(lambda: handling.video_pane.view.frames_painted >= 3, 60)
        return citizen

    async def scenario() -> float:
        citizen: SyntheticCitizen | None = None
        try:
            panel.show_appointment(world.appointment_id)
            await until(handling.start_video_button.isEnabled)
            handling.start_video_button.click()
            await until(lambda: handling.video_pane.session is not None)
            citizen = await video(None)
            await until(lambda: panel.case is not None and proc.start_button.isEnabled())
            proc.start_button.click()
            await until(lambda: page() == "inquiry")
            with factory() as s:
                view = case_for_appointment(s, world.appointment_id)
            for before in STEPS[: STEPS.index(step)]:
                view = (await asyncio.to_thread(  # signing runs its own event loop: not on this one
                    run_in_transaction,
                    factory,
                    lambda s, b=before, v=view: do_step(
                        s, world.lead, v, b, evidence=data, id_last4=world.id_last4,
                        docs=case_documents(data / "docs"),
                    ),
                )).view  # fmt: skip
            proc.set_appointment(world.appointment_id, "in_procedure", assigned=True)
            await until(lambda: page() == step)
            await citizen.drop()  # the phone loses its network, the officer hangs up
            handling.video_pane.hangup_button.click()
            await until(lambda: handling.call is None)
            await until(handling.start_video_button.isEnabled)
            started = time.perf_counter()
            handling.start_video_button.click()
            await until(lambda: handling.video_pane.session is not None)
            citizen = await video(citizen)
            await until(lambda: page() == step)
            return time.perf_counter() - started
        finally:
            if citizen is not None:
                await citizen.close()
            if handling.call is not None:
                await handling.close_call()

    try:
        return float(run(scenario()))
    finally:
        handling.shutdown()
        panel.close()
        panel.deleteLater()
        QApplication.processEvents()
        services.runner.shutdown(wait=True)
