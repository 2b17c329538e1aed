"""Playing a case's recording in the console: who may (audited either way), and the player
showing a copy fetched from the S3 store and re-hashed against its row."""

from __future__ import annotations

import fractions
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import av
import numpy as np
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from officer_console.evidence_store.s3 import S3Store
from officer_console.gui.call.recording_player import RecordingsDialog
from officer_console.gui.common.services import OpRunner, Services
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import make_engine, run_in_transaction, session_factory
from officer_console.store.db.models import Appointment, AuditEvent, Officer
from officer_console.store.evidence import rows
from officer_console.store.evidence.access import PLAY, authorize_playback
from officer_console.store.people.accounts import officer_info
from tests.evidence_store.conftest import s3_config
from tests.servers.s3_server import S3Server
from tests.support import builders
from tests.support.console import FakeClock
from tests.support.gui_gc import gc_on_gui_thread
from tests.support.shots import shots_dir

__all__ = ["gc_on_gui_thread"]


def _clip(path: Path, seconds: float = 2.0) -> None:
    """A short, real H.264 MP4 (a moving bar) the media player can decode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=15)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for n in range(int(seconds * 15)):
            image = np.zeros((240, 320, 3), np.uint8)
            image[:, (n * 10) % 320 :][:, :20] = (255, 200, 0)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = n, fractions.Fraction(1, 15)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def _world(factory: sessionmaker[Session], path: Path) -> dict[str, int]:
    def work(s: Session) -> dict[str, int]:
        squad = builders.squad(s)
        other_squad = builders.squad(s, "370103", "市中区大队")
        ids = {
            "assigned": builders.officer(s, squad, "370102001").id,
            "colleague": builders.officer(s, squad, "370102002").id,
            "lead": builders.officer(s, squad, "370102900", "shift_lead").id,
            "other_lead": builders.officer(s, other_squad, "370103900", "shift_lead").id,
            "auditor": builders.officer(s, None, "800001", "auditor").id,
            "admin": builders.officer(s, None, "900001", "admin").id,
        }
        (appointment_id,) = builders.appointments(s, squad, 1)
        s.execute(
            update(Appointment)
            .where(Appointment.id == appointment_id)
            .values(officer_id=ids["assigned"], status="in_call")
        )
        data = path.read_bytes()
        facts = rows.FileFacts(hashlib.sha256(data).hexdigest(), len(data), 2.0, datetime.now(UTC))
        actor = builders.actor_for(s.get(Officer, ids["assigned"]))  # type: ignore[arg-type]
        ids["evidence"] = rows.record_stop(
            s, actor, rows.RecordingTarget(appointment_id), "recordings/clip.mp4", facts
        )
        ids["appointment"] = appointment_id
        return ids

    return run_in_transaction(factory, work)


def _actor(factory: sessionmaker[Session], officer_id: int):
    with factory() as s:
        officer = s.get(Officer, officer_id)
        assert officer is not None
        return builders.actor_for(officer, "ws-play")


def test_only_the_assigned_officer_the_squads_lead_and_auditors_may_play(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    _clip(clip)
    ids = _world(factory, clip)
    expected = {
        "assigned": True,
        "colleague": False,
        "lead": True,
        "other_lead": False,
        "auditor": True,
        "admin": False,
    }
    for who, allowed in expected.items():
        actor = _actor(factory, ids[who])
        decision = run_in_transaction(
            factory, lambda s, a=actor: authorize_playback(s, a, ids["evidence"])
        )
        assert decision.allowed is allowed, who
        if not allowed:
            assert "带班领导" in decision.message
    with factory() as s:
        outcomes = [
            (e.actor, e.outcome)
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.action == PLAY).order_by(AuditEvent.id)
            )
        ]
    assert outcomes == [
        ("370102001", "ok"),
        ("370102002", "denied"),
        ("370102900", "ok"),
        ("370103900", "denied"),
        ("800001", "ok"),
        ("900001", "denied"),
    ]


def test_the_player_shows_a_verified_copy_from_the_store(
    qtbot: QtBot, qapp: QApplication, db_url: str, s3_server: S3Server, tmp_path: Path
) -> None:
    clip = tmp_path / "clip.mp4"
    _clip(clip)
    engine = make_engine(db_url)
    factory = session_factory(engine)
    ids = _world(factory, clip)
    store = S3Store(s3_config(s3_server, s3_server.bucket(lock=True)))
    store.put_file("recordings/clip.mp4", clip)
    system = Actor.system("ws-a")
    run_in_transaction(
        factory, lambda s: rows.mark_stored(s, system, ids["evidence"], "s3", method="readback")
    )
    from officer_console.config import load_settings

    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "lead-ws")
    services = Services(settings, engine, factory, OpRunner(factory), clock=FakeClock())
    with factory() as s:
        lead = s.get(Officer, ids["lead"])
        assert lead is not None
        services.officer = officer_info(s, lead)
    dialog = RecordingsDialog(services, ids["appointment"], store=store)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.waitUntil(lambda: dialog.recordings_list.count() == 1, timeout=10_000)
        assert "对象存储" in dialog.recordings_list.item(0).text()
        dialog.play_button.click()
        qtbot.waitUntil(lambda: dialog.player is not None, timeout=20_000)
        player = dialog.player
        assert player is not None and player.objectName() == "recording_player"
        copy = player.path
        assert copy.is_relative_to(tmp_path / "lead-ws" / "playback") and player.temporary
        assert (
            hashlib.sha256(copy.read_bytes()).hexdigest()
            == hashlib.sha256(clip.read_bytes()).hexdigest()
        )
        qtbot.waitUntil(lambda: player.player.duration() > 1500, timeout=20_000)
        assert "已核验" in player.info_label.text()
        qtbot.waitUntil(lambda: player.video.frames > 5, timeout=20_000)  # it plays
        assert player.grab().save(str(shots_dir(tmp_path) / "recording_player.png"))
        player.reject()
        assert not copy.exists()  # no copy of the faces outlives the playback
    finally:
        dialog.close()
        services.close()


def test_the_case_file_opens_the_recordings_of_its_appointment(
    qtbot: QtBot, qapp: QApplication, db_url: str, tmp_path: Path
) -> None:
    """The button under the case history (live and browse views alike) lists the case's
    recordings for whoever may play them."""
    from PySide6.QtWidgets import QDialog

    from officer_console.config import load_settings
    from officer_console.gui.case.details import CaseDetails

    clip = tmp_path / "clip.mp4"
    _clip(clip, seconds=1.0)
    engine = make_engine(db_url)
    factory = session_factory(engine)
    ids = _world(factory, clip)
    settings = load_settings(env={}, database_url=db_url, data_dir=tmp_path / "lead-ws")
    services = Services(settings, engine, factory, OpRunner(factory), clock=FakeClock())
    with factory() as s:
        lead = s.get(Officer, ids["lead"])
        assert lead is not None
        services.officer = officer_info(s, lead)
    details = CaseDetails(services, prefix="browse", revealable=False)
    qtbot.addWidget(details)
    details.show()
    try:
        assert not details.recordings_button.isEnabled()  # nothing loaded yet
        assert details.recordings_button.objectName() == "browse_recordings_button"
        details.show_appointment(ids["appointment"])
        qtbot.waitUntil(details.recordings_button.isEnabled, timeout=10_000)
        details.resize(700, 640)
        assert details.grab().save(str(shots_dir(tmp_path) / "case_file_recordings_button.png"))
        details.recordings_button.click()
        dialog = details.findChild(QDialog, "case_recordings_dialog")
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.recordings_list.count() == 1, timeout=10_000)
        dialog.close()
        details.clear()
        assert not details.recordings_button.isEnabled()
    finally:
        details.stop()
        services.close()
