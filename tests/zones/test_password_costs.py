"""Passwords are hashed at production cost outside the test suite.

The suite sets ``ZONES_TEST_CHEAP_PASSWORD_HASHING`` (tests/conftest.py) so building
users costs microseconds; these tests prove the service itself never hashes cheaply.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from argon2 import PasswordHasher, extract_parameters, profiles

from zones import security

PRODUCTION = profiles.RFC_9106_LOW_MEMORY  # argon2-cffi's default: t=3, m=64 MiB, p=4


def test_the_default_hasher_has_production_costs() -> None:
    assert extract_parameters(security._hasher({}).hash("x")) == PRODUCTION
    assert extract_parameters(PasswordHasher().hash("x")) == PRODUCTION


def test_production_ignores_the_tests_cheap_hashing_switch() -> None:
    environ = {security.CHEAP_HASHING_ENV: "1", "ZONES_ENVIRONMENT": "production"}
    assert extract_parameters(security._hasher(environ).hash("x")) == PRODUCTION


def test_a_service_process_hashes_at_production_cost() -> None:
    """``zones.security`` imported as the service imports it, without the tests' switch."""
    env = {k: v for k, v in os.environ.items() if k != security.CHEAP_HASHING_ENV}
    done = subprocess.run(
        [sys.executable, "-c",
         "from zones.security import hash_password; print(hash_password('pw'))"],
        env=env, capture_output=True, text=True, check=True, timeout=120)
    stored = done.stdout.strip().splitlines()[-1]
    assert extract_parameters(stored) == PRODUCTION
    assert security.verify_password("pw", stored)  # the cheap hasher verifies it too


def test_the_suite_hashes_cheaply() -> None:
    """The switch is on here (unless a developer turned it off), so fixtures building
    users stay fast."""
    if os.environ.get(security.CHEAP_HASHING_ENV) != "1":
        pytest.skip(f"{security.CHEAP_HASHING_ENV} turned off for this run")
    assert extract_parameters(security.hash_password("x")).time_cost == 1
