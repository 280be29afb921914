"""Browser sign-in: a login page, an HttpOnly SameSite session cookie, CSRF, sign-out.

The cookie holds an opaque session token stored hashed like an API token (so a
sign-out or an admin revocation ends it at once). The login form itself is protected
by a double-submit token: a random value in a short-lived cookie and in the form.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from typing import Annotated, Literal

from fastapi import APIRouter, Cookie, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SettingsDep, WriteSessionDep
from api.routers.auth import client_address
from api.schemas.auth import WebSession
from api.security import CSRF_FIELD, SESSION_COOKIE, CurrentUser, session_cookie
from maps.pages import render_login_page
from zones import errors
from zones.security import csrf_token
from zones.services.users import authenticate, end_session, issue_token
from zones.settings import Settings

router = APIRouter(tags=["auth"])
LOGIN_CSRF_COOKIE = "zones_login_csrf"
Lang = Literal["fa", "en"]
LOCATION = {"description": "Where the browser goes next", "schema": {"type": "string"}}


def _safe_next(target: str | None) -> str:
    """Only same-site paths: ``//evil.example`` and absolute URLs become ``/``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _cookie_path(settings: Settings) -> str:
    return (settings.root_path.rstrip("/") or "") + "/"


def _login_form(settings: Settings, *, lang: Lang, next_url: str | None, failed: bool = False,
                throttled_s: int | None = None) -> HTMLResponse:
    """The form with a fresh double-submit nonce (in the page and in its cookie)."""
    nonce = secrets.token_urlsafe(24)
    minutes = None if throttled_s is None else math.ceil(throttled_s / 60)
    page = HTMLResponse(render_login_page(lang=lang, csrf=nonce, next_url=_safe_next(next_url),
                                          failed=failed, static_prefix=settings.static_prefix,
                                          throttled_minutes=minutes))
    page.set_cookie(LOGIN_CSRF_COOKIE, nonce, max_age=1800, httponly=True, samesite="strict",
                    secure=settings.secure_cookies, path=_cookie_path(settings))
    return page


@router.get("/login", response_class=HTMLResponse, summary="The sign-in page")
def login_page(settings: SettingsDep, lang: Annotated[Lang, Query()] = "fa",
               next: Annotated[str | None, Query(max_length=2000)] = None,
               failed: Annotated[bool, Query()] = False) -> HTMLResponse:
    return _login_form(settings, lang=lang, next_url=next, failed=failed)


@router.post("/login", response_class=RedirectResponse, status_code=303,
             responses={303: {"description": "Signed in; on to `next`",
                              "headers": {"Location": LOCATION, "Set-Cookie": {
                                  "description": f"`{SESSION_COOKIE}`: the browser session",
                                  "schema": {"type": "string"}}}},
                        429: {"description": "Too many failed sign-ins: the form again, "
                                             "with how long to wait (`Retry-After`)",
                              "content": {"text/html": {"schema": {"type": "string"}}}}},
             summary="Sign in from the login form (sets the session cookie)")
def login(
    request: Request,
    session: WriteSessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=150)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token_field: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)],
    login_csrf: Annotated[str | None, Cookie(alias=LOGIN_CSRF_COOKIE)] = None,
    next: Annotated[str | None, Form(max_length=2000)] = None,
    lang: Annotated[Lang, Form()] = "fa",
) -> Response:
    if login_csrf is None or not secrets.compare_digest(
            login_csrf.encode(), csrf_token_field.encode()):
        raise errors.CsrfFailed("the login form expired or came from another site; reload it")
    try:
        user = authenticate(session=session, username=username, password=password,
                            address=client_address(request), settings=settings)
    except errors.InvalidCredentials:
        # The failure is recorded; a redirect is an answer, so it is committed.
        return RedirectResponse(f"/login?lang={lang}&failed=true", status_code=303)
    except errors.LoginThrottled as exc:
        # The form again, saying how long to wait; a person reads it, a script the status.
        wait = exc.extra["retry_after"]
        page = _login_form(settings, lang=lang, next_url=next, throttled_s=wait)
        page.status_code = 429
        page.headers["Retry-After"] = str(wait)
        return page
    session.info["actor"] = user.username
    _, text = issue_token(session=session, user=user, name="web session",
                          lifetime=dt.timedelta(hours=settings.session_hours))
    # The token is committed with the request's unit of work, before this response (and
    # its cookie) is sent.
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, text, max_age=int(settings.session_hours * 3600),
                        httponly=True, samesite="lax", secure=settings.secure_cookies,
                        path=_cookie_path(settings))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=_cookie_path(settings))
    return response


@router.post("/logout", status_code=303, response_class=RedirectResponse,
             responses={303: {"description": "Signed out; back to the map",
                              "headers": {"Location": LOCATION}}},
             summary="Sign out: the session token is revoked and the cookie cleared")
def logout(session: WriteSessionDep, settings: SettingsDep, user: CurrentUser,
           cookie: Annotated[str | None, Depends(session_cookie)]) -> Response:
    if cookie is not None:
        session.info["actor"] = user.username
        end_session(session=session, text=cookie, user=user)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(settings))
    return response


@router.get("/auth/session", response_model=WebSession,
            summary="The browser session's user and the CSRF token its scripts send")
def web_session(settings: SettingsDep, user: CurrentUser,
                cookie: Annotated[str | None, Depends(session_cookie)]) -> WebSession:
    if cookie is None:
        raise errors.NotAuthenticated("no browser session: sign in at /login")
    return WebSession(username=user.username, display_name=user.display_name,
                      role=user.role.value, investor_id=user.investor_id,
                      csrf_token=csrf_token(settings.secret_key, cookie))
