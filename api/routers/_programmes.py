"""What the unit-programme routers share (issue 7): who may act, how a unit is found.

Who may do what: an investor sees only its own units' projects, plans, levies and
facilities (another investor's look missing: 404, checked per object with
:func:`visible_units`); staff and the working group manage revival plans; only staff and
admins appraise land, set tariffs and issue levies; consultants get 403 and anonymous
callers 401 (the role dependencies below). Dates people read carry a Jalali twin.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Path
from sqlalchemy.orm import Session

from api.security import require
from zones.model import ProductionUnit, Role, User
from zones.services import unit_registry
from zones.services.access import visible_units
from zones.text import jalali, normalize

STAFF = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
LEVY_ROLES = (Role.STAFF, Role.ADMIN)

Staff = Annotated[User, require(*STAFF)]
LevyOfficer = Annotated[User, require(*LEVY_ROLES)]
# Staff, or an investor (whose units alone it can find).
UnitEditor = Annotated[User, require(Role.INVESTOR, *STAFF)]

Ref = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^\x00]+$")]


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def dates(obj: Any, *names: str) -> dict[str, Any]:
    """ISO dates with their Jalali twins (``due_on`` and ``due_on_jalali``)."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        out[name] = value
        out[f"{name}_jalali"] = jalali(value, digits="latin") if value else None
    return out


def find_unit(session: Session, user: User, ref: str) -> ProductionUnit:
    """The unit ``ref`` if ``user`` may see it (otherwise 404 ``unit_not_found``)."""
    return unit_registry.find_unit(session=session, ref=normalize(ref) or ref,
                                   visible=visible_units(user))


def act(session: Session, user: User, reason: str | None = None) -> None:
    """Name the actor (and reason) the audit trail records for this request's writes."""
    session.info.update(actor=user.username, actor_id=user.id, reason=reason)


def written(session: Session) -> None:
    """Send the handler's changes to the database and read every object afresh.

    Not a commit (the request's session commits once after the handler): the answer is
    built from what the database now holds, defaults, ids and ledgers included.
    """
    session.flush()
    session.expire_all()
