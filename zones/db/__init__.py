"""Storage: engine and sessions for SpatiaLite or PostGIS, backend differences, migrations."""

from zones.db.engine import create_engine, session_factory
from zones.db.migrate import upgrade

__all__ = ["create_engine", "session_factory", "upgrade"]
