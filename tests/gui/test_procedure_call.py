"""The wizard over a real call: a real gateway on loopback, the console's aiortc session, an
in-process citizen peer. The ID snapshot is taken from the citizen's incoming video, the
stage and the notice arrive on the citizen's side through the relay, the citizen's signature
comes back over it, and the served link downloads the decision through the gateway."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.config import load_settings
from officer_console.dispatch.outbox import OutboxSmsProvider
from officer_console.dispatch.serve_decision import DecisionServer
from officer_console.documents.signing import validate_signature
from officer_console.gui.common.services import OpRunner, Services
from officer_console.gui.procedure.citizen import CallChannel
from officer_console.gui.procedure.panel import ProcedurePanel
from officer_console.store.db.engine import make_engine, session_factory
from officer_console.store.db.models import Appointment, Citizen, Officer
from officer_console.store.people import accounts
from officer_console.video.call import VideoCall
from officer_console.video.citizen_sim import SyntheticCitizen
from officer_console.video.evidence import RecordingTarget
from officer_console.video.media import MediaConfig
from officer_console.video.recorder import RecordingLayout
from officer_console.video.session import CallState
from tests.gateway.calls import Call
from tests.gateway.world import live_gateway
from tests.support.case_documents import case_documents, demo_pki
from tests.support.procedure_world import build, png, signed_png
from tests.support.qtloop import qt_run, until
from tests.video.test_video_gateway import citizen_joins

pytestmark = pytest.mark.realtime  # measured in real time: alone after the parallel run (Makefile)

__all__ = ["qt_run"]


def test_procedure_over_a_real_call(qtbot: QtBot, db_url: str, qt_run: Any, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    factory = session_factory(engine)
    world = build(factory)
    with factory() as s:
        appt = s.get(Appointment, world.appointment_id)
        assert appt is not None
        phone = s.get(Citizen, appt.citizen_id).phone  # type: ignore[union-attr]
        officer = s.get(Officer, world.lead.officer_id)
        assert officer is not None and phone
        info = accounts.officer_info(s, officer)
    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "data")
    with live_gateway(factory, settings) as base:
        settings = replace(settings, gateway_url=base)
        services = Services(settings, engine, factory, OpRunner(factory))
        services.officer = info
        docs = case_documents(settings.data_dir)
        server = DecisionServer(
            factory,
            OutboxSmsProvider(factory),
            evidence_dir=settings.evidence_dir,
            link_base=base,
            documents=docs,
        )
        panel = ProcedurePanel(services, server=server, documents=docs)
        qtbot.addWidget(panel)
        panel.resize(600, 720)
        panel.show()
        seen: dict[str, Any] = {}

        def click(name: str) -> None:
            from PySide6.QtWidgets import QAbstractButton

            button = panel.findChild(QAbstractButton, name)
            assert button is not None and button.isEnabled(), name
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

        async def page(step: str) -> None:
            await until(
                lambda: (
                    panel.stack.currentWidget().objectName() == f"procedure_page_{step}"
                    or panel.message.kind == "error"
                )
            )
            assert panel.message.kind != "error", panel.message.text()

        def requests(citizen: SyntheticCitizen) -> int:
            return sum(m["type"] == "request_signature" for m in citizen.messages)

        async def sign_record(citizen: SyntheticCitizen, n: int, next_page: str) -> None:
            """The record on the page: requested over the relay as the page opened (once, no
            click), signed, then 采用 — which also saves it."""
            await until(lambda: requests(citizen) == 1)  # this citizen page's one request
            asked = [m for m in citizen.messages if m["type"] == "request_signature"][-1]
            said = "问：" if asked["title"] == "询问笔录" else "复核意见："
            assert said in asked["document"]  # the record, through the real relay
            image = signed_png(f"record-{n}")
            drawn = "data:image/png;base64," + base64.b64encode(image).decode()
            await citizen.signaling.send({"type": "signature", "png": drawn})
            await until(panel.pages["record"].signature.accept_button.isEnabled)  # type: ignore[attr-defined]
            click("record_accept_signature_button")  # adopts and completes
            await page(next_page)
            assert requests(citizen) == 1  # never asked twice

        async def scenario() -> None:
            call = VideoCall(
                settings,
                services.actor(),
                services.runner,
                media=MediaConfig(width=320, height=240),
                layout=RecordingLayout(320, 240, 15),
            )
            citizen: SyntheticCitizen | None = None
            try:
                session = await call.start(RecordingTarget(world.appointment_id))
                citizen = await citizen_joins(
                    base, factory, Call(world.lead, world.appointment_id, phone)
                )
                await until(lambda: session.state == CallState.CONNECTED)
                await until(lambda: session.remote_video.image is not None)
                panel.set_channel(CallChannel(session))
                panel.set_appointment(world.appointment_id, "in_call", assigned=True)
                await until(panel.start_button.isEnabled)
                click("start_procedure_button")
                await page("inquiry")
                await until(lambda: any(m.get("step") == "inquiry" for m in citizen.messages))
                click("snapshot_button")  # from the citizen's incoming video
                inquiry = panel.pages["inquiry"]
                await until(lambda: inquiry.snapshot_id is not None)  # type: ignore[attr-defined]
                inquiry.name_confirmed.setChecked(True)  # type: ignore[attr-defined]
                inquiry.id_last4.setText(world.id_last4)  # type: ignore[attr-defined]
                for row in range(inquiry.qa_table.rowCount()):  # type: ignore[attr-defined]
                    inquiry.qa_table.item(row, 1).setText("是")  # type: ignore[attr-defined]
                click("complete_inquiry_button")
                await page("record")  # the 询问笔录, shown on the phone and signed there
                await until(lambda: any(_is_record(m, "询问笔录") for m in citizen.messages))
                await sign_record(citizen, 1, "notice")
                await until(lambda: any(_is_notice(m) for m in citizen.messages))
                seen["notice"] = next(m for m in citizen.messages if _is_notice(m))
                # The citizen drops and re-joins with a fresh code in the middle of 告知: the new
                # page is told the stage and gets the notice again; the console stays on 告知.
                await citizen.drop()
                await until(lambda: session.state == CallState.FAILED)
                await citizen.close()
                citizen = await citizen_joins(
                    base, factory, Call(world.lead, world.appointment_id, phone)
                )
                await until(lambda: session.state == CallState.CONNECTED)
                await until(lambda: any(_is_notice(m) for m in citizen.messages))
                seen["rejoin"] = [m.get("step") for m in citizen.messages if m["type"] == "stage"]
                assert panel.stack.currentWidget().objectName() == "procedure_page_notice"
                panel.pages["notice"].waived.setChecked(True)  # type: ignore[attr-defined]
                click("complete_notice_button")
                await page("record")
                await until(
                    lambda: any(_is_record(m, "行政处罚告知笔录") for m in citizen.messages)
                )
                await sign_record(citizen, 2, "ruling")
                click("complete_ruling_button")
                await page("confirmation")
                await until(lambda: requests(citizen) == 2)  # asked as 确认 opened
                drawn = "data:image/png;base64," + base64.b64encode(png(120, 60)).decode()
                await citizen.signaling.send({"type": "signature", "png": drawn})
                await until(panel.pages["confirmation"].signature.accept_button.isEnabled)  # type: ignore[attr-defined]
                click("accept_signature_button")  # adopts and completes 确认
                await page("service")
                panel.pages["service"].consent.setChecked(True)  # type: ignore[attr-defined]
                await until(lambda: requests(citizen) == 3)
                await citizen.signaling.send({"type": "signature", "png": drawn})
                await until(panel.pages["service"].signature.accept_button.isEnabled)  # type: ignore[attr-defined]
                click("service_accept_signature_button")  # adopts and serves
                await page("done")
                await until(lambda: any(m["type"] == "document" for m in citizen.messages))
                url = next(m for m in citizen.messages if m["type"] == "document")["url"]
                async with aiohttp.ClientSession() as http, http.get(url) as resp:
                    seen["download"] = (resp.status, await resp.read())
                seen["stages"] = [m["step"] for m in citizen.messages if m["type"] == "stage"]
            finally:
                if citizen is not None:
                    await citizen.close()
                await call.hang_up()

        try:
            qt_run(scenario(), 150)
        finally:
            panel.shutdown()
            services.runner.shutdown()
    assert "记6分" in seen["notice"]["text"] and "陈述和申辩" in seen["notice"]["text"]
    assert seen["rejoin"][0] == "notice"  # the re-joined page starts on the same step
    status, pdf = seen["download"]
    assert status == 200 and pdf.startswith(b"%PDF")
    assert validate_signature(pdf, [demo_pki().ca_cert]).valid  # the real, signed decision
    steps = seen["stages"]  # what the re-joined page was told, in order, without repeats
    assert [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s] == [
        "notice",
        "ruling",
        "confirmation",
        "service",
        "done",
    ]
    with factory() as s:
        assert (
            s.scalar(select(Appointment.status).where(Appointment.id == world.appointment_id))
            == "completed"
        )
    engine.dispose()


def _is_record(message: dict[str, Any], title: str) -> bool:
    return message["type"] == "notice" and str(message.get("text", "")).startswith(title)


def _is_notice(message: dict[str, Any]) -> bool:
    """The notice read-along itself (not a record being signed)."""
    text = str(message.get("text", ""))
    return message["type"] == "notice" and not text.startswith(("询问笔录", "行政处罚告知笔录"))
