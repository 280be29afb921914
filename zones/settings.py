"""Service configuration, read from ``ZONES_*`` environment variables (or ``.env``).

Nothing is built at import time: callers construct :class:`Settings` and pass it on,
so tests can build one app per backend.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from zones.uploads.contract import UploadLimits

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
    db_pool_timeout: float = Field(
        10, gt=0, description="Seconds a request waits for a free PostGIS connection before "
        "it is answered 503 database_busy")
    db_lock_timeout: float = Field(
        5, gt=0, description="Seconds a PostGIS statement waits for a row or table lock before "
        "the request is answered 503 database_busy (nothing written)")
    # On: a round trip per checkout buys that a database restart or terminated sessions
    # fail only the requests in flight, not the next one of every worker (the zone decides
    # a few hundred allocations a year; the round trip costs well under a millisecond).
    db_pre_ping: bool = Field(
        True, description="Test each PostGIS connection with a round trip before use")
    # Security.
    secret_key: str = DEV_SECRET
    session_hours: float = Field(8, gt=0, description="Lifetime of a browser sign-in")
    cookie_secure: bool | None = Field(
        None, description="Send cookies over HTTPS only (default: on in production)")
    # Sign-in throttle (docs/configuration.md): failures counted in the database, so
    # every worker sees them; at a limit even the right password waits for the window.
    login_max_failures_per_account: int = Field(
        5, ge=1, description="Failed sign-ins of one username within the window before "
        "its sign-ins are refused 429 login_throttled")
    login_max_failures_per_address: int = Field(
        20, ge=1, description="Failed sign-ins from one client address within the window "
        "before its sign-ins are refused")
    login_window_s: float = Field(900, gt=0, description="The throttle's sliding window")
    health_timeout_s: float = Field(
        2, gt=0, description="Seconds /health and /ready wait for the database before "
        "answering 503 backend_unavailable")
    # Web.
    host: str = "127.0.0.1"
    port: int = 8000
    # Two or more: uvicorn's supervisor then replaces a worker that dies (one worker is
    # the whole service, with nothing to restart it).
    workers: int = Field(2, ge=1, description="Worker processes of `zones serve`")
    root_path: str = Field("", description="Path prefix when served behind a reverse proxy")
    allowed_origins: list[str] = Field(default_factory=list,
                                       description="Origins allowed by CORS (JSON list)")
    public_url: str | None = Field(
        None, description="The address users reach the service at (https://gis.example.org): "
        "links carry it whatever Host a request names")
    trusted_hosts: list[str] = Field(
        default_factory=list, description="Host names served (JSON list, '*.example.org' "
        "allowed); others are refused 400 invalid_host. Empty: any (not in production "
        "without ZONES_PUBLIC_URL)")
    static_prefix: str = "/static"
    node_modules: Path = ROOT / "node_modules"
    basemap_url: str | None = Field(
        None, description="XYZ tile URL of a basemap users can reach (an intranet tile server)"
    )
    basemap_attribution: str = ""
    map_tile_threshold: int = Field(
        2000, ge=0, description="Zone maps with more current plots draw them from vector tiles")
    # Vector tiles (issue 18; docs/api.md "Vector tiles"): bounded work per tile.
    tile_plot_min_zoom: int = Field(
        14, ge=0, le=22, description="Tiles from this zoom on carry plots; below it, the "
        "district overview (O(districts))")
    tile_max_features: int = Field(
        2000, ge=1, description="Features per layer in one tile at most (lowest ids first)")
    page_size_default: int = 100
    page_size_max: int = 1000
    # Allocation requests (issue 6; docs/allocation.md).
    requests_open_max: int = Field(3, ge=1, description="Open requests allowed per investor")
    reservation_hours: float = Field(72, gt=0, description="How long a reservation holds a plot")
    utility_reach_m: float = Field(500, gt=0,
                                   description="A network segment this close serves a plot")
    env_buffer_m: float = Field(1000, ge=0, description="Wetland/park/shore buffer, groups D-E")
    ports: list[tuple[float, float]] = Field(
        default=[(49.2700, 37.5380), (49.4680, 37.4740)],
        description="Port gates as lon, lat (default: Caspian Port yard, old Anzali port)")
    score_weights: dict[str, float] = Field(default_factory=lambda: {
        "jobs_per_ha": 20.0, "export_share": 15.0, "technology": 15.0,
        "investment_per_m2": 15.0, "env_group": 10.0, "area_fit": 10.0, "track_record": 10.0,
        "local_inputs": 5.0},
        description="Review criteria and their maximum points (JSON object)")
    decision_retries: int = Field(5, ge=1, description="Attempts on serialization failures")
    request_review_days: float = Field(
        90, gt=0, description="A request submitted or under review this long expires")
    expiry_interval_s: float = Field(
        300, ge=0, description="Seconds between the service's expiry sweeps (0: none; "
                               "then run `zones requests expire` from cron)")
    # Units, revival and levies (issue 7; docs/units.md).
    unit_import_max_bytes: int = Field(10 * 1024**2, ge=1, description="Largest unit sheet")
    unit_import_max_rows: int = Field(20000, ge=1, description="Rows per imported sheet")
    facility_output_window_months: int = Field(
        12, ge=1, description="A drawing unit with no output reported this long is flagged")
    # Consultant uploads (issue 3; docs/uploads.md "Reading files and limits").
    # The caps below bound what one upload costs the service: at these defaults the largest
    # upload they allow raises its peak RSS by under 300 MB (bench/upload_memory.py,
    # docs/benchmarks.md). Reading, validating and storing cost the service several KB a
    # feature and ~0.5 KB a vertex, so 250k features / 20M vertices needed gigabytes.
    upload_max_bytes: int = Field(24 * 1024**2, ge=1, description="Largest upload body")
    upload_max_archive_entries: int = Field(1000, ge=1, description="Entries in a zip")
    upload_max_inflated_bytes: int = Field(1024**3, ge=1,
                                           description="Total inflated size of a zip")
    upload_max_compression_ratio: float = Field(100, gt=1,
                                                description="Inflated/compressed per entry")
    upload_max_features: int = Field(20_000, ge=1, description="Features in one upload")
    upload_max_vertices: int = Field(200_000, ge=1, description="Vertices in one upload")
    upload_max_feature_vertices: int = Field(
        10_000, ge=4, description="Vertices in one feature (a plot, road or network line)")
    upload_max_json_depth: int = Field(64, ge=4, description="JSON nesting depth")
    upload_memory_limit_mb: int = Field(
        2048, ge=64, description="Address space the reader child may add (MB)")
    upload_timeout_s: float = Field(300, gt=0, description="Reader child time limit")
    upload_dir: Path = ROOT / "var" / "uploads"

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

    def upload_limits(self) -> UploadLimits:
        """The ``upload_max_*`` settings as the readers take them."""
        from zones.uploads.contract import UploadLimits  # geopandas: only when uploading

        return UploadLimits(
            max_bytes=self.upload_max_bytes,
            max_archive_entries=self.upload_max_archive_entries,
            max_inflated_bytes=self.upload_max_inflated_bytes,
            max_compression_ratio=self.upload_max_compression_ratio,
            max_features=self.upload_max_features, max_vertices=self.upload_max_vertices,
            max_feature_vertices=self.upload_max_feature_vertices,
            max_json_depth=self.upload_max_json_depth)
