"""Domain errors. Each carries a stable machine ``code`` that clients act on.

The web layer maps these to HTTP status codes and RFC 9457 problem details in one
table (``api/errors.py``); domain code never raises HTTP exceptions.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ZonesError(Exception):
    """Base of every error the domain raises on purpose.

    ``detail`` is safe to show a user; ``extra`` holds machine-readable context
    (which plot, which rule) and is returned to the client as problem members.
    """

    code: ClassVar[str] = "zones_error"
    title: ClassVar[str] = "Request could not be processed"

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


class UnsupportedMediaType(ZonesError):
    code = "unsupported_media_type"
    title = "Unsupported file format"


class TooManyRequests(ZonesError):
    code = "too_many_requests"
    title = "Too many open requests"
