"""Domain errors → HTTP status and RFC 9457 problem details, in one table.

Every error body is ``application/problem+json`` with a stable ``code`` member clients
can act on; nothing internal (stack traces, SQL) is ever returned.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DataError, DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from zones import errors
from zones.db.backend import lock_timed_out

log = logging.getLogger("zones.api")

STATUS: dict[type[errors.ZonesError], int] = {
    errors.NotFound: 404,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.InvalidInput: 400,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.TooManyRequests: 429,
    errors.ConfigurationError: 500,
    errors.StorageFull: 507,
    errors.BackendUnavailable: 503,
}
PROBLEM = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details; ``code`` is the stable, machine-readable reason."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str


# Documented on every operation, so the OpenAPI contract says what errors look like.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": description, "model": Problem,
             "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, description in [(400, "Invalid input"), (401, "Not signed in"),
                                (403, "Not allowed"), (404, "Not found"),
                                (409, "Conflict with the current state"),
                                (413, "Upload too large"), (415, "Unsupported file format"),
                                (422, "Request failed validation"),
                                (429, "Too many requests"),
                                (503, "Database unavailable"),
                                (507, "The service's storage is full")]
}


def status_for(exc: errors.ZonesError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def problem(status: int, code: str, title: str, detail: str, instance: str,
            extra: dict[str, Any] | None = None) -> JSONResponse:
    """An RFC 9457 body; ``extra`` members never override the standard ones."""
    body = {**(extra or {}), "type": f"/errors/{code}", "title": title, "status": status,
            "detail": detail, "instance": instance, "code": code}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _page_navigation(request: Request) -> bool:
    """A person following a link to a page (not a script or a program asking for data)."""
    return (request.method == "GET" and request.headers.get("sec-fetch-mode") in (None, "navigate")
            and "text/html" in request.headers.get("accept", ""))


def error_response(request: Request, exc: errors.ZonesError) -> Response:
    """The answer to ``exc``, as its exception handler gives it.

    For a handler that must answer an error and still keep what it wrote (a failed
    sign-in's count): returned instead of raised, the request's unit of work commits.
    """
    status = status_for(exc)
    if status == 401 and _page_navigation(request):
        # Pages that need a sign-in send the browser to the login form, and back after.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        root = request.scope.get("root_path", "").rstrip("/")
        query = {"next": target}
        if request.query_params.get("lang") in ("fa", "en"):
            query["lang"] = request.query_params["lang"]
        return RedirectResponse(f"{root}/login?{urlencode(query)}", status_code=303)
    if status >= 500:
        log.error("%s: %s", exc.code, exc.detail)
    response = problem(status, exc.code, exc.title, exc.detail, request.url.path, exc.extra)
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.DatabaseBusy):  # transient: nothing was written
        response.headers["Retry-After"] = "1"
    if (retry_after := exc.extra.get("retry_after")) is not None:  # e.g. login_throttled
        response.headers["Retry-After"] = str(retry_after)
    return response


async def _zones_error(request: Request, exc: errors.ZonesError) -> Response:
    return error_response(request, exc)


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    issues = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
              for e in exc.errors()]
    return problem(422, "validation_error", "Request failed validation",
                   "; ".join(f"{'.'.join(map(str, i['loc']))}: {i['msg']}" for i in issues),
                   request.url.path, {"errors": issues})


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path)


# Seconds a client should wait before retrying when the database refuses connections
# (restarting, down, or closed to connections): long enough not to hammer it.
RETRY_AFTER_UNAVAILABLE = 5
# SQLSTATEs of a server that cannot take a connection now (connection exceptions, shutting
# down or starting up, out of connection slots). Other OperationalErrors (a cancelled
# query, a serialization failure) are about the statement, not the connection.
_CONNECT_STATES = ("08", "57P01", "57P02", "57P03", "53300")


def connection_refused(exc: BaseException) -> bool:
    """Whether ``exc`` (raw or wrapped by SQLAlchemy) says no connection could be made."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, psycopg.OperationalError):
        # A failed connect is a bare OperationalError with no SQLSTATE (refused port,
        # database not accepting connections, authentication), never a subclass.
        state = orig.sqlstate or ""
        return type(orig) is psycopg.OperationalError or state.startswith(_CONNECT_STATES)
    # SQLite: the database file cannot be opened (gone, unreadable directory).
    return type(orig).__name__ == "OperationalError" and \
        str(orig).startswith("unable to open database file")


def _unavailable(request: Request, detail: str, retry_after: int) -> JSONResponse:
    response = problem(503, "backend_unavailable", "Database backend unavailable", detail,
                       request.url.path)
    response.headers["Retry-After"] = str(retry_after)
    return response


async def _database_error(request: Request, exc: DBAPIError) -> Response:
    if exc.connection_invalidated:
        # Lost while in use (a checkout's pre-ping catches the ones that died idle): the
        # pool has dropped it and those opened before it; the next request gets a fresh one.
        log.warning("database connection lost on %s: %s", request.url.path, exc.orig)
        return _unavailable(request, "the connection to the database was lost; retry the "
                                     "request", 1)
    if connection_refused(exc):
        log.error("database refuses connections (%s): %s", request.url.path, exc.orig)
        return _unavailable(request, "the database cannot be reached; nothing was done, "
                                     "retry later", RETRY_AFTER_UNAVAILABLE)
    if lock_timed_out(exc):
        log.warning("lock wait timed out on %s: %s", request.url.path, exc.orig)
        return await _zones_error(request, errors.DatabaseBusy(
            "the records this request needs stayed locked by another change; nothing was "
            "written, retry shortly"))
    if isinstance(exc, DataError):
        return await _out_of_range(request, exc)
    return await _unexpected(request, exc)


async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot hold: PostgreSQL's DataError (a number out of its range,
    text it cannot store) or the SQLite driver's OverflowError (an integer beyond 64 bits).

    The input's fault, refused before anything was written. The API's bounds should have
    caught it (``api.params.RowId``), so it is logged to be fixed there.
    """
    log.warning("value out of the database's range on %s: %s", request.url.path,
                getattr(exc, "orig", exc))
    issue: dict[str, Any] = {"loc": [],
                             "msg": "a value is outside what the database can store",
                             "type": "value_error"}
    return problem(422, "validation_error", "Request failed validation", issue["msg"],
                   request.url.path, {"errors": [issue]})


async def _driver_error(request: Request, exc: psycopg.OperationalError) -> JSONResponse:
    """A psycopg error that escaped SQLAlchemy's wrapping (raw connections, LISTEN...)."""
    if connection_refused(exc):
        log.error("database refuses connections (%s): %s", request.url.path, exc)
        return _unavailable(request, "the database cannot be reached; nothing was done, "
                                     "retry later", RETRY_AFTER_UNAVAILABLE)
    return await _unexpected(request, exc)


async def _pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
    # Every connection is in use for longer than ZONES_DB_POOL_TIMEOUT: the request never
    # reached the database, so it is safe to repeat.
    return await _zones_error(request, errors.DatabaseBusy(
        "every database connection is in use; retry shortly"))


async def _os_error(request: Request, exc: OSError) -> Response:
    if exc.errno in errors.FULL_DISK_ERRNOS:  # whoever wrote removed its partial file
        return await _zones_error(request, errors.StorageFull(
            "the service's storage is full; nothing was kept, retry later"))
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s", request.url.path)
    return problem(500, "internal_error", "Internal error",
                   "the service failed to handle this request; it has been logged",
                   request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(errors.ZonesError, _zones_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DBAPIError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.OperationalError, _driver_error)  # type: ignore[arg-type]
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_exception_handler(PoolTimeout, _pool_exhausted)  # type: ignore[arg-type]
    app.add_exception_handler(OSError, _os_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
