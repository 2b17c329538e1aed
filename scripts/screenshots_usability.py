"""Screens of issue 14 (console usability) on a demo seeded around the current time.

Usage: .venv/bin/python scripts/screenshots_usability.py [OUTPUT_DIR]
Officer's queue and an in-procedure case with its history, the auditor's squad picker, the
shift lead's reassign dialog (nobody pre-selected) and the officer's read-only settings.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtWidgets import QApplication  # noqa: E402

from officer_console.demo import console as demo  # noqa: E402
from officer_console.gui.shell import fonts  # noqa: E402
from officer_console.gui.shell import i18n  # noqa: E402
from officer_console.store.db.engine import make_engine, session_factory  # noqa: E402
from officer_console.store.db.schema import migrate  # noqa: E402
from scripts.screenshots import pump, save, services_for  # noqa: E402  (sets offscreen)


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    i18n.install_translators(app, "zh_CN")
    fonts.apply_cjk_font(app)
    data = Path(tempfile.mkdtemp(prefix="oc-shots-"))
    url = f"sqlite:///{data / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    demo.seed_if_empty(engine, session_factory(engine), demo.demo_settings(data))
    engine.dispose()

    from officer_console.gui.shell.main_window import MainWindow
    from officer_console.gui.shell.settings_dialog import SettingsDialog

    officer = services_for(url, "370102001")
    window = MainWindow(officer)
    window.resize(1400, 900)
    window.show()
    pane = window.queue_pane
    pump(app, lambda: pane.model.rowCount() > 0)  # type: ignore[attr-defined]
    rows = [pane.model.row_at(r) for r in range(pane.model.rowCount())]  # type: ignore[attr-defined]
    working = next(
        (
            i
            for i, r in enumerate(rows)
            if r.status == "in_procedure" and r.officer_id == officer.officer.id
        ),  # type: ignore[union-attr]
        0,
    )
    pane.queue_view.selectRow(working)  # type: ignore[attr-defined]
    pump(app, lambda: False, 2.0)
    save(window, out, "demo_queue_around_now")
    settings = SettingsDialog(officer.settings, window, services=officer)
    settings.show()
    pump(app, lambda: False, 0.3)
    save(settings, out, "settings_dialog_officer")
    settings.close()
    window.close_for_shutdown()

    auditor = services_for(url, "auditor")
    window = MainWindow(auditor)
    window.resize(1400, 900)
    window.show()
    pump(app, lambda: window.queue_pane.model.rowCount() > 0)  # type: ignore[attr-defined]
    pump(app, lambda: False, 1.0)
    save(window, out, "queue_squad_picker")
    window.close_for_shutdown()

    lead = services_for(url, "370102010")
    window = MainWindow(lead)
    window.resize(1400, 900)
    window.show()
    pane = window.queue_pane
    pump(app, lambda: pane.model.rowCount() > 0)  # type: ignore[attr-defined]
    rows = [pane.model.row_at(r) for r in range(pane.model.rowCount())]  # type: ignore[attr-defined]
    pane.queue_view.selectRow(next(i for i, r in enumerate(rows) if r.status == "waiting"))  # type: ignore[attr-defined, union-attr]
    pane.open_reassign()  # type: ignore[attr-defined]
    dialog = next(w for w in app.topLevelWidgets() if w.objectName() == "reassign_dialog")
    pump(app, lambda: dialog.officer_combo.count() > 0)  # type: ignore[attr-defined]
    save(dialog, out, "reassign_dialog")
    dialog.close()
    window.close_for_shutdown()
    for services in (officer, auditor, lead):
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
