"""Passwords (Argon2id via argon2-cffi), API tokens (random, stored hashed), role groups.

A password hash is Argon2id in its standard self-describing form, so the cost can be
raised later (``needs_rehash``). An API token is 32 random bytes shown once; the database
keeps only its SHA-256, so a leaked database leaks no usable token (a token has full
entropy: no slow hash is needed, and lookups stay an index probe).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from zones.model import Role

# Tests only: ``ZONES_TEST_CHEAP_PASSWORD_HASHING=1`` (set by tests/conftest.py) swaps in
# Argon2id at its cheapest cost, so the suite does not spend 0.2 s of CPU per hash. The
# hashes stay self-describing, so either hasher verifies the other's. It is ignored when
# ZONES_ENVIRONMENT=production (docs/configuration.md).
CHEAP_HASHING_ENV = "ZONES_TEST_CHEAP_PASSWORD_HASHING"


def _hasher(environ: Mapping[str, str]) -> PasswordHasher:
    """Argon2id at argon2-cffi's default (RFC 9106 low-memory) cost, unless ``environ``
    asks for the tests' cheap one outside production."""
    cheap = (environ.get(CHEAP_HASHING_ENV, "").strip().lower() in {"1", "true", "yes"}
             and environ.get("ZONES_ENVIRONMENT", "").strip().lower() != "production")
    if cheap:
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1, hash_len=16,
                              salt_len=16)
    return PasswordHasher()


_HASHER = _hasher(os.environ)
TOKEN_PREFIX = "zn_"  # noqa: S105 - a public prefix, not a secret

# Roles that see every investor and unit; investors see their own, the public none.
STAFF_ROLES = frozenset({Role.STAFF, Role.WORKING_GROUP, Role.ADMIN})


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; False for a missing or malformed hash."""
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    """A fresh API token, e.g. ``zn_Q3v…`` (the prefix lets secret scanners find leaks)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(secret: str, bound_to: str) -> str:
    """The CSRF token for a browser session: HMAC-SHA256 of its session token.

    Bound to the session, so it cannot be replayed with another one, and derived rather
    than stored, so nothing extra is kept server-side.
    """
    return hmac.new(secret.encode(), b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: str, bound_to: str, presented: str | None) -> bool:
    return presented is not None and hmac.compare_digest(
        csrf_token(secret, bound_to).encode(), presented.encode())
