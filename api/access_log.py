"""Structured access log: one JSON line per request (method, path, status, duration, user).

Written to the ``zones.access`` logger so a deployment routes it like any other log.
Query strings are left out: they can carry search terms people typed.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

log = logging.getLogger("zones.access")


def install(app: FastAPI) -> None:
    @app.middleware("http")
    async def access_log(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            log.info(json.dumps({
                "method": request.method, "path": request.url.path, "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "client": request.client.host if request.client else None,
            }))
