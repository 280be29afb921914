"""Time-driven closing of allocation requests: lapsed reservations and requests nobody decided.

Reads already treat a lapsed reservation as gone (see :mod:`zones.services.decisions`);
this writes that down — the reservation closed, its request marked expired, an audit
event each — and expires requests left submitted or under review past the review
window. It runs on a timer inside the service (``ZONES_EXPIRY_INTERVAL_S``) and as
``zones requests expire`` for a cron job; running it twice at once is safe because each
run locks the rows it closes and retries on serialization failures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from zones.db.retry import retrying
from zones.model.base import utcnow
from zones.services.decisions import sweep_expired
from zones.services.requests import expire_stale
from zones.settings import Settings


@dataclass(frozen=True)
class Expired:
    reservations: int
    requests: int


def expire_due(*, session: Session, settings: Settings, now: dt.datetime | None = None
               ) -> Expired:
    """Close every lapsed reservation and expire undecided requests older than the window.

    One transaction, which the caller commits: nothing is written if any step fails.
    """
    now = now or utcnow()

    def work() -> Expired:
        reservations = sweep_expired(session, now=now)
        stale = expire_stale(session=session, submitted_before=now - dt.timedelta(
            days=settings.request_review_days))
        return Expired(reservations=reservations, requests=stale)

    return retrying(session, work, settings.decision_retries)
