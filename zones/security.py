"""Password hashing (scrypt, from the standard library) and the role hierarchy.

Hashes are self-describing (``scrypt$n$r$p$salt$hash``) so the cost can be raised later
without breaking stored passwords.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from zones.model import Role

_N, _R, _P = 2**14, 8, 1

# Roles that see every investor and unit; investors see their own, the public none.
STAFF_ROLES = frozenset({Role.STAFF, Role.WORKING_GROUP, Role.ADMIN})


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when ``password`` matches ``stored``; False for a missing or malformed hash."""
    if not stored:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)
