"""Plan revisions and uploads: the upload options, the decisions' bodies, and what the
API shows of a revision, an upload job, a validation report, a diff and the features.

Inputs forbid unknown fields: status, checksums, counts and decisions are server-set.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from geojson_pydantic import Feature, FeatureCollection
from geojson_pydantic.geometries import Geometry
from pydantic import BaseModel, ConfigDict, Field

from zones.uploads.contract import PLOT_FIELDS, FileFormat, LayerRole


class UploadOptions(BaseModel):
    """The ``options`` form field (JSON): how to read the file. Everything else is ours."""

    model_config = ConfigDict(extra="forbid")

    format: FileFormat | None = None
    layers: dict[str, LayerRole] = Field(default_factory=dict, max_length=100)
    columns: dict[str, Literal[PLOT_FIELDS]] = Field(  # type: ignore[valid-type]
        default_factory=dict, max_length=100)
    crs: str | None = Field(None, max_length=100)
    encoding: str | None = Field(None, max_length=40)
    swap_axes: bool = False
    wkt_column: str | None = Field(None, max_length=100)
    default_role: LayerRole = LayerRole.PLOTS


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision_ref: str = Field(min_length=1, max_length=200,
                              description="The working group's decision number")
    comments: str | None = Field(None, max_length=4000)


class Approval(Decision):
    retire_count: int | None = Field(
        None, ge=0, le=2**31 - 1,
        description="How many current plots the approval retires (the diff's retire_count); "
                    "required, and must match, when it retires any")


class RevisionPublic(BaseModel):
    id: int
    district: str
    number: int
    title: str
    status: str
    source: str
    original_filename: str | None
    file_format: str | None
    checksum: str | None
    error_count: int
    warning_count: int
    uploaded_by_id: int | None
    created_at: dt.datetime
    created_at_jalali: str
    submitted_at: dt.datetime | None
    submitted_at_jalali: str | None
    decided_at: dt.datetime | None
    decided_at_jalali: str | None
    decision_ref: str | None
    comments: str | None
    notices: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Every change reading made to what was sent (CRS, axes, Z/M, BOM, text "
                    "normalised or cut, rings closed or reoriented, columns ignored), per "
                    "layer with the features and fields concerned")
    links: dict[str, str]


class JobPublic(BaseModel):
    id: int
    status: str
    progress: int
    message: str | None
    filename: str | None
    revision_id: int | None
    error_code: str | None
    error_detail: str | None
    error_extra: dict[str, Any] | None = Field(
        None, description="The problem's extension members: file, layer, feature, row…")
    created_at: dt.datetime
    created_at_jalali: str
    links: dict[str, str]


class Message(BaseModel):
    fa: str
    en: str


class ReportIssue(BaseModel):
    code: str
    severity: Literal["error", "warning"]
    message: Message
    layer: str
    feature: int | None = Field(description="The feature's index in its layer, as sent")
    location: dict[str, Any] | None = Field(description="Where, as a GeoJSON geometry")
    extra: dict[str, Any]


class ReportNotice(BaseModel):
    code: str
    message: Message
    layer: str | None
    count: int | None
    extra: dict[str, Any]


class ReportCounts(BaseModel):
    by_code: dict[str, int]
    by_severity: dict[str, int]
    features: dict[str, int] = Field(description="Features read, per layer role")


class ValidationReport(BaseModel):
    """The stored validation report (``?format=html`` or ``gpkg`` for the same problems as a
    page or a GeoPackage); an empty object for a revision stored without one."""

    blocking: bool = False
    counts: ReportCounts | None = None
    issues: list[ReportIssue] = Field(default_factory=list)
    notices: list[ReportNotice] = Field(default_factory=list)


class PlotChangeOut(BaseModel):
    kind: str
    code: str | None
    old_code: str | None
    plot_id: int | None
    feature_id: int | None
    status: str | None
    held: bool
    area_before_m2: float | None
    area_after_m2: float | None
    area_delta_m2: float | None
    land_use_before: str | None
    land_use_after: str | None


class PlanDiffOut(BaseModel):
    """What approving the revision would change in the district's current plan."""

    revision_id: int
    district: str
    counts: dict[str, int] = Field(description="added, removed, reshaped, recoded, rezoned, "
                                               "unchanged")
    added: list[PlotChangeOut]
    removed: list[PlotChangeOut]
    reshaped: list[PlotChangeOut]
    recoded: list[PlotChangeOut]
    rezoned: list[PlotChangeOut]
    retire_count: int = Field(description="What approval must acknowledge as retire_count")
    retired_codes: list[str]
    warnings: list[dict[str, Any]]


# ``?format=geojson``: each change as a feature for a map.
DIFF_GEOJSON: dict[str, Any] = {
    "type": "object", "title": "PlanDiffCollection", "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {
            "type": "object", "required": ["type", "geometry", "properties"],
            "properties": {
                "type": {"const": "Feature"},
                "geometry": {"type": "object", "description": "GeoJSON geometry (EPSG:4326)"},
                "properties": {"$ref": "#/components/schemas/PlotChangeOut"}}}}}}


class PlanFeatureProperties(BaseModel):
    id: int
    role: str
    code: str | None
    land_use: str | None
    name_fa: str | None
    name_en: str | None
    env_group: str | None
    network: str | None
    area_m2: float | None
    source_index: int | None


PlanFeatureCollection = FeatureCollection[Feature[Geometry, PlanFeatureProperties]]
