"""Typed dependencies: handlers declare what they need in their signature.

The transaction rule. A request has one database session, :func:`get_session`: the
sign-in lookup, the handler and every service it calls share it (one connection at a
time). Services take ``*, session`` and never commit; this dependency commits once when
the handler returns, before the response is sent, and rolls back if it raises (but for
a refusal whose record must stand, ``ZonesError.keeps_writes``: a failed sign-in). A
request that may change data (any method but GET, HEAD and OPTIONS) gets a session
from the write factory: on SpatiaLite its transaction starts with ``BEGIN IMMEDIATE``,
so concurrent writers queue for the write lock instead of failing half-way.

Named exceptions, each with its own sessions: upload jobs (a thread of their own,
:mod:`zones.services.upload_jobs`), the tile server's reads (:mod:`api.routers.tiles`)
and the health probes (their own engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from zones import errors
from zones.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed once after the handler, rolled back on error."""
    factory = (request.app.state.sessions if request.method in SAFE_METHODS
               else request.app.state.write_sessions)
    with factory() as session:
        try:
            yield session
        except errors.ZonesError as exc:
            if exc.keeps_writes:
                session.commit()  # e.g. a failed sign-in: refused, but counted
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        session.commit()


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit happens before the response is sent, so a response never
# reports a change the database then refused.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
# The same session; the name says the handler writes.
WriteSessionDep = SessionDep
