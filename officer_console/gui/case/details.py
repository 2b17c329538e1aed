"""One appointment's case file on screen: citizen, licence, vehicle, violations, history.

The case panel has two of these: the live case (the one being worked on, with reveal) and
a read-only browse view of another selected row. Each loads its own case file through the op
runner and reloads only when the change signal reports a version newer than it shows.

Personal data is masked; the assigned officer may reveal it (audited) in the live view, and
the full values disappear again after 60 s, on another selection and on screen lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from officer_console.domain.errors import DomainError
from officer_console.gui.common.services import Changed, Services
from officer_console.gui.common.widgets import (
    MessageBar,
    RecordTableModel,
    fit_rows,
    local_text,
    named,
    run_keeping_denials,
)
from officer_console.store.appointments import casefile

REVEAL_SECONDS = 60
GREY = "color:#9e9e9e;"


def _day(value: date | None) -> str:
    return "" if value is None else value.isoformat()


class CaseDetails(QWidget):
    """``loaded(CaseFile)`` after every (re)load; ``prefix`` names the widgets (case_/browse_)."""

    loaded = Signal(object)
    cleared = Signal()

    def __init__(
        self,
        services: Services,
        parent: QWidget | None = None,
        *,
        prefix: str = "case",
        revealable: bool = True,
    ) -> None:
        super().__init__(parent)
        self.services = services
        self.tz = services.settings.timezone
        self.prefix = prefix
        self.revealable = revealable
        self.case: casefile.CaseFile | None = None
        self.appointment_id: int | None = None
        self.wanted_version: int | None = None  # the version loaded or being loaded
        self._generation = 0
        self._reveal_left = 0
        self._fields: dict[str, QLabel] = {}
        self._pending: int | None = None
        self._debounce = QTimer(self, singleShot=True, interval=80)
        self._debounce.timeout.connect(self._load)
        self._reveal_timer = QTimer(self, interval=1000)
        self._reveal_timer.timeout.connect(self._reveal_tick)
        self._build()
        services.hub.changed.connect(self.on_changed)

    def tr(self, text: str) -> str:  # type: ignore[override]
        """The catalogue keeps these texts under this class's name (what lupdate finds)."""
        return QCoreApplication.translate("CaseDetails", text)

    def _n(self, name: str) -> str:
        """objectName: the live view keeps the historic names, the browse view is prefixed."""
        return name if self.prefix == "case" else f"{self.prefix}_{name}"

    # --- construction --------------------------------------------------------------------

    def _label(self, key: str) -> QLabel:
        label = named(QLabel(self), f"{self.prefix}_{key}")
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._fields[key] = label
        return label

    def _form(
        self, title: str, rows: list[tuple[str, str]], split: int = 0
    ) -> tuple[QGroupBox, QFormLayout]:
        """A titled box of label/value rows; ``split`` puts the rows from there in a 2nd column."""
        box = QGroupBox(title, self)
        columns = QHBoxLayout(box)
        forms = [QFormLayout(), QFormLayout()]
        for i, (key, text) in enumerate(rows):
            forms[1 if split and i >= split else 0].addRow(text, self._label(key))
        for form in forms[: 2 if split else 1]:
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            columns.addLayout(form, 1)
        return box, forms[0]

    def _table(self, name: str, model: RecordTableModel[object], stretch: int) -> QTableView:
        """A short table that fits the panel's width: one column stretches and elides."""
        view = named(QTableView(self), self._n(name))
        view.setModel(model)
        view.verticalHeader().hide()
        view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setWordWrap(False)
        view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        return view

    def _build(self) -> None:
        self.title_label = named(QLabel(self), f"{self.prefix}_title")
        self.title_label.setStyleSheet("font-size:13pt; font-weight:bold;")
        self.title_label.setWordWrap(True)
        self.state_label = named(QLabel(self), f"{self.prefix}_state")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setStyleSheet(GREY)
        self.case_error = MessageBar(f"{self.prefix}_error", self)
        self.citizen_box, citizen_form = self._form(
            self.tr("Citizen"),
            [
                ("name", self.tr("Name")),
                ("phone", self.tr("Phone")),
                ("id_number", self.tr("ID number")),
            ],
        )
        self.reveal_button = named(
            QPushButton(self.tr("Show full details"), self), self._n("reveal_button")
        )
        self.reveal_button.setEnabled(False)
        self.reveal_button.setToolTip(
            self.tr("Only the assigned officer; every reveal is audited.")
        )
        if self.revealable:
            citizen_form.addRow("", self.reveal_button)
        else:
            self.reveal_button.hide()
        self.licence_box, _ = self._form(
            self.tr("Driving licence"),
            [
                ("licence_class", self.tr("Class")),
                ("cycle_points", self.tr("Points this cycle")),
                ("cycle_end", self.tr("Cycle ends")),
                ("first_issue", self.tr("First issued")),
                ("authority", self.tr("Issued by")),
            ],
            split=3,
        )
        self._fields["authority"].setWordWrap(True)
        self.vehicle_box, _ = self._form(
            self.tr("Vehicle"),
            [
                ("plate", self.tr("Plate")),
                ("vehicle_type", self.tr("Type")),
                ("registered", self.tr("Registered")),
                ("inspection_due", self.tr("Inspection due")),
            ],
        )
        cards = QGridLayout()
        cards.addWidget(self.citizen_box, 0, 0)
        cards.addWidget(self.vehicle_box, 0, 1)
        cards.addWidget(self.licence_box, 1, 0, 1, 2)

        vcols: list[tuple[str, Callable[[casefile.ViolationPart], str]]] = [
            (self.tr("Time"), lambda v: local_text(v.occurred_at, self.tz)),
            (self.tr("Place"), lambda v: v.location),
            (self.tr("Code"), lambda v: v.code),
            (self.tr("Offence"), lambda v: v.behaviour or self.tr("(not in catalogue)")),
            (self.tr("Fine"), lambda v: f"{v.fine} 元"),
            (self.tr("Points"), lambda v: str(v.points)),
        ]
        self.violations_model: RecordTableModel[casefile.ViolationPart] = RecordTableModel(
            vcols, self
        )
        self.violations_view = self._table("violations_view", self.violations_model, 3)  # type: ignore[arg-type]
        self.violations_total = named(QLabel(self), self._n("violations_total"))
        self.violations_box = QGroupBox(self.tr("Violations"), self)
        vbox = QVBoxLayout(self.violations_box)
        vbox.addWidget(self.violations_view)
        vbox.addWidget(self.violations_total)

        hcols: list[tuple[str, Callable[[casefile.HistoryEntry], str]]] = [
            (self.tr("Time"), lambda h: local_text(h.at, self.tz, "%m-%d %H:%M:%S")),
            (self.tr("Action"), lambda h: h.action),
            (self.tr("By"), lambda h: h.actor),
            (self.tr("Result"), lambda h: h.outcome),
            (self.tr("Detail"), lambda h: h.detail),
        ]
        self.history_model: RecordTableModel[casefile.HistoryEntry] = RecordTableModel(hcols, self)
        self.history_view = self._table("history_view", self.history_model, 4)  # type: ignore[arg-type]
        self.history_box = QGroupBox(self.tr("Appointment history"), self)
        history = QVBoxLayout(self.history_box)
        history.addWidget(self.history_view)
        # The case's recordings: the store decides who may play them (and audits either way).
        self.recordings_button = named(QPushButton("查看录像…", self), self._n("recordings_button"))
        self.recordings_button.setToolTip(
            "回放本预约的通话录像（办案民警、带班领导、审计员；每次回放均记录）"
        )
        self.recordings_button.setEnabled(False)
        self.recordings_button.clicked.connect(self._show_recordings)
        history.addWidget(self.recordings_button, 0, Qt.AlignmentFlag.AlignRight)

        self.content = named(QWidget(self), f"{self.prefix}_content")
        body = QVBoxLayout(self.content)
        body.setContentsMargins(0, 0, 0, 0)
        body.addLayout(cards)
        body.addWidget(self.violations_box)
        body.addWidget(self.history_box)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title_label)
        layout.addWidget(self.case_error)
        layout.addWidget(self.state_label)
        layout.addWidget(self.content)
        self.reveal_button.clicked.connect(self._toggle_reveal)
        self.content.hide()

    # --- public interface ----------------------------------------------------------------

    def set_condensed(self, condensed: bool) -> None:
        """During a call only the title and the (masked) citizen stay: the video needs room."""
        for box in (self.licence_box, self.vehicle_box, self.violations_box, self.history_box):
            box.setVisible(not condensed)

    def show_appointment(self, appointment_id: int | None, *, placeholder: str = "") -> None:
        """Show one appointment (None or -1: nothing). The same id again refreshes in place."""
        if appointment_id is None or appointment_id < 0:
            self._generation += 1
            self._debounce.stop()
            self.clear()
            self._show_state(placeholder)
            return
        if appointment_id != self.appointment_id:
            self.clear()
            self._show_state(self.tr("Loading…"))
        self.appointment_id = appointment_id
        self.wanted_version = None
        self._pending = appointment_id
        self._debounce.start()

    def on_changed(self, items: list[Changed]) -> None:
        """The change signal: reload when the shown appointment moved past what is shown."""
        if self.appointment_id is None:
            return
        for appointment_id, version in items:
            if appointment_id != self.appointment_id:
                continue
            if version is None or version != self.wanted_version:
                self.wanted_version = version
                self._pending = appointment_id
                if not self._debounce.isActive():  # one load for a burst of reports
                    self._debounce.start()
            return

    def stop(self) -> None:
        """Drop pending and in-flight loads (shutdown, lock)."""
        self._generation += 1
        self._debounce.stop()

    # --- loading -------------------------------------------------------------------------

    def _load(self) -> None:
        officer, appointment_id = self.services.officer, self._pending
        if appointment_id is None or officer is None:
            return
        self._generation += 1
        generation, actor = self._generation, self.services.actor()

        def work(s: Session) -> casefile.CaseFile:
            return casefile.load_case_file(
                s, appointment_id, officer.id, officer.role, officer.squad_id, actor=actor
            )

        run_keeping_denials(
            self.services.runner,
            work,
            lambda cf: self._on_loaded(generation, cf),
            lambda e: self._on_failed(generation, e),
        )

    def _on_loaded(self, generation: int, cf: casefile.CaseFile) -> None:
        if generation != self._generation:
            return
        keep_reveal = self._reveal_left > 0 and self.case is not None and cf.can_reveal
        keep_reveal = keep_reveal and self.case.appointment.id == cf.appointment.id  # type: ignore[union-attr]
        self.case = cf
        self.wanted_version = cf.appointment.version
        self.state_label.hide()
        self.case_error.clear_message()
        self.content.show()
        a = cf.appointment
        urgent = ""
        if a.urgent:
            urgent = f" · 加急（{a.urgent_reason}，{_day(a.urgent_due_date)} 到期）"
        officer = a.officer_name or self.tr("unassigned")
        self.title_label.setText(
            f"{local_text(a.slot_start, self.tz)}–{local_text(a.slot_end, self.tz, '%H:%M')} · "
            f"{a.status_label}{urgent} · {officer}"
        )
        if not keep_reveal:
            self._mask()
        self.reveal_button.setEnabled(self.revealable and cf.can_reveal)
        f = self._fields
        lic, veh = cf.licence, cf.vehicle
        f["licence_class"].setText(lic.licence_class if lic else "—")
        f["first_issue"].setText(_day(lic.first_issue_date) if lic else "—")
        f["cycle_points"].setText(str(lic.cycle_points) if lic else "—")
        f["cycle_end"].setText(_day(lic.cycle_end) if lic else "—")
        f["authority"].setText(lic.issuing_authority if lic else "—")
        f["plate"].setText(veh.plate if veh else "—")
        f["vehicle_type"].setText(veh.vehicle_type if veh else "—")
        f["registered"].setText(_day(veh.registration_date) if veh else "—")
        f["inspection_due"].setText(_day(veh.inspection_due) if veh else "—")
        self.violations_model.set_rows(cf.violations)
        total = self.tr("%1 record(s), fines %2 yuan, %3 point(s)")
        self.violations_total.setText(
            total.replace("%1", str(len(cf.violations)))
            .replace("%2", str(cf.fine_total))
            .replace("%3", str(cf.points_total))
        )
        self.history_model.set_rows(cf.history)
        self.recordings_button.setEnabled(True)
        for view in (self.violations_view, self.history_view):
            fit_rows(view)
        self.loaded.emit(cf)

    def _on_failed(self, generation: int, error: BaseException) -> None:
        if generation != self._generation:
            return
        self.clear()
        self.state_label.hide()
        if isinstance(error, DomainError):
            self.case_error.show_message(error.message, "error")
        else:
            self.case_error.show_message(
                self.tr("Could not load the case file from the database."), "error"
            )

    def _show_state(self, text: str) -> None:
        self.state_label.setText(text)
        self.state_label.setVisible(bool(text))

    def clear(self) -> None:
        self.case, self.appointment_id, self.wanted_version = None, None, None
        self._stop_reveal()
        self.title_label.clear()
        self.case_error.clear_message()
        for label in self._fields.values():
            label.clear()
        self.violations_model.set_rows([])
        self.violations_total.clear()
        self.history_model.set_rows([])
        self.recordings_button.setEnabled(False)
        self.reveal_button.setEnabled(False)
        self.content.hide()
        self.cleared.emit()

    def _show_recordings(self) -> None:
        if self.appointment_id is not None:
            from officer_console.gui.call.recording_player import show_recordings

            show_recordings(self.services, self.appointment_id, self)

    # --- reveal --------------------------------------------------------------------------

    def _mask(self) -> None:
        self._stop_reveal()
        if self.case is not None:
            c = self.case.citizen
            self._fields["name"].setText(c.name_masked)
            self._fields["phone"].setText(c.phone_masked)
            self._fields["id_number"].setText(c.id_masked)

    def _stop_reveal(self) -> None:
        self._reveal_timer.stop()
        self._reveal_left = 0
        self.reveal_button.setText(self.tr("Show full details"))

    def _toggle_reveal(self) -> None:
        if self._reveal_left > 0:
            self._mask()
            return
        if self.case is None or not self.revealable:
            return
        appointment_id, actor, generation = (
            self.case.appointment.id,
            self.services.actor(),
            self._generation,
        )

        def work(s: Session) -> casefile.RevealedCitizen:
            return casefile.reveal_citizen(s, actor, appointment_id)

        self.reveal_button.setEnabled(False)
        run_keeping_denials(
            self.services.runner,
            work,
            lambda got: self._on_revealed(generation, got),
            lambda e: self._on_failed_reveal(generation, e),
        )

    def _on_revealed(self, generation: int, got: casefile.RevealedCitizen) -> None:
        if generation != self._generation or self.case is None:
            return  # the officer moved on or the screen locked meanwhile: show nothing
        self._fields["name"].setText(got.name)
        self._fields["phone"].setText(got.phone)
        self._fields["id_number"].setText(got.id_number)
        self._reveal_left = REVEAL_SECONDS
        self._reveal_tick(count=False)
        self._reveal_timer.start()
        self.reveal_button.setEnabled(True)

    def _on_failed_reveal(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self.reveal_button.setEnabled(self.case is not None and self.case.can_reveal)
            message = (
                error.message if isinstance(error, DomainError) else self.tr("Database error.")
            )
            self.case_error.show_message(message, "error")

    def _reveal_tick(self, *, count: bool = True) -> None:
        if count:
            self._reveal_left -= 1
        if self._reveal_left <= 0:
            self._mask()
            return
        self.reveal_button.setText(self.tr("Hide (%1 s)").replace("%1", str(self._reveal_left)))
