"""SQLAlchemy 2 ORM models of the shared case database, one module per area.

Every table is registered on ``Base.metadata`` when this package is imported (Alembic's
``env.py`` and the schema test read it here), and every model is importable from
``officer_console.store.db.models`` as before the split: :mod:`.people` (squads, officers,
citizens, licences, vehicles), :mod:`.violations`, :mod:`.appointments` (the queue),
:mod:`.cases` (procedure, decisions, service), :mod:`.dispatch` (codes, SMS, calls),
:mod:`.rooms` (video rooms, gateway sharing), :mod:`.evidence`, :mod:`.audit`.

Times are UTC (``UTCDateTime``). Rows that several workstations edit carry a ``version``
column; writers use conditional updates on it (see repositories). Personal data columns are
never written to logs or audit rows unmasked.
"""

from officer_console.store.db.models.appointments import (
    Appointment,
    AppointmentViolation,
    ChangeCounter,
    SlotSchedule,
)
from officer_console.store.db.models.audit import AuditEvent, AuditHead
from officer_console.store.db.models.base import NAMING, Base
from officer_console.store.db.models.cases import (
    Case,
    CaseStep,
    CosignRequest,
    Decision,
    NumberSequence,
    ServiceRecord,
)
from officer_console.store.db.models.dispatch import (
    CallAttempt,
    Dispatch,
    SmsMessage,
    VerificationCode,
)
from officer_console.store.db.models.evidence import EvidenceFile
from officer_console.store.db.models.people import Citizen, Licence, Officer, Squad, Vehicle
from officer_console.store.db.models.rooms import RateWindow, RoomSeat, SignalPayload, VideoSession
from officer_console.store.db.models.violations import CatalogueEntry, ViolationRecord

__all__ = [
    "NAMING",
    "Appointment",
    "AppointmentViolation",
    "AuditEvent",
    "AuditHead",
    "Base",
    "CallAttempt",
    "Case",
    "CaseStep",
    "CatalogueEntry",
    "ChangeCounter",
    "Citizen",
    "CosignRequest",
    "Decision",
    "Dispatch",
    "EvidenceFile",
    "Licence",
    "NumberSequence",
    "Officer",
    "RateWindow",
    "RoomSeat",
    "ServiceRecord",
    "SignalPayload",
    "SlotSchedule",
    "SmsMessage",
    "Squad",
    "Vehicle",
    "VerificationCode",
    "VideoSession",
    "ViolationRecord",
]
