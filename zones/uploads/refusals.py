"""Why an upload could not be read: one class per stable code.

400s subclass :class:`~zones.uploads.contract.UploadRefused`, limits subclass
:class:`~zones.errors.PayloadTooLarge` (413) and an unknown format is
:class:`~zones.errors.UnsupportedMediaType` (415). ``extra`` names the file and, where one
applies, the layer, feature index (0-based ``source_index``), row or archive entry.
"""

from __future__ import annotations

from zones.errors import PayloadTooLarge, UnsupportedMediaType, ZonesError
from zones.uploads.contract import UploadRefused


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


REFUSALS: dict[str, type[ZonesError]] = {
    cls.code: cls
    for cls in (
        UnsupportedFormat, FileUnreadable, ArchiveUnsafePath, ArchiveSymlink,
        ArchiveTooManyEntries, ArchiveTooLarge, ArchiveRatio, ShapefileMissingPart,
        GpkgLayersUnmapped, DxfLayersUnmapped, ColumnMappingInvalid, JsonTooDeep,
        JsonNonFinite, CrsMissing, CrsUnknown, AxisOrderSwapped, OutsideZoneExtent,
        TooManyFeatures, TooManyVertices, FeatureTooManyVertices, FilenameInvalid,
        WktColumnMissing, WktInvalid, EncodingInvalid,
        ReadTimeout, ReadMemory,
    )
}


class PlanHasNoPlots(UploadRefused):
    """A plan without plot features would retire every current plot of the district."""

    code = "plan_has_no_plots"
    title = "The plan has no plot features"
