"""Domain errors → HTTP status and RFC 9457 problem details, in one table.

Every error body is ``application/problem+json`` with a stable ``code`` member clients
can act on; nothing internal (stack traces, SQL) is ever returned.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from zones import errors

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
                                (503, "Database unavailable")]
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


async def _zones_error(request: Request, exc: errors.ZonesError) -> Response:
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
    return response


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    issues = [{"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")}
              for e in exc.errors()]
    return problem(422, "validation_error", "Request failed validation",
                   "; ".join(f"{'.'.join(map(str, i['loc']))}: {i['msg']}" for i in issues),
                   request.url.path, {"errors": issues})


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return problem(exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path)


async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
    if exc.connection_invalidated:
        # The pool has dropped the dead connection (and those opened before it); the next
        # request gets a fresh one. Pre-pinging every checkout would cost a round trip.
        log.warning("database connection lost on %s: %s", request.url.path, exc.orig)
        return problem(503, "backend_unavailable", "Database backend unavailable",
                       "the connection to the database was lost; retry the request",
                       request.url.path)
    return await _unexpected(request, exc)


async def _pool_exhausted(request: Request, exc: PoolTimeout) -> Response:
    # Every connection is in use for longer than ZONES_DB_POOL_TIMEOUT: the request never
    # reached the database, so it is safe to repeat.
    return await _zones_error(request, errors.DatabaseBusy(
        "every database connection is in use; retry shortly"))


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
    app.add_exception_handler(PoolTimeout, _pool_exhausted)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
