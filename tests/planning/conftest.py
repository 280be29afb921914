"""The API fixtures (``world``: demo zone plus one user per role) for the planning tests."""

from tests.api.conftest import world  # noqa: F401 - re-exported fixture
