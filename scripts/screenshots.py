"""Renders the main screens offscreen into docs/screenshots/*.png (widget.grab()).

Usage: .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]
Uses a fresh seeded demo database in a temporary directory; Chinese UI, CJK font.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from officer_console.demo import DEMO_PASSWORD  # noqa: E402
from officer_console.demo import console as demo  # noqa: E402
from officer_console.gui.shell import fonts  # noqa: E402
from officer_console.gui.shell import i18n  # noqa: E402
from officer_console.gui.common.services import OpRunner, Services  # noqa: E402
from officer_console.store.people import accounts  # noqa: E402
from officer_console.store.db.engine import make_engine, session_factory  # noqa: E402
from officer_console.store.db.schema import migrate  # noqa: E402


def pump(app: QApplication, until: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not until() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.01)
    for _ in range(20):
        app.processEvents()


def save(widget: QWidget, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    widget.grab().save(str(path))
    print(f"{path}  {widget.width()}x{widget.height()}")


def services_for(url: str, police_number: str) -> Services:
    settings = demo.demo_settings(Path(tempfile.mkdtemp(prefix="oc-shots-")))
    engine = make_engine(url)
    factory = session_factory(engine)
    services = Services(settings, engine, factory, OpRunner(factory))
    services.officer = accounts.login(
        factory, police_number=police_number, password=DEMO_PASSWORD, workstation="shots"
    )
    return services


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    i18n.install_translators(app, "zh_CN")
    print("font:", fonts.apply_cjk_font(app).family)
    data = Path(tempfile.mkdtemp(prefix="oc-shots-"))
    url = f"sqlite:///{data / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed_if_empty(engine, session_factory(engine), demo.demo_settings(data))
    engine.dispose()

    from officer_console.gui.admin.schedules import SchedulesDialog
    from officer_console.gui.admin.users import UsersDialog
    from officer_console.gui.common.crash import CrashDialog
    from officer_console.gui.shell.login_dialog import LoginDialog
    from officer_console.gui.shell.main_window import MainWindow
    from officer_console.gui.shell.settings_dialog import SettingsDialog

    officer = services_for(url, "370102001")
    login = LoginDialog(officer, hint=demo.login_hint())
    login.ui.police_number_edit.setText("370102001")
    login.show()
    pump(app, lambda: False, 0.2)
    save(login, out, "login_dialog")
    login.ui.password_edit.setText("wrong-password")
    login.submit()
    pump(app, login.ui.login_button.isEnabled, 10)
    save(login, out, "login_dialog_error")
    login.close()

    window = MainWindow(officer)
    window.resize(1400, 900)
    window.show()
    pane = window.queue_pane
    pump(app, lambda: pane.model.rowCount() > 0)  # type: ignore[attr-defined]
    view = pane.queue_view  # type: ignore[attr-defined]
    mine = next(
        (r for r in range(pane.model.rowCount()) if pane.model.row_at(r).status == "claimed"),  # type: ignore[attr-defined]
        0,
    )
    view.selectRow(mine)
    pump(app, lambda: False, 1.5)
    save(window, out, "main_window")
    window.lock("inactivity")
    pump(app, lambda: False, 0.3)
    save(window, out, "lock_screen")
    window.close_for_shutdown()

    admin = services_for(url, "admin")
    users = UsersDialog(admin)
    users.show()
    pump(app, lambda: users.table.rowCount() > 0)
    users.select_user("370102001")
    pump(app, lambda: False, 0.2)
    save(users, out, "users_dialog")
    users.close()
    schedules = SchedulesDialog(admin)
    schedules.show()
    pump(app, lambda: schedules.table.rowCount() > 0)
    schedules.table.selectRow(0)
    pump(app, lambda: False, 0.2)
    save(schedules, out, "schedules_dialog")
    schedules.close()
    settings = SettingsDialog(admin.settings, services=admin)
    settings.show()
    pump(app, lambda: False, 0.2)
    save(settings, out, "settings_dialog")
    settings.close()
    try:
        raise RuntimeError("example: the case file could not be rendered")
    except RuntimeError as exc:
        dialog = CrashDialog(exc, data / "logs" / "officer-console.log")
    dialog.show()
    pump(app, lambda: False, 0.2)
    save(dialog, out, "crash_dialog")
    dialog.close()
    for services in (officer, admin):
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
