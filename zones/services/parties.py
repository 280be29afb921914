"""Registering and correcting investors and production units (the registry's writes).

Statuses are not set here: a unit's status moves through allocation, construction and
the revival workflow, each with its own history. Text is normalised (Persian/Arabic
letters and digits) before it is stored, so searches and codes compare equal.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from zones import errors
from zones.model import Investor, ProductionUnit, UnitStatus
from zones.text import normalize, strip_control

TEXT_FIELDS = frozenset({"ref", "name_fa", "name_en", "national_id", "email", "phone",
                         "address", "establishment_licence_no", "operating_licence_no"})


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    # Control characters are dropped whatever the caller checked: one in an address
    # would break every later XLSX export of the registry.
    return {k: normalize(strip_control(v)) if k in TEXT_FIELDS and isinstance(v, str) else v
            for k, v in values.items()}


def _flush(session: Session, what: str, ref: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent insert of the same ref
        raise errors.RefTaken(f"{what} {ref!r} already exists", ref=ref) from exc


def create_investor(*, session: Session, values: dict[str, Any]) -> Investor:
    values = _clean(values)
    if session.scalar(sa.select(Investor.id).where(Investor.ref == values["ref"])):
        raise errors.RefTaken(f"investor {values['ref']!r} already exists", ref=values["ref"])
    investor = Investor(**values)
    session.add(investor)
    _flush(session, "investor", values["ref"])
    return investor


def update_investor(*, session: Session, investor: Investor, changes: dict[str, Any]
                    ) -> Investor:
    for key, value in _clean(changes).items():
        setattr(investor, key, value)
    session.flush()
    return investor


def create_unit(*, session: Session, investor: Investor, values: dict[str, Any]
                ) -> ProductionUnit:
    """A newly registered unit starts as ``applied``: land and licences come later."""
    values = _clean(values)
    if session.scalar(sa.select(ProductionUnit.id)
                      .where(ProductionUnit.ref == values["ref"])):
        raise errors.RefTaken(f"unit {values['ref']!r} already exists", ref=values["ref"])
    unit = ProductionUnit(investor=investor, status=UnitStatus.APPLIED, **values)
    session.add(unit)
    _flush(session, "unit", values["ref"])
    return unit


def update_unit(*, session: Session, unit: ProductionUnit, changes: dict[str, Any]
                ) -> ProductionUnit:
    for key, value in _clean(changes).items():
        setattr(unit, key, value)
    session.flush()
    return unit
