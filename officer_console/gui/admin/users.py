"""Account administration for admins: list, create, reset password, unlock, disable, roles, TOTP.

Every button runs one ``admin_ops`` function on the op runner; the store checks the role
and audits, so this dialog is only a convenience for people who are allowed anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.admin.common import add_footer, picker_table
from officer_console.gui.admin.disable_account import DisableAccountDialog
from officer_console.gui.common import crash
from officer_console.gui.common.services import Services
from officer_console.gui.common.widgets import local_text
from officer_console.store.people import admin_ops
from officer_console.store.people.accounts import ROLE_LABELS, ROLES
from officer_console.store.people.admin_ops import SquadRow, TotpEnrolment, UserRow


def _edit(name: str, *, password: bool = False, max_length: int = 64) -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setMaxLength(max_length)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _combo(name: str, *, roles: bool = False) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    for role in ROLES if roles else ():
        combo.addItem(ROLE_LABELS[role], role)
    return combo


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAutoDefault(False)
    return button


class UsersDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("users_dialog")
        self.setWindowTitle(self.tr("Users"))
        self.resize(980, 720)
        self._services = services
        self.users: list[UserRow] = []
        self._totp_shown_for = ""
        self.squads: list[SquadRow] = []
        layout = QVBoxLayout(self)
        headers = [
            self.tr("Police number"),
            self.tr("Name"),
            self.tr("Squad"),
            self.tr("Role"),
            self.tr("Locked"),
            self.tr("Disabled"),
            self.tr("One-time code"),
        ]
        self.table = picker_table("users_table", headers)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        # Lockouts are told here (and in the audit log), never to whoever typed the password.
        self.locked_label = QLabel()
        self.locked_label.setObjectName("locked_accounts_label")
        self.locked_label.setWordWrap(True)
        self.locked_label.setStyleSheet(
            "color:#b71c1c; background:#ffebee; border:1px solid #ef9a9a; padding:4px;"
        )
        self.locked_label.hide()
        self.disable_dialog: DisableAccountDialog | None = None
        layout.addWidget(self.locked_label)
        layout.addWidget(self.table, 1)
        boxes = QHBoxLayout()
        boxes.addWidget(self._build_account_box(), 1)
        boxes.addWidget(self._build_create_box(), 1)
        layout.addLayout(boxes)
        self.message_label = add_footer(self, layout, "users_message_label")
        self._selection_changed()
        self.reload()

    # --- layout ---------------------------------------------------------------------------

    def _build_account_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Selected account"))
        grid = QGridLayout(box)
        self.selected_label = QLabel()
        self.selected_label.setObjectName("selected_user_label")
        grid.addWidget(self.selected_label, 0, 0, 1, 4)
        self.unlock_button = _button(self.tr("Unlock"), "user_unlock_button")
        self.unlock_button.clicked.connect(self.unlock_selected)
        self.disable_button = _button(self.tr("Disable"), "user_disable_button")
        self.disable_button.clicked.connect(self.toggle_disabled)
        self.role_combo = _combo("user_role_combo", roles=True)
        self.role_button = _button(self.tr("Change role"), "user_role_button")
        self.role_button.clicked.connect(self.change_role)
        row = QHBoxLayout()
        for widget in (self.unlock_button, self.disable_button, self.role_combo, self.role_button):
            row.addWidget(widget)
        row.addStretch(1)
        grid.addLayout(row, 1, 0, 1, 4)
        self.reset_edit = _edit("reset_password_edit", password=True, max_length=128)
        self.reset_edit.setPlaceholderText(self.tr("New password (at least 8 characters)"))
        self.reset_button = _button(self.tr("Reset password"), "reset_password_button")
        self.reset_button.clicked.connect(self.reset_password)
        grid.addWidget(self.reset_edit, 2, 0, 1, 3)
        grid.addWidget(self.reset_button, 2, 3)
        self.totp_required_check = QCheckBox(self.tr("Require a one-time code at sign-in"))
        self.totp_required_check.setObjectName("user_totp_required_check")
        self.totp_required_check.clicked.connect(self.set_totp_required)
        self.enrol_button = _button(self.tr("Enrol one-time code…"), "enrol_totp_button")
        self.enrol_button.clicked.connect(self.enrol_totp)
        grid.addWidget(self.totp_required_check, 3, 0, 1, 3)
        grid.addWidget(self.enrol_button, 3, 3)
        self.totp_view = QPlainTextEdit()
        self.totp_view.setObjectName("totp_secret_view")
        self.totp_view.setReadOnly(True)
        self.totp_view.setMaximumHeight(80)
        self.totp_view.hide()
        grid.addWidget(self.totp_view, 4, 0, 1, 4)
        grid.setRowStretch(5, 1)  # keep the rows at the top when the box is taller
        self._account_widgets: list[QWidget] = [
            self.unlock_button, self.disable_button, self.role_combo, self.role_button,
            self.reset_edit, self.reset_button, self.totp_required_check, self.enrol_button,
        ]  # fmt: skip
        return box

    def _build_create_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("New account"))
        form = QFormLayout(box)
        self.new_number_edit = _edit("new_police_number_edit", max_length=16)
        self.new_name_edit = _edit("new_name_edit", max_length=32)
        self.new_squad_combo = _combo("new_squad_combo")
        self.new_role_combo = _combo("new_role_combo", roles=True)
        self.new_password_edit = _edit("new_password_edit", password=True, max_length=128)
        self.new_password_edit.setPlaceholderText(
            self.tr("At least 8 characters, not a common password")
        )
        self.new_password_repeat_edit = _edit(
            "new_password_repeat_edit", password=True, max_length=128
        )
        self.create_button = _button(self.tr("Create account"), "create_user_button")
        self.create_button.clicked.connect(self.create_user)
        form.addRow(self.tr("Police number"), self.new_number_edit)
        form.addRow(self.tr("Name"), self.new_name_edit)
        form.addRow(self.tr("Squad"), self.new_squad_combo)
        form.addRow(self.tr("Role"), self.new_role_combo)
        form.addRow(self.tr("Initial password"), self.new_password_edit)
        form.addRow(self.tr("Repeat password"), self.new_password_repeat_edit)
        form.addRow("", self.create_button)
        return box

    # --- data -----------------------------------------------------------------------------

    def _role(self) -> str:
        return self._services.officer.role if self._services.officer else ""

    def _run(self, work: Callable[[Session], Any], done: Callable[[Any], None]) -> None:
        self._services.runner.run(work, done, self._failed)

    def reload(self) -> None:
        actor, role = self._services.actor(), self._role()

        def work(session: Session) -> tuple[list[UserRow], list[SquadRow]]:
            return admin_ops.list_users(session, actor, role), admin_ops.list_squads(session)

        self._services.runner.run(work, self._loaded, self._show_error, write=False)

    def _loaded(self, result: tuple[list[UserRow], list[SquadRow]]) -> None:
        selected = self.selected()
        self.users, squads = result
        if squads != self.squads:
            self.squads = squads
            self.new_squad_combo.clear()
            self.new_squad_combo.addItem(self.tr("(none)"), "")
            for squad in squads:
                self.new_squad_combo.addItem(f"{squad.name}（{squad.code}）", squad.code)
        yes = self.tr("yes")
        tz = self._services.settings.timezone
        locked = [u for u in self.users if u.locked]
        self.locked_label.setText(
            "以下账号因连续登录失败已被锁定，核实本人后选中并点“解锁”："
            + "；".join(
                f"{u.police_number} {u.name}（锁定于 {local_text(u.locked_at, tz, '%m-%d %H:%M')}）"
                for u in locked
            )
        )
        self.locked_label.setVisible(bool(locked))
        self.table.setRowCount(len(self.users))
        for r, user in enumerate(self.users):
            cells = (
                user.police_number,
                user.name,
                user.squad_name,
                user.role_label,
                (local_text(user.locked_at, tz, "%m-%d %H:%M") or yes) if user.locked else "",
                yes if user.disabled else "",
                self.tr("enrolled") if user.totp_enabled else "",
            )
            for c, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if c in (4, 5) and value:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, c, item)
            if selected and user.police_number == selected.police_number:
                self.table.selectRow(r)
        self._selection_changed()

    def selected(self) -> UserRow | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.users):
            return None
        return self.users[rows[0].row()]

    def select_user(self, police_number: str) -> None:
        for r, user in enumerate(self.users):
            if user.police_number == police_number:
                self.table.selectRow(r)

    def _selection_changed(self) -> None:
        user = self.selected()
        if user is None or user.police_number != self._totp_shown_for:
            self._totp_shown_for = ""  # the secret is shown once, for that account only
            self.totp_view.clear()
            self.totp_view.hide()
        for widget in self._account_widgets:
            widget.setEnabled(user is not None)
        if user is None:
            self.selected_label.setText(self.tr("Select an account in the list."))
            return
        self.selected_label.setText(f"{user.police_number}  {user.name}  {user.role_label}")
        self.unlock_button.setEnabled(user.locked)
        self.disable_button.setText(self.tr("Enable") if user.disabled else self.tr("Disable"))
        self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(user.role)))
        self.totp_required_check.setChecked(user.totp_required)

    def _done(self, message: str) -> Callable[[object], None]:
        def show(_result: object) -> None:
            self.message_label.setStyleSheet("color: #1b5e20;")
            self.message_label.setText(message)
            self.reload()

        return show

    def _show_error(self, error: BaseException) -> None:
        if not isinstance(error, DomainError):
            crash.report(error)
            return
        self.message_label.setStyleSheet("color: #b00020;")
        self.message_label.setText(error.message)

    def _failed(self, error: BaseException) -> None:
        self._show_error(error)
        if isinstance(error, DomainError):
            self.reload()  # the account may have changed meanwhile

    # --- actions --------------------------------------------------------------------------

    def unlock_selected(self) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number = user.police_number
        self._run(
            lambda s: admin_ops.unlock(s, actor, role, number),
            self._done(self.tr("Account {number} unlocked.").format(number=number)),
        )

    def toggle_disabled(self) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number, disable = user.police_number, not user.disabled
        if not disable:
            self._run(
                lambda s: admin_ops.set_disabled(s, actor, role, number, False),
                self._done(self.tr("Account {number} enabled.").format(number=number)),
            )
            return
        # Disabling asks first, with a reason; both go into the audit row.
        dialog = DisableAccountDialog(number, user.name, self)
        self.disable_dialog = dialog

        def confirmed(reason: str) -> None:
            self._run(
                lambda s: admin_ops.set_disabled(s, actor, role, number, True, reason=reason),
                self._done(self.tr("Account {number} disabled.").format(number=number)),
            )

        dialog.confirmed.connect(confirmed)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def change_role(self) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number, new_role = user.police_number, str(self.role_combo.currentData())
        self._run(
            lambda s: admin_ops.set_role(s, actor, role, number, new_role),
            self._done(
                self.tr("Role of {number} is now {role}.").format(
                    number=number, role=ROLE_LABELS[new_role]
                )
            ),
        )

    def reset_password(self) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number, password = user.police_number, self.reset_edit.text()
        self.reset_edit.clear()
        self._run(
            lambda s: admin_ops.reset_password(s, actor, role, number, password),
            self._done(self.tr("Password of {number} reset.").format(number=number)),
        )

    def set_totp_required(self, required: bool) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number = user.police_number
        message = (
            self.tr("{number} must now use a one-time code.")
            if required
            else self.tr("{number} no longer needs a one-time code.")
        )
        self._run(
            lambda s: admin_ops.set_totp_required(s, actor, role, number, required),
            self._done(message.format(number=number)),
        )

    def enrol_totp(self) -> None:
        user, actor, role = self.selected(), self._services.actor(), self._role()
        if user is None:
            return
        number = user.police_number
        self._run(
            lambda s: admin_ops.enrol_totp(s, actor, role, number),
            lambda enrolment: self._enrolled(number, enrolment),
        )

    def _enrolled(self, number: str, enrolment: TotpEnrolment) -> None:
        self._totp_shown_for = number
        self._done(self.tr("One-time code enrolled. It is shown only now."))(None)
        self.totp_view.setPlainText(
            self.tr("Secret: {secret}\nURI (for the authenticator app): {uri}").format(
                secret=enrolment.secret, uri=enrolment.uri
            )
        )
        self.totp_view.show()

    def create_user(self) -> None:
        actor, role = self._services.actor(), self._role()
        number = self.new_number_edit.text().strip()
        name = self.new_name_edit.text().strip()
        password = self.new_password_edit.text()
        if password != self.new_password_repeat_edit.text():
            self._failed(DomainError(self.tr("The two passwords differ.")))
            return
        squad = str(self.new_squad_combo.currentData() or "")
        new_role = str(self.new_role_combo.currentData())

        def work(session: Session) -> str:
            return admin_ops.create_user(
                session,
                actor,
                role,
                police_number=number,
                name=name,
                role=new_role,
                password=password,
                squad_code=squad or None,
            )

        def created(created_number: str) -> None:
            for edit in (
                self.new_number_edit,
                self.new_name_edit,
                self.new_password_edit,
                self.new_password_repeat_edit,
            ):
                edit.clear()
            self._done(self.tr("Account {number} created.").format(number=created_number))(None)

        self._run(work, created)
