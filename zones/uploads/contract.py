"""Types shared by the upload stages: read options and result, limits, validation issues.

Reading returns GeoDataFrames in storage CRS (EPSG:4326, 2-D), one per *role*; every row
keeps ``source_layer`` and ``source_index`` (0-based feature index or row in the file) so
any problem can be traced back to the consultant's file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
from shapely.geometry.base import BaseGeometry


class LayerRole(enum.StrEnum):
    """What a layer of an upload is: the caller maps file layers (or CAD layers) to these."""

    PLOTS = "plots"
    ROADS = "roads"
    UTILITIES = "utilities"
    CUSTOMS_SITE = "customs_site"
    BOUNDARY = "boundary"


# Plot fields a file column may be mapped to; anything else (id, status, investor,
# approval...) is server-controlled and never taken from a file. (There is no ``notes``:
# a plan feature has nowhere to keep one, and a field that is dropped is not offered.)
PLOT_FIELDS = ("code", "land_use", "name_fa", "name_en", "env_group", "network")
# The longest text each field keeps (the plan_feature columns); longer text is cut and
# the cut is reported per feature (notice ``text_truncated``).
FIELD_LIMITS = {"code": 64, "land_use": 32, "name_fa": 200, "name_en": 200, "env_group": 8,
                "network": 32}


class FileFormat(enum.StrEnum):
    GEOJSON = "geojson"
    GPKG = "gpkg"
    SHAPEFILE_ZIP = "shapefile"
    DXF = "dxf"
    CSV = "csv"


@dataclass(frozen=True)
class UploadLimits:
    """Caps applied while reading; ``zones.settings.Settings.upload_limits()`` builds one.

    These defaults are for reading in-process (tests, benchmarks of 100k plots); the
    service's own caps are the lower ``ZONES_UPLOAD_*`` settings, measured to bound its
    memory.
    """

    max_bytes: int = 200 * 1024 * 1024
    max_archive_entries: int = 1000
    max_inflated_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_features: int = 250_000
    max_vertices: int = 20_000_000
    max_feature_vertices: int = 10_000    # one plot, road or network line
    max_json_depth: int = 64


@dataclass(frozen=True)
class ReadOptions:
    """What the caller says about a file (all optional except where a format needs it)."""

    format: FileFormat | None = None          # guessed from the name/content when None
    layers: dict[str, LayerRole] = field(default_factory=dict)   # file/CAD layer -> role
    columns: dict[str, str] = field(default_factory=dict)        # file column -> PLOT_FIELDS
    crs: str | None = None                     # declared CRS when the file has none (DXF, CSV)
    encoding: str | None = None                # overrides .cpg / DBF language byte
    swap_axes: bool = False                    # apply a lat/lon swap (reported) when asked
    wkt_column: str | None = None              # CSV geometry column (guessed: wkt/geometry/geom)
    default_role: LayerRole = LayerRole.PLOTS  # role of a single-layer file


@dataclass(frozen=True)
class Notice:
    """Something reading did to the data that the consultant should know (not an error).

    ``extra`` says exactly what: the ``features`` (source indexes) and their ``codes``, the
    ``fields`` or ``columns`` concerned, the ``crs`` honoured.
    """

    code: str            # e.g. "z_dropped", "axes_swapped", "rings_reoriented", "bom_removed"
    message_en: str
    message_fa: str
    layer: str | None = None
    count: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReadResult:
    """Role -> GeoDataFrame in EPSG:4326 with mapped columns plus source_layer/source_index."""

    layers: dict[LayerRole, gpd.GeoDataFrame]
    file_format: FileFormat
    source_crs: str                   # e.g. "EPSG:32639", as declared or detected
    notices: list[Notice] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)  # the layer/column mapping applied


class Severity(enum.StrEnum):
    ERROR = "error"      # blocks submission
    WARNING = "warning"  # shown, does not block


@dataclass(frozen=True)
class Issue:
    """One finding of validation: a coded rule broken by one feature (or a pair)."""

    code: str
    severity: Severity
    message_en: str
    message_fa: str
    layer: LayerRole
    feature: int | None                       # source_index of the feature, when one
    location: BaseGeometry | None             # EPSG:4326 geometry locating the problem
    extra: dict[str, Any] = field(default_factory=dict)   # e.g. other_feature, area_m2, reason


@dataclass
class Report:
    """Everything validation found, in a stable order (layer, feature, code)."""

    issues: list[Issue]
    counts: dict[str, int] = field(default_factory=dict)   # features per role
    notices: list[Notice] = field(default_factory=list)    # carried over from reading

    @property
    def blocking(self) -> bool:
        return any(i.severity is Severity.ERROR for i in self.issues)
