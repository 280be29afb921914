"""Bank facilities drawn by units that show no production (an investor: its own)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SessionDep, SettingsDep
from api.routers._programmes import dates, today
from api.schemas.facilities import FlaggedFacilityPublic
from api.security import CurrentUser
from zones.services import facilities
from zones.services.access import visible_units

router = APIRouter(tags=["units"])


@router.get("/facilities/flagged", response_model=list[FlaggedFacilityPublic],
            summary="Facilities drawn by units without production")
def flagged(session: SessionDep, user: CurrentUser,
            settings: SettingsDep) -> list[FlaggedFacilityPublic]:
    rows = facilities.flagged_facilities(session=session, as_of=today(),
                                         window_months=settings.facility_output_window_months,
                                         visible=visible_units(user))
    return [FlaggedFacilityPublic.model_validate(
        {"facility": f.facility.id, "unit": f.unit.ref, "bank": f.facility.bank,
         "purpose": f.facility.purpose, "amount_rial": f.facility.amount_rial,
         "disbursed_rial": f.facility.disbursed_rial, "reason": f.reason,
         **dates(f, "last_output_on")}) for f in rows]
