"""Who and where: squads and officers for pickers (reassign targets, officer filter)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from officer_console.store.db.models import Officer, Squad

# Roles that work appointments; admins and auditors never own one.
WORKING_ROLES = ("officer", "shift_lead")


@dataclass(frozen=True)
class SquadRef:
    id: int
    name: str


@dataclass(frozen=True)
class OfficerRef:
    id: int
    name: str
    police_number: str
    squad_id: int | None
    role: str

    @property
    def label(self) -> str:
        return f"{self.name}（{self.police_number}）"


def list_squads(session: Session) -> list[SquadRef]:
    rows = session.execute(
        select(Squad.id, Squad.name).where(Squad.active.is_(True)).order_by(Squad.code)
    )
    return [SquadRef(int(i), str(n)) for i, n in rows]


def list_officers(session: Session, squad_id: int | None = None) -> list[OfficerRef]:
    """Enabled officers and shift leads, of one squad or of all, by police number."""
    stmt = select(Officer).where(Officer.disabled.is_(False), Officer.role.in_(WORKING_ROLES))
    if squad_id is not None:
        stmt = stmt.where(Officer.squad_id == squad_id)
    return [
        OfficerRef(o.id, o.name, o.police_number, o.squad_id, o.role)
        for o in session.scalars(stmt.order_by(Officer.police_number))
    ]
