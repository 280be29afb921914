"""Who may see which parties' records: object-level rules in one place.

Staff, the working group and admins see every investor and unit; an investor sees only
its own (another investor's records are reported as *not found*, so their existence
is not disclosed); consultants and the public see none.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from zones import errors
from zones.model import Investor, ProductionUnit, Role, User
from zones.security import STAFF_ROLES


def investor_filter(user: User, column: Any) -> Any:
    """A WHERE clause limiting ``column`` (an investor id) to what ``user`` may see."""
    if user.role in STAFF_ROLES:
        return sa.true()
    if user.role is Role.INVESTOR and user.investor_id is not None:
        return column == user.investor_id
    raise errors.Forbidden(f"role {user.role.value} has no access to investor records",
                           role=user.role.value)


def may_see_investor(user: User | None, investor_id: int | None) -> bool:
    """The same rule as :func:`investor_filter`, for one record already in hand."""
    if user is None or investor_id is None:
        return False
    if user.role in STAFF_ROLES:
        return True
    return user.role is Role.INVESTOR and user.investor_id == investor_id


def visible_investors(user: User) -> Any:
    return investor_filter(user, Investor.id)


def visible_units(user: User) -> Any:
    return investor_filter(user, ProductionUnit.investor_id)
