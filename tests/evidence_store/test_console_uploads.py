"""After sign-in the console hands spooled recordings to the store and shows what waits."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from officer_console.evidence_store.s3 import S3Config, S3Store
from officer_console.gui.shell import i18n
from officer_console.gui.shell.app import ConsoleShell
from officer_console.store.db.models import Appointment, Officer
from tests.evidence_store.conftest import s3_config
from tests.evidence_store.spool import evidence_row, spooled_recording
from tests.servers.s3_server import S3Server
from tests.support import builders
from tests.support.builders import PASSWORD
from tests.support.console import FakeClock, make_services, seed_world
from tests.support.gui_gc import gc_on_gui_thread
from tests.support.shots import shots_dir

__all__ = ["gc_on_gui_thread"]


def _sign_in(qtbot: QtBot, shell: ConsoleShell) -> None:
    login = shell.login
    assert login is not None
    qtbot.keyClicks(login.ui.police_number_edit, "370102001")
    qtbot.keyClicks(login.ui.password_edit, PASSWORD)
    qtbot.keyClick(login.ui.password_edit, Qt.Key.Key_Return)


def _label(shell: ConsoleShell) -> QLabel | None:
    window = shell.window
    return None if window is None else window.findChild(QLabel, "pending_uploads_label")


def _console(db_url: str, store: S3Store, qapp: QApplication, tmp_path: Path):
    services = make_services(db_url, FakeClock(), data_dir=tmp_path / "data")
    seed_world(services, appointments=1)
    with services.factory() as s:
        officer = s.scalars(select(Officer).where(Officer.police_number == "370102001")).one()
        appointment = s.scalars(select(Appointment)).first()
        assert appointment is not None
        actor = builders.actor_for(officer, services.settings.workstation_name)
        appointment_id = appointment.id
    path, evidence_id = spooled_recording(
        services.factory, actor, appointment_id, services.settings.evidence_dir
    )
    return ConsoleShell(qapp, services, evidence=store), services, path, evidence_id


def test_the_console_uploads_the_spool_after_sign_in(
    qtbot: QtBot, qapp: QApplication, db_url: str, s3_server: S3Server, tmp_path: Path
) -> None:
    i18n.install_translators(qapp, "zh_CN")
    store = S3Store(s3_config(s3_server, s3_server.bucket(lock=True)), state_dir=tmp_path / "up")
    shell, services, path, evidence_id = _console(db_url, store, qapp, tmp_path)
    shell.start()
    try:
        _sign_in(qtbot, shell)
        qtbot.waitUntil(lambda: _label(shell) is not None, timeout=30_000)
        label = _label(shell)
        assert label is not None
        qtbot.waitUntil(lambda: label.text() == "待上传证据: 0", timeout=30_000)
        assert evidence_row(services.factory, evidence_id).stored_in == "s3"
        assert not path.exists()
        assert shell.window is not None
        target = shots_dir(tmp_path) / "status_bar_pending_uploads.png"
        assert shell.window.statusBar().grab().save(str(target))
    finally:
        shell.shutdown()


def test_the_count_stays_while_the_store_is_down(
    qtbot: QtBot, qapp: QApplication, db_url: str, tmp_path: Path
) -> None:
    i18n.install_translators(qapp, "zh_CN")
    down = S3Store(
        S3Config(
            endpoint="http://127.0.0.1:9",
            bucket="evidence",
            access_key_id="a",
            secret_access_key="b",
        )
    )
    shell, services, path, evidence_id = _console(db_url, down, qapp, tmp_path)
    shell.start()
    try:
        _sign_in(qtbot, shell)
        qtbot.waitUntil(lambda: _label(shell) is not None, timeout=30_000)
        label = _label(shell)
        assert label is not None
        qtbot.waitUntil(lambda: label.text().startswith("待上传证据: 1"), timeout=30_000)
        assert "上传受阻" in label.text() and "暂不可用" in label.toolTip()
        assert path.exists() and evidence_row(services.factory, evidence_id).stored_in is None
    finally:
        shell.shutdown()
