"""Menus and toolbar of the main window, and the dialogs they open.

Kept apart from ``main_window`` so the window only composes. The administration menu is not
built at all for non-admins; the store refuses them anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox

from officer_console import __version__

if TYPE_CHECKING:
    from officer_console.gui.main_window import MainWindow


@dataclass
class WindowActions:
    lock: QAction
    quit: QAction
    sign_out: QAction
    settings: QAction
    about: QAction
    refresh: QAction
    users: QAction | None = None
    schedules: QAction | None = None
    lockable: list[QAction] = field(default_factory=list)


def _open(window: MainWindow, dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def open_users(window: MainWindow) -> None:
    from officer_console.gui.admin_users import UsersDialog

    _open(window, UsersDialog(window.services, window))


def open_schedules(window: MainWindow) -> None:
    from officer_console.gui.admin_schedules import SchedulesDialog

    _open(window, SchedulesDialog(window.services, window))


def open_settings(window: MainWindow) -> None:
    from officer_console.gui.settings_dialog import SettingsDialog

    dialog = SettingsDialog(window.services.settings, window, services=window.services)

    def apply_devices(_path: object) -> None:
        # Devices are read when a call starts; everything else waits for a restart.
        chosen = dialog.device_choices()
        window.services.settings = replace(
            window.services.settings,
            camera=chosen["camera"],
            microphone=chosen["microphone"],
            speaker=chosen["speaker"],
        )

    dialog.saved.connect(apply_devices)
    _open(window, dialog)


def show_about(window: MainWindow) -> None:
    box = QMessageBox(window)
    box.setObjectName("about_box")
    box.setWindowTitle(QCoreApplication.translate("MainWindow", "About Officer Console"))
    box.setText(
        QCoreApplication.translate(
            "MainWindow",
            "Officer Console {version}\nRemote traffic violation processing by video — "
            "officer workstation.",
        ).format(version=__version__)
    )
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def _action(window: MainWindow, text: str, name: str, shortcut: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    return action


def build_menus(window: MainWindow) -> WindowActions:
    bar = window.menuBar()
    lock = _action(
        window, QCoreApplication.translate("MainWindow", "Lock"), "lock_action", "Ctrl+Shift+L"
    )
    lock.triggered.connect(lambda: window.lock("manual"))
    quit_ = _action(
        window, QCoreApplication.translate("MainWindow", "Quit"), "quit_action", "Ctrl+Q"
    )
    quit_.triggered.connect(window.request_quit)
    sign_out = _action(
        window, QCoreApplication.translate("MainWindow", "Sign out"), "sign_out_action"
    )
    sign_out.triggered.connect(window.sign_out_requested)
    refresh = _action(
        window, QCoreApplication.translate("MainWindow", "Refresh"), "refresh_action", "F5"
    )
    refresh.triggered.connect(window.reload_queue)
    settings = _action(
        window, QCoreApplication.translate("MainWindow", "Settings…"), "settings_action"
    )
    settings.triggered.connect(lambda: open_settings(window))
    about = _action(window, QCoreApplication.translate("MainWindow", "About"), "about_action")
    about.triggered.connect(lambda: show_about(window))
    actions = WindowActions(
        lock=lock, quit=quit_, sign_out=sign_out, settings=settings, about=about, refresh=refresh
    )

    file_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&File"))
    file_menu.setObjectName("file_menu")
    file_menu.addActions([lock, refresh])
    file_menu.addSeparator()
    file_menu.addActions([sign_out, quit_])
    officer = window.services.officer
    if officer is not None and officer.role == "admin":
        admin_menu = QMenu(QCoreApplication.translate("MainWindow", "&Administration"), bar)
        admin_menu.setObjectName("admin_menu")
        actions.users = _action(
            window, QCoreApplication.translate("MainWindow", "Users…"), "users_action"
        )
        actions.users.triggered.connect(lambda: open_users(window))
        actions.schedules = _action(
            window,
            QCoreApplication.translate("MainWindow", "Schedules and capacity…"),
            "schedules_action",
        )
        actions.schedules.triggered.connect(lambda: open_schedules(window))
        admin_menu.addActions([actions.users, actions.schedules])
        bar.addMenu(admin_menu)
    settings_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Settings"))
    settings_menu.setObjectName("settings_menu")
    settings_menu.addAction(settings)
    help_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Help"))
    help_menu.setObjectName("help_menu")
    help_menu.addAction(about)

    toolbar = window.addToolBar(QCoreApplication.translate("MainWindow", "Main toolbar"))
    toolbar.setObjectName("main_toolbar")
    toolbar.setMovable(False)
    toolbar.addActions([refresh, lock])
    actions.lockable = [
        a for a in (refresh, settings, about, actions.users, actions.schedules) if a is not None
    ]
    return actions
