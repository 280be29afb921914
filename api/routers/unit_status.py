"""A unit's status: staff change it with a reason; its history says who, when and why."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep, WriteSessionDep
from api.routers._programmes import Ref, Staff, act, dates, find_unit, written
from api.schemas.unit_status import (
    UnitStatusChangeCreate,
    UnitStatusChangePublic,
    UnitStatusPublic,
)
from api.security import CurrentUser
from zones.services import unit_registry
from zones.text import jalali, normalize

router = APIRouter(tags=["units"])


@router.post("/units/{ref}/status", response_model=UnitStatusPublic,
             summary="Change a unit's status with a reason (staff)")
def set_status(ref: Ref, body: UnitStatusChangeCreate, session: WriteSessionDep,
               user: Staff) -> UnitStatusPublic:
    unit = find_unit(session, user, ref)
    act(session, user, body.reason)
    unit_registry.change_status(session=session, unit=unit, to=body.status,
                                effective_on=body.effective_on, reason=normalize(body.reason),
                                changed_by_id=user.id)
    written(session)
    return UnitStatusPublic.model_validate(
        {"unit": unit.ref, "status": unit.status, **dates(unit, "status_since")})


@router.get("/units/{ref}/status-history", response_model=list[UnitStatusChangePublic],
            summary="Who changed a unit's status, when, why")
def status_history(ref: Ref, session: SessionDep,
                   user: CurrentUser) -> list[UnitStatusChangePublic]:
    unit = find_unit(session, user, ref)
    return [UnitStatusChangePublic.model_validate(
        {"from": c.from_status, "to": c.to_status, "reason": c.reason,
         "changed_by_id": c.changed_by_id, "at": c.at,
         "at_jalali": jalali(c.at, digits="latin"), **dates(c, "effective_on")})
        for c in unit.status_history]
