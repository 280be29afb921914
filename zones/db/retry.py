"""Bounded retries of a decision's transaction on transient database failures.

A decision (reserve, approve, release, the expiry sweep) is the whole of its
transaction. When the database breaks it off — a deadlock between two decisions that
locked rows in different orders, a serialization failure, a busy SQLite, a connection
lost under it — the transaction is rolled back and the decision runs again from the
start, a few times, then is answered ``database_busy`` (503). It never commits: the
caller's unit of work does (the request's session in the API, the command in the CLI).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import transient, translate

T = TypeVar("T")


def retrying(session: Session, work: Callable[[], T], attempts: int) -> T:
    """Run ``work`` in ``session``'s transaction; on a transient failure roll the
    transaction back and run ``work`` again, up to ``attempts`` times.

    ``work`` loads what it needs inside (objects of a rolled-back attempt are stale).
    Domain errors propagate as they are (the caller's unit of work rolls back); a
    database error one of our constraints raised becomes its domain error.
    """
    for attempt in range(attempts):
        try:
            return work()
        except DBAPIError as exc:
            if not transient(exc):
                if (err := translate(exc)) is not None:
                    raise err from exc
                raise
            session.rollback()
            if attempt == attempts - 1:
                raise errors.DatabaseBusy(
                    f"the database stayed busy after {attempts} attempts; try again",
                    attempts=attempts) from exc
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # noqa: S311 - jitter only
    raise AssertionError("unreachable")
