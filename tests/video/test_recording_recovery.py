"""Unfinished recordings (console killed, database down at hang-up) are stored at next start.

The killed file is a real recording from a child process killed with SIGKILL; the database is
SQLite and PostgreSQL. Recovery is checked the way an auditor would: the evidence row's hash
matches the file, the audit trail says it was recovered, and a second start changes nothing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from officer_console.gui.shell import i18n
from officer_console.gui.shell.app import ConsoleShell
from officer_console.store.db.audit import Actor
from officer_console.store.db.engine import run_in_transaction
from officer_console.store.db.models import Appointment, AuditEvent, EvidenceFile, Officer
from officer_console.video import evidence
from officer_console.video.evidence import RecordingTarget, recover_recordings, verify_evidence
from officer_console.video.recorder import RecordingResult
from officer_console.video.recording_files import (
    media_duration,
    read_sidecar,
    sha256_file,
    unfinished_recordings,
    update_sidecar,
)
from tests.support import builders
from tests.support.builders import PASSWORD
from tests.support.console import FakeClock, make_services, seed_world
from tests.support.gui_gc import gc_on_gui_thread
from tests.video.record_child import record_until_killed

pytestmark = pytest.mark.both_backends  # the backend matters here (docs/testing.md)

__all__ = ["gc_on_gui_thread"]  # the console test builds widgets

WORKSTATION = "ws-recover"
RELATIVE = "recordings/2026/11/appt-killed.mp4"


@pytest.fixture(scope="module")
def killed_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording whose process was killed ~3 s in: playable fragments, a torn tail."""
    path = tmp_path_factory.mktemp("killed") / "killed.mp4"
    record_until_killed(path, 3.2, {"workstation": WORKSTATION, "officer": "370102001"})
    return path


def _place(recording: Path, evidence_dir: Path, relative: str = RELATIVE) -> Path:
    """Copy the killed recording (and its sidecar) into an evidence store."""
    path = evidence_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(recording, path)
    shutil.copy(recording.with_suffix(".mp4.json"), path.with_suffix(".mp4.json"))
    return path


def _runner(factory: sessionmaker[Session]) -> Callable[[Callable[[Session], Any]], Any]:
    return lambda work: run_in_transaction(factory, work)


def _seed(factory: sessionmaker[Session]) -> tuple[Actor, int]:
    def work(s: Session) -> tuple[Actor, int]:
        squad = builders.squad(s)
        officer = builders.officer(s, squad, "370102001")
        (appointment_id,) = builders.appointments(s, squad, 1)
        return builders.actor_for(officer, WORKSTATION), appointment_id

    return run_in_transaction(factory, work)


def _started(
    factory: sessionmaker[Session], actor: Actor, appointment_id: int, path: Path, store: Path
) -> None:
    """The ``recording.start`` row a call writes before the first frame."""
    target = RecordingTarget(appointment_id)
    when = datetime.now(UTC) - timedelta(minutes=5)
    run_in_transaction(
        factory, lambda s: evidence.record_start(s, actor, target, path, store, at=when)
    )


def _actions(factory: sessionmaker[Session]) -> list[tuple[str, str, dict[str, Any]]]:
    with factory() as s:
        rows = s.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(e.action, e.outcome, e.detail or {}) for e in rows]


def _evidence(factory: sessionmaker[Session]) -> list[EvidenceFile]:
    with factory() as s:
        return list(s.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def test_a_killed_call_recording_is_hashed_and_stored_once(
    killed_recording: Path, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    actor, appointment_id = _seed(factory)
    path = _place(killed_recording, store)
    _started(factory, actor, appointment_id, path, store)

    results = recover_recordings(_runner(factory), actor, store)

    assert [(r.file, r.outcome) for r in results] == [(RELATIVE, "recovered")]
    (row,) = _evidence(factory)
    assert (row.appointment_id, row.kind, row.path) == (appointment_id, "recording", RELATIVE)
    assert row.sha256 == sha256_file(path) and row.size == path.stat().st_size
    assert verify_evidence(row, store)
    # The real playable length (whole fragments before the kill), not a guess from the clock.
    assert 1.0 <= row.duration_s <= 4.0
    assert row.duration_s == pytest.approx(media_duration(path), abs=0.002)
    actions = _actions(factory)
    recovered = [d for a, _, d in actions if a == "recording.recovered"]
    hashes = [d for a, _, d in actions if a == "recording.hash"]
    assert len(recovered) == 1 and recovered[0]["evidence_id"] == row.id
    assert recovered[0]["file"] == RELATIVE and recovered[0]["recovered"] is True
    assert hashes == [{"sha256": row.sha256, "size": row.size, "file": RELATIVE, "recovered": True}]
    side = read_sidecar(path)
    assert side is not None and side["status"] == "stored" and side["evidence_id"] == row.id
    assert unfinished_recordings(store) == []

    # The next start finds nothing to do and writes nothing.
    before = len(actions)
    assert recover_recordings(_runner(factory), actor, store) == []
    assert len(_actions(factory)) == before and len(_evidence(factory)) == 1


def test_a_recording_file_that_is_gone_is_audited_as_missing_once(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    store = tmp_path / "evidence"
    actor, appointment_id = _seed(factory)
    _started(factory, actor, appointment_id, store / RELATIVE, store)

    results = recover_recordings(_runner(factory), actor, store)

    assert [(r.file, r.outcome) for r in results] == [(RELATIVE, "missing")]
    missing = [(o, d) for a, o, d in _actions(factory) if a == "recording.missing"]
    assert len(missing) == 1
    outcome, detail = missing[0]
    assert outcome == "failed" and detail["file"] == RELATIVE
    assert detail["appointment"] == appointment_id
    assert _evidence(factory) == []
    assert recover_recordings(_runner(factory), actor, store) == []
    assert len([a for a, _, _ in _actions(factory) if a == "recording.missing"]) == 1


def test_a_recording_known_only_from_its_sidecar_is_recovered(
    killed_recording: Path, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """The database was down when the call began: only the sidecar says whose it is."""
    store = tmp_path / "evidence"
    actor, appointment_id = _seed(factory)
    path = _place(killed_recording, store)
    update_sidecar(path, appointment_id=appointment_id, case_id=None)
    other = _place(killed_recording, store, "recordings/2026/11/other-workstation.mp4")
    update_sidecar(other, appointment_id=appointment_id, workstation="ws-elsewhere")

    results = recover_recordings(_runner(factory), actor, store)

    assert [(r.file, r.outcome) for r in results] == [(RELATIVE, "recovered")]
    (row,) = _evidence(factory)
    assert row.appointment_id == appointment_id and row.sha256 == sha256_file(path)
    # Another workstation's recording is its own console's to recover.
    assert unfinished_recordings(store) == [other]


def test_a_stored_recording_whose_sidecar_lagged_is_only_marked(
    killed_recording: Path, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Killed after the hash was stored but before the sidecar said so: no second row."""
    store = tmp_path / "evidence"
    actor, appointment_id = _seed(factory)
    path = _place(killed_recording, store)
    _started(factory, actor, appointment_id, path, store)
    result = RecordingResult(
        path=path,
        sha256=sha256_file(path),
        size=path.stat().st_size,
        duration_s=media_duration(path),
        started_at=datetime.now(UTC) - timedelta(minutes=5),
        ended_at=datetime.now(UTC),
        gaps=(),
        dropped=0,
        late_ticks=0,
        video_frames=0,
    )
    target = RecordingTarget(appointment_id)
    evidence_id = run_in_transaction(
        factory, lambda s: evidence.record_stop(s, actor, target, result, store)
    )

    results = recover_recordings(_runner(factory), actor, store)

    assert [(r.file, r.outcome, r.evidence_id) for r in results] == [
        (RELATIVE, "stored", evidence_id)
    ]
    assert len(_evidence(factory)) == 1
    assert not [a for a, _, _ in _actions(factory) if a == "recording.recovered"]
    side = read_sidecar(path)
    assert side is not None and side["status"] == "stored"


def test_the_console_recovers_recordings_after_sign_in(
    killed_recording: Path, qtbot: QtBot, qapp: QApplication, db_url: str, tmp_path: Path
) -> None:
    i18n.install_translators(qapp, "zh_CN")
    services = make_services(db_url, FakeClock())
    seed_world(services, appointments=1)
    store = services.settings.evidence_dir
    path = _place(killed_recording, store)
    shell = ConsoleShell(qapp, services)
    shell.start()
    try:
        login = shell.login
        assert login is not None
        with services.factory() as s:
            officer = s.scalars(select(Officer).where(Officer.police_number == "370102001")).one()
            appointment = s.scalars(select(Appointment)).first()
            assert appointment is not None
            actor = builders.actor_for(officer, services.settings.workstation_name)
            target_id = appointment.id
        run_in_transaction(
            services.factory,
            lambda s: evidence.record_start(
                s, actor, RecordingTarget(target_id), path, store, at=datetime.now(UTC)
            ),
        )
        qtbot.keyClicks(login.ui.police_number_edit, "370102001")
        qtbot.keyClicks(login.ui.password_edit, PASSWORD)
        qtbot.keyClick(login.ui.password_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: shell.recovery is not None, timeout=15_000)
        assert shell.recovery is not None
        qtbot.waitUntil(shell.recovery.done, timeout=30_000)
        results = shell.recovery.result()
        assert [(r.file, r.outcome) for r in results] == [(RELATIVE, "recovered")]
        (row,) = _evidence(services.factory)
        assert row.appointment_id == target_id and verify_evidence(row, store)
        window = shell.window
        assert window is not None
        qtbot.waitUntil(lambda: "录像" in window.statusBar().currentMessage(), timeout=5_000)
        assert (
            window.statusBar().currentMessage()
            == "已补存 1 段未完成的通话录像（已计算哈希并存为证据）"
        )
    finally:
        shell.shutdown()
