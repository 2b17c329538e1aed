"""Menus and toolbar of the main window, and the dialogs they open.

Kept apart from ``main_window`` so the window only composes. The window hands over itself
(as a plain ``QMainWindow``), the services and its commands (:class:`WindowCommands`): this
module never imports ``main_window``, which imports it. The administration menu is not built
at all for non-admins; the store refuses them anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMainWindow, QMenu, QMessageBox, QWidget

from officer_console import __version__
from officer_console.gui.common.services import Services


@dataclass(frozen=True)
class WindowCommands:
    """What the window's own actions do (the window's methods, handed over)."""

    lock: Callable[[], None]
    quit: Callable[[], None]
    sign_out: Callable[[], None]
    refresh: Callable[[], None]


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


def _open(dialog: QDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def open_users(window: QWidget, services: Services) -> None:
    from officer_console.gui.admin.users import UsersDialog

    _open(UsersDialog(services, window))


def open_schedules(window: QWidget, services: Services) -> None:
    from officer_console.gui.admin.schedules import SchedulesDialog

    _open(SchedulesDialog(services, window))


def open_settings(window: QWidget, services: Services) -> None:
    from officer_console.gui.shell.settings_dialog import SettingsDialog

    dialog = SettingsDialog(services.settings, window, services=services)

    def apply_devices(_path: object) -> None:
        # Devices are read when a call starts; everything else waits for a restart.
        chosen = dialog.device_choices()
        services.settings = replace(
            services.settings,
            camera=chosen["camera"],
            microphone=chosen["microphone"],
            speaker=chosen["speaker"],
        )

    dialog.saved.connect(apply_devices)
    _open(dialog)


def show_about(window: QWidget) -> None:
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


def _action(window: QWidget, text: str, name: str, shortcut: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
    return action


def build_menus(window: QMainWindow, services: Services, commands: WindowCommands) -> WindowActions:
    bar = window.menuBar()
    lock = _action(
        window, QCoreApplication.translate("MainWindow", "Lock"), "lock_action", "Ctrl+Shift+L"
    )
    lock.triggered.connect(commands.lock)
    quit_ = _action(
        window, QCoreApplication.translate("MainWindow", "Quit"), "quit_action", "Ctrl+Q"
    )
    quit_.triggered.connect(commands.quit)
    sign_out = _action(
        window, QCoreApplication.translate("MainWindow", "Sign out"), "sign_out_action"
    )
    sign_out.triggered.connect(commands.sign_out)
    refresh = _action(
        window, QCoreApplication.translate("MainWindow", "Refresh"), "refresh_action", "F5"
    )
    refresh.triggered.connect(commands.refresh)
    settings = _action(
        window, QCoreApplication.translate("MainWindow", "Settings…"), "settings_action"
    )
    settings.triggered.connect(lambda: open_settings(window, services))
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
    officer = services.officer
    if officer is not None and officer.role == "admin":
        admin_menu = QMenu(QCoreApplication.translate("MainWindow", "&Administration"), bar)
        admin_menu.setObjectName("admin_menu")
        actions.users = _action(
            window, QCoreApplication.translate("MainWindow", "Users…"), "users_action"
        )
        actions.users.triggered.connect(lambda: open_users(window, services))
        actions.schedules = _action(
            window,
            QCoreApplication.translate("MainWindow", "Schedules and capacity…"),
            "schedules_action",
        )
        actions.schedules.triggered.connect(lambda: open_schedules(window, services))
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
