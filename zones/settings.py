"""Service configuration, read from ``ZONES_*`` environment variables (or ``.env``).

Nothing is built at import time: callers construct :class:`Settings` and pass it on,
so tests can build one app per backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-insecure-secret-change-me-not-for-production"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    """All settings; one group per concern, prefixed ``ZONES_``."""

    model_config = SettingsConfigDict(env_prefix="ZONES_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    # Storage. sqlite:///... is SpatiaLite (embedded, default); postgresql+psycopg://... is PostGIS.
    database_url: str = f"sqlite:///{ROOT / 'var' / 'zones.sqlite'}"
    spatialite_library: str = Field(
        "mod_spatialite", description="Name or path of the SpatiaLite extension"
    )
    migrate_on_start: bool = True
    db_pool_size: int = Field(16, ge=1, description="PostGIS connections kept per process")
    db_max_overflow: int = Field(8, ge=0, description="Extra connections under bursts")
    # Security.
    secret_key: str = DEV_SECRET
    session_hours: float = Field(8, gt=0, description="Lifetime of a browser sign-in")
    cookie_secure: bool | None = Field(
        None, description="Send cookies over HTTPS only (default: on in production)")
    # Web.
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    root_path: str = Field("", description="Path prefix when served behind a reverse proxy")
    allowed_origins: list[str] = Field(default_factory=list,
                                       description="Origins allowed by CORS (JSON list)")
    static_prefix: str = "/static"
    node_modules: Path = ROOT / "node_modules"
    basemap_url: str | None = Field(
        None, description="XYZ tile URL of a basemap users can reach (an intranet tile server)"
    )
    basemap_attribution: str = ""
    page_size_default: int = 100
    page_size_max: int = 1000

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("ZONES_SECRET_KEY must be set to a real secret in production")
        if len(self.secret_key) < 32:  # HS256 wants a key at least as long as its hash
            raise ValueError("ZONES_SECRET_KEY must be at least 32 characters")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production" if self.cookie_secure is None \
            else self.cookie_secure

    @property
    def backend(self) -> Literal["spatialite", "postgis"]:
        """Which of the two supported backends :attr:`database_url` points at."""
        return "postgis" if self.database_url.startswith("postgresql") else "spatialite"
