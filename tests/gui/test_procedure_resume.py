"""Resume with video from any step, through the real case panel (issue 19): a real gateway on
loopback, the console's aiortc call started with the real 开始视频 button, an in-process
citizen peer joining with a fresh code. The case is brought to each step; then the officer
hangs up (hang-up button) or the citizen's network drops; 开始视频 is pressed again while the
appointment is 办理中 (it used to stay disabled), the citizen re-enters with a new code, the
video paints, the panel shows the first incomplete step and the citizen's page is told that
step. The store sees the citizen on video again; after a hang-up the recording continues as a
second hashed segment of the same case. And a console *process* holding the call killed by -9
at each step: this window, restarted, resumes with video on the same step. SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.config import load_settings
from officer_console.gui.case.panel import CasePanel
from officer_console.gui.common.services import OpRunner, Services
from officer_console.store.db.engine import make_engine, read_session, run_in_transaction
from officer_console.store.db.models import Appointment, Citizen, EvidenceFile, Officer
from officer_console.store.people import accounts
from officer_console.store.procedure import cases
from officer_console.store.procedure.presence import citizen_on_video
from officer_console.store.procedure.service import case_record
from officer_console.store.procedure.view import case_for_appointment
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.session import CallState
from tests.gateway.calls import Call
from tests.gateway.world import live_gateway
from tests.gui.test_live_case import Opener
from tests.support.answer import answer_yes
from tests.support.case_documents import case_documents
from tests.support.procedure_steps import STEPS, do_step
from tests.support.procedure_world import build
from tests.support.qtloop import qt_run, until
from tests.video.test_video_gateway import citizen_joins

__all__ = ["qt_run"]


@pytest.mark.parametrize("case", [f"{i}-{s}" for i in ("hang_up", "citizen_drop") for s in STEPS])
def test_resume_with_video_at_every_step(
    qtbot: QtBot, db_url: str, qt_run: Any, tmp_path: Path, case: str
) -> None:
    interruption, step = case.split("-")
    engine = make_engine(db_url)
    from officer_console.store.db.engine import session_factory

    factory = session_factory(engine)
    world = build(factory, status="contacting", on_video=False)
    aid = world.appointment_id
    with factory() as s:
        appt = s.get(Appointment, aid)
        assert appt is not None
        phone = s.get(Citizen, appt.citizen_id).phone  # type: ignore[union-attr]
        officer = s.get(Officer, world.lead.officer_id)
        assert officer is not None and phone
        info = accounts.officer_info(s, officer)
    seen: dict[str, Any] = {}
    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "data")
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        services = Services(settings, engine, factory, OpRunner(factory))
        services.officer = info
        panel = CasePanel(services, opener=Opener())
        qtbot.addWidget(panel)
        panel.resize(1000, 1000)
        panel.show()
        handling = panel.handling
        handling.make_call = lambda: VideoCall(
            settings,
            services.actor(),
            services.runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        proc = handling.procedure.panel
        call = Call(world.lead, aid, phone)

        def page() -> str:
            return proc.stack.currentWidget().objectName().removeprefix("procedure_page_")

        async def video(citizen: SyntheticCitizen | None) -> SyntheticCitizen:
            """The citizen enters a fresh code; the call connects and paints."""
            if citizen is not None:
                await citizen.close()
            citizen = await citizen_joins(base, factory, call)
            session = handling.video_pane.session
            assert session is not None
            await until(lambda: session.state == CallState.CONNECTED)
            await until(lambda: handling.video_pane.view.frames_painted >= 3)
            return citizen

        async def scenario() -> None:
            citizen: SyntheticCitizen | None = None
            try:
                panel.show_appointment(aid)
                await until(handling.start_video_button.isEnabled)
                handling.start_video_button.click()
                await until(lambda: handling.video_pane.session is not None)
                citizen = await video(None)
                await until(lambda: panel.case is not None and proc.start_button.isEnabled())
                proc.start_button.click()
                await until(lambda: page() == "inquiry")
                await until(lambda: _on_video(factory, aid))
                view = _case(factory, aid)
                for before in STEPS[: STEPS.index(step)]:  # the store brings the case there
                    view = (await asyncio.to_thread(  # signing runs its own event loop: not on this one
                        run_in_transaction,
                        factory,
                        lambda s, b=before, v=view: do_step(
                            s, world.lead, v, b, evidence=tmp_path, id_last4=world.id_last4,
                            docs=case_documents(tmp_path / "docs"),
                        ),
                    )).view  # fmt: skip
                proc.set_appointment(aid, "in_procedure", assigned=True)
                await until(lambda: page() == step)
                if interruption == "hang_up":
                    handling.video_pane.hangup_button.click()
                    answer_yes(handling.confirm_box, "hangup_confirm")  # 办理中: it asks
                    await until(lambda: handling.call is None)
                    await until(lambda: not _on_video(factory, aid))
                    # 办理中: 开始视频 is offered again (it used to stay disabled)
                    await until(handling.start_video_button.isEnabled)
                    assert handling.start_video_button.isEnabled(), handling.video_hint.text()
                    handling.start_video_button.click()
                    await until(lambda: handling.video_pane.session is not None)
                else:
                    session = handling.video_pane.session
                    assert session is not None
                    await citizen.drop()
                    await until(lambda: session.state == CallState.FAILED)
                    await until(lambda: not _on_video(factory, aid))
                citizen = await video(citizen)
                await until(lambda: any(m.get("step") == step for m in citizen.messages))
                seen["stages"] = [m["step"] for m in citizen.messages if m["type"] == "stage"]
                seen["page"] = page()
                await until(lambda: _on_video(factory, aid))
                seen["status"] = panel.case.appointment.status if panel.case else ""
            finally:
                if citizen is not None:
                    await citizen.close()
                if handling.call is not None:
                    await handling.close_call()

        try:
            qt_run(scenario(), 150)
        finally:
            handling.shutdown()
            services.runner.shutdown()
    assert seen["page"] == step  # the console lands on the first incomplete step
    assert seen["stages"][0] == step  # and so does the citizen's re-joined page
    assert seen["status"] == "in_procedure"
    with read_session(factory) as s:
        view = case_for_appointment(s, aid)
        assert view is not None and view.next_step is not None and view.next_step.value == step
        recordings = s.scalars(
            select(EvidenceFile.sha256).where(
                EvidenceFile.appointment_id == aid, EvidenceFile.kind == "recording"
            )
        ).all()
        labels = [i.label for i in case_record(s, view.case_id).evidence if "录像" in i.label]
    if interruption == "hang_up":  # one call, one segment: two hashed segments, in order
        assert len(recordings) == 2 and recordings[0] != recordings[1]
        assert labels == ["全程录像（第1段）", "全程录像（第2段）"]
    else:  # the same call: one recording
        assert len(recordings) == 1
    engine.dispose()


def _on_video(factory: Any, appointment_id: int) -> bool:
    with read_session(factory) as s:
        return citizen_on_video(s, appointment_id)


def _case(factory: Any, appointment_id: int) -> Any:
    with read_session(factory) as s:
        view = case_for_appointment(s, appointment_id)
    assert view is not None
    return view


# A console process with a real call in the case's room, killed by -9 mid-call.
KILLED_CONSOLE = """
import asyncio, os, sys
from dataclasses import replace
from pathlib import Path
os.environ["QT_QPA_PLATFORM"] = "offscreen"
import qasync
from PySide6.QtWidgets import QApplication
from officer_console.config import load_settings
from officer_console.gui.common.services import OpRunner
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, session_factory
from officer_console.video.evidence import RecordingTarget
from officer_console.video.call import VideoCall
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout

url, base, data, aid, officer_id, number = sys.argv[1:]
app = QApplication([])
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)
factory = session_factory(make_engine(url))
settings = replace(load_settings(env={}, database_url=url, data_dir=Path(data)), gateway_url=base)
call = VideoCall(settings, Actor(number, int(officer_id), "ws-killed"), OpRunner(factory),
                 media=MediaConfig(width=320, height=240), layout=RecordingLayout(320, 240, 15))

async def main():
    await call.start(RecordingTarget(int(aid)))
    print("ready", flush=True)
    while True:
        await asyncio.sleep(1)

loop.run_until_complete(main())
"""


@pytest.mark.parametrize("step", STEPS)
def test_resume_with_video_after_a_console_kill(
    qtbot: QtBot, db_url: str, qt_run: Any, tmp_path: Path, step: str
) -> None:
    """The console process holding the call is killed (-9) at ``step``; the restarted console
    (this window, never in the call before) resumes it with video on the same step."""
    import signal
    import subprocess
    import sys

    from officer_console.store.db.engine import session_factory

    engine = make_engine(db_url)
    factory = session_factory(engine)
    world = build(factory)  # in call, the citizen on video: the steps before are done
    aid = world.appointment_id
    with factory() as s:
        appt = s.get(Appointment, aid)
        assert appt is not None
        phone = s.get(Citizen, appt.citizen_id).phone  # type: ignore[union-attr]
        officer = s.get(Officer, world.lead.officer_id)
        assert officer is not None and phone
        info = accounts.officer_info(s, officer)
    view = run_in_transaction(factory, lambda s: cases.start_case(s, world.lead, aid)).view
    for before in STEPS[: STEPS.index(step)]:
        view = run_in_transaction(
            factory,
            lambda s, b=before, v=view: do_step(
                s,
                world.lead,
                v,
                b,
                evidence=tmp_path,
                id_last4=world.id_last4,
                docs=case_documents(tmp_path / "docs"),
            ),
        ).view
    seen: dict[str, Any] = {}
    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "data")
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        console = subprocess.Popen(
            [
                sys.executable,
                "-c",
                KILLED_CONSOLE,
                db_url,
                base,
                str(tmp_path / "killed"),
                str(aid),
                str(world.lead.officer_id),
                world.lead.police_number,
            ],
            cwd=Path(__file__).resolve().parents[2],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        services = Services(settings, engine, factory, OpRunner(factory))
        services.officer = info
        panel = CasePanel(services, opener=Opener())
        qtbot.addWidget(panel)
        panel.resize(1000, 1000)
        panel.show()
        handling = panel.handling
        handling.make_call = lambda: VideoCall(
            settings,
            services.actor(),
            services.runner,
            media=MediaConfig(width=320, height=240),
            layout=RecordingLayout(320, 240, 15),
        )
        proc = handling.procedure.panel
        call = Call(world.lead, aid, phone)

        def page() -> str:
            return proc.stack.currentWidget().objectName().removeprefix("procedure_page_")

        async def scenario() -> None:
            citizen: SyntheticCitizen | None = None
            try:
                line = await asyncio.to_thread(console.stdout.readline)  # type: ignore[union-attr]
                assert line.strip() == "ready"
                citizen = await citizen_joins(base, factory, call)  # on video with that console
                await until(lambda: _on_video(factory, aid))
                console.send_signal(signal.SIGKILL)  # the console dies mid-call
                await asyncio.to_thread(console.wait, 30)
                panel.show_appointment(aid)  # the restarted console
                await until(lambda: page() == step)
                await until(handling.start_video_button.isEnabled)
                handling.start_video_button.click()
                await until(lambda: handling.video_pane.session is not None)
                await citizen.close()
                citizen = await citizen_joins(base, factory, call)  # a fresh code
                session = handling.video_pane.session
                assert session is not None
                await until(lambda: session.state == CallState.CONNECTED)
                await until(lambda: handling.video_pane.view.frames_painted >= 3)
                await until(lambda: any(m.get("step") == step for m in citizen.messages))
                seen["stages"] = [m["step"] for m in citizen.messages if m["type"] == "stage"]
                seen["page"] = page()
                await until(lambda: _on_video(factory, aid))
            finally:
                if citizen is not None:
                    await citizen.close()
                if handling.call is not None:
                    await handling.close_call()

        try:
            qt_run(scenario(), 150)
        finally:
            if console.poll() is None:
                console.kill()
            console.wait(30)
            if console.stdout is not None:
                console.stdout.close()
            handling.shutdown()
            services.runner.shutdown()
    assert console.returncode == -signal.SIGKILL
    assert seen["page"] == step and seen["stages"][0] == step
    with read_session(factory) as s:
        resumed = case_for_appointment(s, aid)
        assert resumed is not None and resumed.next_step is not None
        assert resumed.next_step.value == step
        status = s.scalar(select(Appointment.status).where(Appointment.id == aid))
    assert status == "in_procedure"
    engine.dispose()
