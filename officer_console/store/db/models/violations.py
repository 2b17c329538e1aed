"""What was done: the violation catalogue (by region, with effective dates) and the
captured violations imported from the national capture system.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from officer_console.store.db.models.base import Base
from officer_console.store.db.models.people import Vehicle


class CatalogueEntry(Base):
    """Violation catalogue keyed by region + code, with effective dates (docs/domain.md)."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (UniqueConstraint("region", "code", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(8))
    behaviour: Mapped[str] = mapped_column(String(200))
    conduct_basis: Mapped[str] = mapped_column(String(200))
    penalty_basis: Mapped[str] = mapped_column(String(200))
    fine_min: Mapped[int] = mapped_column(Integer)
    fine_max: Mapped[int] = mapped_column(Integer)
    fine_default: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    points_expressway: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    #: domain.penalties.PenaltyKind: fine, warning, warning_or_fine (what the article allows)
    penalty_kind: Mapped[str] = mapped_column(String(16), default="fine", server_default="fine")


class ViolationRecord(Base):
    """A captured violation, fed by an import from the national capture system."""

    __tablename__ = "violation_records"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    region: Mapped[str] = mapped_column(String(6))
    code: Mapped[str] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column()
    location: Mapped[str] = mapped_column(String(200))
    fine: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="unhandled")
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    vehicle: Mapped[Vehicle] = relationship()
