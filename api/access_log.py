"""Structured access log: one JSON line per request (method, path, status, duration, client).

Written to the ``zones.access`` logger so a deployment routes it like any other log.
Query strings are left out: they can carry search terms people typed. A plain ASGI
middleware, not Starlette's ``BaseHTTPMiddleware``: that one adds task and stream
overhead to every request, which the hot ``/plots`` path would pay.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("zones.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client: Any = scope.get("client")
            log.info(json.dumps({
                "method": scope["method"], "path": scope["path"], "status": status,
                "ms": round((time.perf_counter() - started) * 1000, 2),
                "client": client[0] if client else None,
            }))


def install(app: FastAPI) -> None:
    app.add_middleware(AccessLog)
