"""What every response says about itself, and which host names links may carry.

* Security headers on every response: a Content-Security-Policy that lets the folium pages
  run (their scripts and styles are inline, every asset is under ``/static``), no framing
  (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``nosniff``.
* Links (OGC, ``next`` pages, GeoJSON ``self``) are built from the request's URL, that is
  from the ``Host`` header a client sends. With ``ZONES_PUBLIC_URL`` set, every request is
  seen as addressed to that URL, so links carry it whatever ``Host`` says; with
  ``ZONES_TRUSTED_HOSTS`` set, a request naming another host is refused (400
  ``invalid_host``), as starlette's ``TrustedHostMiddleware`` would, but as a problem.

Both are plain ASGI middleware: they change the scope or the response headers only.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import problem
from zones import errors
from zones.settings import Settings

# Pages are folium/Jinja2 documents: inline <script> and style="" everywhere, map tiles
# as images (data: and blob: for markers and canvas snapshots), data fonts in CSS.
# 'unsafe-eval': folium's leaflet-measure compiles its templates with new Function() at
# load (the browser tests see "L.Control.Measure is not a constructor" without it). What
# the policy still forbids: loading or sending anything to another origin, plugins,
# <base> and form targets elsewhere, and being framed.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
               "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{basemap}; "
               "font-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# FastAPI's /docs and /redoc load Swagger UI and ReDoc from a CDN.
DOCS_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = (f"default-src 'self'; script-src 'self' 'unsafe-inline' {DOCS_CDN}; "
               f"style-src 'self' 'unsafe-inline' {DOCS_CDN} https://fonts.googleapis.com; "
               "font-src 'self' data: https://fonts.gstatic.com; "
               "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
               "worker-src 'self' blob:; frame-ancestors 'none'")


PROBES = frozenset({"/health", "/ready"})


def basemap_origin(url: str | None) -> str:
    """The origin of an XYZ tile URL as a CSP source (``{s}`` subdomains as ``*``)."""
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "*"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, page_policy: str, docs_paths: Iterable[str]) -> None:
        self.app = app
        self.page_policy = page_policy.encode()
        self.docs_paths = tuple(docs_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_POLICY.encode() if scope["path"] in self.docs_paths else self.page_policy
        extra = [(b"content-security-policy", policy), (b"x-frame-options", b"DENY"),
                 (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"same-origin")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_allowed(host: str, patterns: Iterable[str]) -> bool:
    """``host`` (no port) matches an exact name, ``*.domain`` or ``*``."""
    host = host.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or host == pattern or (
                pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def _host_of(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            text = value.decode("latin-1")
            # "[::1]:8000" -> "::1"; "example.org:8000" -> "example.org"
            return text[1:text.index("]")] if text.startswith("[") and "]" in text \
                else text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return ""


class PublicAddress:
    """Refuses hosts outside ``trusted``; then, with ``public_url``, rewrites the request's
    scheme and Host so every URL the app builds points at the public address."""

    def __init__(self, app: ASGIApp, *, public_url: str | None,
                 trusted: list[str]) -> None:
        self.app = app
        self.trusted = trusted
        self.public: tuple[str, bytes, tuple[str, int]] | None = None
        if public_url:
            parts = urlsplit(public_url)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            self.public = (parts.scheme, parts.netloc.encode("latin-1"),
                           (parts.hostname or "", port))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # Probes (a load balancer asking by IP address) reach /health and /ready whatever
        # Host they send: those answers carry no links.
        if self.trusted and scope.get("path") not in PROBES \
                and not host_allowed(_host_of(scope), self.trusted):
            host = _host_of(scope)
            response = problem(400, "invalid_host", "Host not served here",
                               f"this service does not answer for host {host!r}",
                               scope.get("path", ""), {"host": host})
            await response(scope, receive, send)
            return
        if self.public is not None:
            scheme, netloc, server = self.public
            headers = [(k, v) for k, v in scope.get("headers", []) if k != b"host"]
            scope = {**scope, "scheme": scheme if scope["type"] == "http" else
                     {"http": "ws", "https": "wss"}[scheme], "server": server,
                     "headers": [(b"host", netloc), *headers]}
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: Settings) -> None:
    """Add both middlewares (security headers outermost, so refusals carry them too).

    Refuses to build a production service whose links would follow any ``Host``: set
    ``ZONES_PUBLIC_URL`` or ``ZONES_TRUSTED_HOSTS``.
    """
    if settings.public_url:
        parts = urlsplit(settings.public_url)
        if parts.scheme not in ("http", "https") or not parts.hostname \
                or parts.path not in ("", "/") or parts.query or parts.fragment:
            raise errors.ConfigurationError(
                "ZONES_PUBLIC_URL must be http(s)://host[:port] (a path prefix is "
                "ZONES_ROOT_PATH)", got=settings.public_url)
    elif settings.environment == "production" and not settings.trusted_hosts:
        raise errors.ConfigurationError(
            "in production set ZONES_PUBLIC_URL or ZONES_TRUSTED_HOSTS: links must not "
            "carry whatever Host a request names")
    app.add_middleware(PublicAddress, public_url=settings.public_url,
                       trusted=settings.trusted_hosts)
    docs = [p for p in (app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url) if p]
    page_policy = PAGE_POLICY.format(basemap=(f" {o}" if (o := basemap_origin(
        settings.basemap_url)) else ""))
    app.add_middleware(SecurityHeaders, page_policy=page_policy, docs_paths=docs)
