"""GUI start-up figures: cold start to the login window (subprocess) and sign-in to the queue.

1. ``officer-console`` on an already migrated and seeded SQLite database, and
   ``officer-console --demo`` on a fresh data directory (migrate + seed included): wall time
   from process start to the ``officer-console: ready`` line, median of 3 (target ≤ 1.5 s).
2. In-process on a seeded demo database: from clicking "Sign in" (argon2id included) to the
   main window showing its first queue rows, median of 3.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, median

CONSOLE = ROOT / ".venv" / "bin" / "officer-console"
ADMIN = ROOT / ".venv" / "bin" / "officer-admin"
RUNS = 3


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OFFICER_CONSOLE_")}
    return env | {"QT_QPA_PLATFORM": "offscreen", "OFFICER_CONSOLE_DATA_DIR": str(data_dir)}


def time_to_ready(args: list[str], data_dir: Path) -> float:
    started = time.perf_counter()
    with subprocess.Popen(
        [str(CONSOLE), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=_env(data_dir),
    ) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.strip() == "officer-console: ready":
                elapsed = time.perf_counter() - started
                break
        else:
            raise RuntimeError(f"officer-console exited with {proc.wait()} before it was ready")
        proc.send_signal(signal.SIGTERM)
        if proc.wait(timeout=30) != 0:
            raise RuntimeError("officer-console did not exit cleanly on SIGTERM")
    return elapsed * 1000


def seeded_dir() -> Path:
    data_dir = Path(tempfile.mkdtemp(prefix="oc-bench-gui-"))
    for command in (["migrate"], ["seed-demo"]):
        subprocess.run([str(ADMIN), *command], env=_env(data_dir), check=True, capture_output=True)
    return data_dir


def login_to_queue_ms(data_dir: Path) -> list[float]:
    """Runs in this process: one QApplication, the real login dialog and main window."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    from officer_console.config import load_settings
    from officer_console.demo import DEMO_PASSWORD
    from officer_console.gui.common.services import OpRunner, Services
    from officer_console.gui.shell import i18n
    from officer_console.gui.shell.logging_setup import route_qt_messages
    from officer_console.gui.shell.login_dialog import LoginDialog
    from officer_console.gui.shell.main_window import MainWindow
    from officer_console.store.db.engine import make_engine, session_factory

    route_qt_messages()  # the offscreen plugin's warnings are noise here
    app = QApplication.instance() or QApplication([sys.argv[0]])
    i18n.install_translators(app, "zh_CN")
    results: list[float] = []
    for _ in range(RUNS):
        settings = load_settings(env={}, data_dir=data_dir)
        engine = make_engine(settings.effective_database_url)
        factory = session_factory(engine)
        services = Services(settings, engine, factory, OpRunner(factory))
        login = LoginDialog(services)
        login.show()
        windows: list[MainWindow] = []

        def signed_in(
            info: object, services: Services = services, windows: list[MainWindow] = windows
        ) -> None:
            services.officer = info  # type: ignore[assignment]
            window = MainWindow(services)
            window.show()
            windows.append(window)

        login.logged_in.connect(signed_in)
        login.ui.police_number_edit.setText("370102001")
        login.ui.password_edit.setText(DEMO_PASSWORD)
        started = time.perf_counter()
        login.ui.login_button.click()
        deadline = started + 30
        while time.perf_counter() < deadline:
            app.processEvents()
            if windows and windows[0].queue_pane.model.rowCount() > 0:  # type: ignore[attr-defined]
                break
            time.sleep(0.001)
        else:
            raise RuntimeError("queue never showed rows")
        results.append((time.perf_counter() - started) * 1000)
        windows[0].close_for_shutdown()
        login.close()
        services.close()
    return results


def main() -> int:
    data_dir = seeded_dir()
    configured = [time_to_ready([], data_dir) for _ in range(RUNS)]
    demo = [
        time_to_ready(["--demo", "--data-dir", tempfile.mkdtemp(prefix="oc-bench-demo-")], data_dir)
        for _ in range(RUNS)
    ]
    print(
        f"cold start → login window shown (configured SQLite): median {median(configured):.0f} ms "
        f"(runs {', '.join(f'{v:.0f}' for v in configured)}; target ≤ 1500 ms)"
    )
    print(
        f"cold start → login window shown (--demo, migrate + seed): median {median(demo):.0f} ms "
        f"(runs {', '.join(f'{v:.0f}' for v in demo)})"
    )
    logins = login_to_queue_ms(data_dir)
    print(
        f"sign-in click → queue rows shown (argon2id included): median {median(logins):.0f} ms "
        f"(runs {', '.join(f'{v:.0f}' for v in logins)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
