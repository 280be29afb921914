"""Domain errors. Each carries a stable machine ``code`` that clients act on.

The web layer maps these to HTTP status codes and RFC 9457 problem details in one
table (``api/errors.py``); domain code never raises HTTP exceptions.
"""

from __future__ import annotations

import errno
from typing import Any, ClassVar


class ZonesError(Exception):
    """Base of every error the domain raises on purpose.

    ``detail`` is safe to show a user; ``extra`` holds machine-readable context
    (which plot, which rule) and is returned to the client as problem members.
    """

    code: ClassVar[str] = "zones_error"
    title: ClassVar[str] = "Request could not be processed"
    # True for a refusal whose own record must stand (a failed sign-in counts towards the
    # throttle): the request's unit of work commits what was written, then answers it.
    keeps_writes: ClassVar[bool] = False

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(ZonesError):
    code = "not_found"
    title = "Resource not found"


class PlotNotFound(NotFound):
    code = "plot_not_found"
    title = "Plot not found"


class DistrictNotFound(NotFound):
    code = "district_not_found"
    title = "District not found"


class CollectionNotFound(NotFound):
    code = "collection_not_found"
    title = "Collection not found"


class FeatureNotFound(NotFound):
    code = "feature_not_found"
    title = "Feature not found"


class InvalidInput(ZonesError):
    code = "invalid_input"
    title = "Invalid input"


class InvalidParameter(InvalidInput):
    code = "invalid_parameter"
    title = "Unknown or unusable query parameter"


class InvalidGeometry(InvalidInput):
    code = "invalid_geometry"
    title = "Invalid geometry"


class InvalidBBox(InvalidInput):
    code = "invalid_bbox"
    title = "Invalid bounding box"


class InvalidTile(InvalidInput):
    code = "invalid_tile"
    title = "No such tile"


class Conflict(ZonesError):
    code = "conflict"
    title = "Conflicts with the current state"


class PlotOverlap(Conflict):
    code = "plot_overlap"
    title = "Plot overlaps an existing plot"


class PlotCodeTaken(Conflict):
    code = "plot_code_taken"
    title = "Plot code already used in this district"


class PlotAlreadyAllocated(Conflict):
    code = "plot_already_allocated"
    title = "Plot already has an active allocation"


class NotAuthenticated(ZonesError):
    code = "not_authenticated"
    title = "Authentication required"


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    title = "Invalid credentials"
    keeps_writes = True  # the failure is recorded for the login throttle


class Forbidden(ZonesError):
    code = "forbidden"
    title = "Not allowed"


class CsrfFailed(Forbidden):
    """A browser form or script changed something without the session's CSRF token."""

    code = "csrf_failed"
    title = "Missing or wrong CSRF token"


class PlotStatusConflict(Conflict):
    code = "plot_status_conflict"
    title = "Status change needs the allocation workflow"


class ConfigurationError(ZonesError):
    code = "configuration_error"
    title = "Service misconfigured"


class BackendUnavailable(ZonesError):
    code = "backend_unavailable"
    title = "Database backend unavailable"


class PayloadTooLarge(ZonesError):
    """A body, file or archive beyond a configured limit (bytes, entries, features...)."""

    code = "payload_too_large"
    title = "Upload too large"


class StorageFull(ZonesError):
    """The disk (or quota) the service writes to is full; whatever was being written is
    removed, nothing half-written is kept. Free space and retry."""

    code = "storage_full"
    title = "The service's storage is full"


# OSError numbers that mean "no room left": a full filesystem, an exhausted quota.
FULL_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class UnsupportedMediaType(ZonesError):
    code = "unsupported_media_type"
    title = "Unsupported file format"


class TooManyRequests(ZonesError):
    code = "too_many_requests"
    title = "Too many open requests"


class LoginThrottled(TooManyRequests):
    """Too many failed sign-ins for the account or from the address; ``retry_after`` says
    when the next attempt is considered (the right password is refused until then)."""

    code = "login_throttled"
    title = "Too many failed sign-ins; wait before trying again"


# Allocation requests (issue 6).
class TooManyOpenRequests(TooManyRequests):
    code = "too_many_open_requests"
    title = "Too many open allocation requests"


class RequestNotFound(NotFound):
    code = "request_not_found"
    title = "Allocation request not found"


class TransitionForbidden(Conflict):
    code = "request_transition_forbidden"
    title = "The request cannot move to that status"


class PlotReserved(Conflict):
    code = "plot_reserved"
    title = "The plot is reserved for another request"


class PlotNotVacant(Conflict):
    code = "plot_not_vacant"
    title = "The plot is not vacant"


class GateFailed(Conflict):
    code = "allocation_gate_failed"
    title = "A hard requirement for allocation is not met"


class UnknownCriterion(InvalidInput):
    code = "unknown_criterion"
    title = "Not a staff-scored criterion"


class NoCompetition(Conflict):
    code = "no_competing_requests"
    title = "Fewer than two requests compete for the plot"


class DatabaseBusy(BackendUnavailable):
    code = "database_busy"
    title = "The database stayed busy; try again"


# Planning analysis (issue 8).
class LayoutParametersInvalid(InvalidInput):
    code = "layout_parameters_invalid"
    title = "Layout parameters cannot produce a layout"


class LayoutAreaTooLarge(InvalidInput):
    code = "layout_area_too_large"
    title = "The area to lay out is larger than the configured limit"


class ExpansionAreaNotFound(NotFound):
    code = "expansion_area_not_found"
    title = "Expansion area not found"


class ScenarioNotFound(NotFound):
    code = "scenario_not_found"
    title = "Planning scenario not found"


class ScenarioNotLayout(Conflict):
    code = "scenario_not_layout"
    title = "Only a layout scenario becomes a draft plan revision"


class SitingInputInvalid(InvalidInput):
    code = "siting_input_invalid"
    title = "Customs-siting inputs cannot be used"


# Units, revival plans and levies (issue 7).
class UnitNotFound(NotFound):
    code = "unit_not_found"
    title = "Production unit not found"


class RevivalPlanNotFound(NotFound):
    code = "revival_plan_not_found"
    title = "Revival plan not found"


class RevivalPlanExists(Conflict):
    code = "revival_plan_exists"
    title = "The unit already has a revival plan"


class UnitNotDormant(Conflict):
    code = "unit_not_dormant"
    title = "Only a dormant unit gets a revival plan"


class RevivalTransitionForbidden(Conflict):
    code = "revival_transition_forbidden"
    title = "The plan, obstacle or action cannot move to that status"


class UnitStatusUnchanged(Conflict):
    code = "unit_status_unchanged"
    title = "The unit already has that status"


class LevyNotDue(Conflict):
    code = "levy_not_due"
    title = "No levy is due for the unit in that year"


class LevyExists(Conflict):
    code = "levy_exists"
    title = "A levy for that unit and year already exists"


class LevyTransitionForbidden(Conflict):
    code = "levy_transition_forbidden"
    title = "The levy cannot move to that status"


class TariffMissing(Conflict):
    code = "levy_tariff_missing"
    title = "No levy tariff version is in force, or the plot has no appraisal"


class SheetInvalid(InvalidInput):
    code = "unit_sheet_invalid"
    title = "The spreadsheet has rows that cannot be imported"


class TariffInvalid(InvalidInput):
    code = "levy_tariff_invalid"
    title = "The levy tariff schedule is malformed"


# Uploads (issue 4): why a file could not be received or read, one class per stable
# code. 400s subclass UploadRefused, limits PayloadTooLarge (413), an unknown format is
# UnsupportedMediaType (415); ``extra`` names the file and, where one applies, the layer,
# feature index (0-based ``source_index``), row or archive entry. Then the upload jobs.
class UploadRefused(InvalidInput):
    """The file cannot be read safely or sensibly; nothing is stored.

    Subclasses carry the stable code; ``extra`` names the file, layer, feature index or row.
    """

    code = "upload_refused"
    title = "Upload refused"


class UnsupportedFormat(UnsupportedMediaType):
    code = "unsupported_format"
    title = "Not a GeoJSON, GeoPackage, zipped Shapefile, DXF or CSV file"


class FileUnreadable(UploadRefused):
    code = "file_unreadable"
    title = "The file is damaged or not what its name says"


class ArchiveUnsafePath(UploadRefused):
    code = "archive_unsafe_path"
    title = "An archive entry points outside the archive"


class ArchiveSymlink(UploadRefused):
    code = "archive_symlink"
    title = "An archive entry is a link or a device"


class ArchiveTooManyEntries(PayloadTooLarge):
    code = "archive_too_many_entries"
    title = "The archive has too many entries"


class ArchiveTooLarge(PayloadTooLarge):
    code = "archive_too_large"
    title = "The archive inflates beyond the limit"


class ArchiveRatio(PayloadTooLarge):
    code = "archive_ratio"
    title = "An archive entry is compressed suspiciously well"


class ShapefileMissingPart(UploadRefused):
    code = "shapefile_missing_part"
    title = "A part of the Shapefile is missing from the archive"


class GpkgLayersUnmapped(UploadRefused):
    code = "gpkg_layers_unmapped"
    title = "Say which GeoPackage layer is which"


class DxfLayersUnmapped(UploadRefused):
    code = "dxf_layers_unmapped"
    title = "Say which CAD layer is which"


class ColumnMappingInvalid(UploadRefused):
    code = "column_mapping_invalid"
    title = "A column mapping names an unknown column or field"


class JsonTooDeep(UploadRefused):
    code = "json_too_deep"
    title = "JSON nested too deeply"


class JsonNonFinite(UploadRefused):
    code = "json_non_finite"
    title = "NaN or Infinity in JSON"


class CrsMissing(UploadRefused):
    code = "crs_missing"
    title = "No coordinate reference system declared"


class CrsUnknown(UploadRefused):
    code = "crs_unknown"
    title = "Unknown coordinate reference system"


class AxisOrderSwapped(UploadRefused):
    code = "axis_order_swapped"
    title = "Coordinates look like latitude/longitude instead of longitude/latitude"


class OutsideZoneExtent(UploadRefused):
    code = "outside_zone_extent"
    title = "Coordinates lie far outside the zone"


class TooManyFeatures(PayloadTooLarge):
    code = "too_many_features"
    title = "Too many features"


class TooManyVertices(PayloadTooLarge):
    code = "too_many_vertices"
    title = "Too many vertices"


class FeatureTooManyVertices(PayloadTooLarge):
    code = "feature_too_many_vertices"
    title = "One feature has too many vertices"


class FilenameInvalid(UploadRefused):
    code = "filename_invalid"
    title = "The file name has an overlong suffix or control characters"


class WktColumnMissing(UploadRefused):
    code = "wkt_column_missing"
    title = "No WKT geometry column in the CSV"


class WktInvalid(UploadRefused):
    code = "wkt_invalid"
    title = "A CSV row holds WKT that cannot be parsed"


class EncodingInvalid(UploadRefused):
    code = "encoding_invalid"
    title = "Text is not in the declared or detected encoding"


class ReadTimeout(PayloadTooLarge):
    code = "read_timeout"
    title = "Reading the file took too long"


class ReadMemory(PayloadTooLarge):
    code = "read_memory"
    title = "Reading the file needed too much memory"


class PlanHasNoPlots(UploadRefused):
    """A plan without plot features would retire every current plot of the district."""

    code = "plan_has_no_plots"
    title = "The plan has no plot features"


class JobNotFound(NotFound):
    code = "job_not_found"
    title = "Upload job not found"


class JobInterrupted(ZonesError):
    """Recorded on a job (``error_code``), never raised to a client: the process running it
    stopped (killed, crashed, the machine restarted) before it finished. Upload again."""

    code = "job_interrupted"
    title = "The upload job was interrupted by a service restart"


# --- plan revisions, projects, parties, uploads, infrastructure -----------------------------

class RevisionNotFound(NotFound):
    code = "revision_not_found"
    title = "Plan revision not found"


class RevisionTransitionForbidden(Conflict):
    code = "revision_transition_forbidden"
    title = "The revision cannot move to that status"


class RevisionHasErrors(Conflict):
    code = "revision_has_errors"
    title = "The revision has blocking validation errors"


class ApprovalForbidden(Forbidden):
    code = "approval_forbidden"
    title = "Only the working group approves or rejects plan revisions"


class OwnRevisionApproval(Forbidden):
    code = "own_revision_approval"
    title = "An uploader cannot decide on their own revision"


class HeldPlotWouldChange(Conflict):
    code = "held_plot_would_change"
    title = "The revision would change or remove a held plot"


class RetirementNotAcknowledged(Conflict):
    code = "retirement_not_acknowledged"
    title = "Approval would retire current plots: acknowledge how many"


class PublicationInvalid(InvalidInput):
    code = "revision_not_publishable"
    title = "A feature of the revision cannot be published"


class NoLandNeeded(InvalidInput):
    code = "project_needs_no_land"
    title = "The project records no land need"


class RefTaken(Conflict):
    code = "ref_taken"
    title = "Registry number already used"


class LengthRequired(InvalidInput):
    code = "length_required"
    title = "Send the upload with a Content-Length"


class InvalidOptions(InvalidInput):
    code = "invalid_upload_options"
    title = "The upload options are not valid"


class CustomsSiteTaken(Conflict):
    code = "customs_site_already_chosen"
    title = "Another customs site is already chosen"
