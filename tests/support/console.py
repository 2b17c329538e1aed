"""Helpers for GUI tests: services on a test database, a fake clock, a PII walker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractListModel,
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from sqlalchemy import select

from officer_console.config import Settings, load_settings
from officer_console.domain.masking import mask_id_number, mask_name, mask_phone, mask_plate
from officer_console.gui.common.services import OpRunner, Services
from officer_console.gui.shell.main_window import MainWindow
from officer_console.store.db.engine import make_engine, session_factory, transaction
from officer_console.store.db.models import Citizen, Vehicle
from officer_console.store.people import accounts
from tests.support import builders


@dataclass
class FakeClock:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_services(url: str, clock: FakeClock | None = None, **overrides: Any) -> Services:
    settings: Settings = load_settings(env={}, database_url=url, workstation="ws-gui", **overrides)
    engine = make_engine(url)
    factory = session_factory(engine)
    services = Services(settings=settings, engine=engine, factory=factory, runner=OpRunner(factory))
    if clock is not None:
        services.clock = clock
    return services


@dataclass(frozen=True)
class World:
    squad_id: int
    other_squad_id: int
    appointment_ids: list[int]


def seed_world(services: Services, appointments: int = 5) -> World:
    """Squads, one account per role (password builders.PASSWORD) and waiting appointments."""
    with transaction(services.factory) as s:
        squad = builders.squad(s)
        other = builders.squad(s, "370103", "市中区大队")
        builders.officer(s, squad, "370102001", "officer", name="李明")
        builders.officer(s, squad, "370102002", "officer", name="赵强")
        builders.officer(s, squad, "370102900", "shift_lead", name="王带班")
        builders.officer(s, None, "900001", "admin", name="孙管理")
        builders.officer(s, None, "900002", "auditor", name="钱审计")
        ids = builders.appointments(s, squad, appointments) if appointments else []
        return World(squad.id, other.id, ids)


# --- personal data in the widget tree ------------------------------------------------------


def _model_texts(model: QAbstractItemModel, parent: QModelIndex = QModelIndex()) -> Iterator[str]:  # noqa: B008
    roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.EditRole)
    for row in range(model.rowCount(parent)):
        for column in range(max(1, model.columnCount(parent))):
            index = model.index(row, column, parent)
            for role in roles:
                value = model.data(index, role)
                if value is not None:
                    yield str(value)
            if not isinstance(
                model, QAbstractTableModel | QAbstractListModel
            ) and model.hasChildren(index):
                yield from _model_texts(model, index)


def widget_texts(root: QWidget) -> list[str]:
    """Every text a user (or a screen reader) could get out of ``root`` and its children."""
    texts: list[str] = [root.windowTitle()]
    for w in [root, *root.findChildren(QWidget)]:
        texts.extend([w.toolTip(), w.statusTip(), w.accessibleName(), w.whatsThis()])
        if isinstance(w, QLabel | QAbstractButton | QLineEdit):
            texts.append(w.text())
        if isinstance(w, QLineEdit):
            texts.append(w.placeholderText())
        if isinstance(w, QPlainTextEdit | QTextEdit):
            texts.append(w.toPlainText())
        if isinstance(w, QGroupBox):
            texts.append(w.title())
        if isinstance(w, QComboBox):
            texts.extend(w.itemText(i) for i in range(w.count()))
            texts.append(w.currentText())
        if isinstance(w, QAbstractItemView) and w.model() is not None:
            texts.extend(_model_texts(w.model()))
    return [t for t in texts if t]


def signed_in(services: Services, police_number: str) -> None:
    services.officer = accounts.login(
        services.factory,
        police_number=police_number,
        password=builders.PASSWORD,
        workstation=services.settings.workstation_name,
        clock=services.clock,
    )


def citizen_pii(services: Services) -> list[str]:
    """Every citizen name, phone, ID number and plate in the database, full and masked."""
    values: list[str] = []
    with services.factory() as s:
        for name, phone, id_number in s.execute(
            select(Citizen.name, Citizen.phone, Citizen.id_number)
        ):
            values += [name, mask_name(name), id_number, mask_id_number(id_number)]
            if phone:
                values += [phone, mask_phone(phone)]
        for plate in s.scalars(select(Vehicle.plate)):
            values += [plate, mask_plate(plate)]
    return sorted(set(values))


def pii_found(root: QWidget, pii: list[str]) -> list[str]:
    texts = widget_texts(root)
    return sorted({p for p in pii for t in texts if p in t})


def close_window(window: MainWindow) -> None:
    """The shutdown path's close, then the deferred delete it asks for, here and now."""
    window.close_for_shutdown()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
