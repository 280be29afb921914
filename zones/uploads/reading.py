"""Turn a consultant's file into role layers in storage CRS, or refuse it with a code.

:func:`read_upload` does the work; :func:`read_upload_isolated` runs it in a child process
with an address-space limit and a timeout, so a hostile file can exhaust only the child.
No geometry is repaired here: validation reports invalid ones with their GEOS reason.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import multiprocessing
import resource
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from zones.errors import (
    ColumnMappingInvalid,
    FileUnreadable,
    PayloadTooLarge,
    ReadMemory,
    ReadTimeout,
    UnsupportedFormat,
    ZonesError,
)
from zones.text import fold, normalize
from zones.uploads.contract import (
    FIELD_LIMITS,
    PLOT_FIELDS,
    FileFormat,
    LayerRole,
    Notice,
    ReadOptions,
    ReadResult,
    UploadLimits,
)
from zones.uploads.coordinates import STORAGE_CRS, to_storage
from zones.uploads.formats import (
    RawLayer,
    RawRead,
    VertexBudget,
    dxf,
    geojson,
    gpkg,
    shapefile,
)
from zones.uploads.formats import csv as csv_format
from zones.uploads.plain_text import joined_if_plain

READERS = {FileFormat.GEOJSON: geojson.read, FileFormat.GPKG: gpkg.read,
           FileFormat.SHAPEFILE_ZIP: shapefile.read, FileFormat.DXF: dxf.read,
           FileFormat.CSV: csv_format.read}
SUFFIXES = {".geojson": FileFormat.GEOJSON, ".json": FileFormat.GEOJSON,
            ".gpkg": FileFormat.GPKG, ".zip": FileFormat.SHAPEFILE_ZIP,
            ".dxf": FileFormat.DXF, ".csv": FileFormat.CSV}
COLUMNS = [*PLOT_FIELDS, "source_layer", "source_index", "geometry"]
# Columns a reader adds itself (not the consultant's), never reported as ignored.
READER_COLUMNS = {FileFormat.DXF: {"entity"}}
# Columns the server owns: named in the ``columns_ignored`` notice so nobody believes a
# status or an investor came in with the file.
SERVER_COLUMNS = {"id", "fid", "plot_id", "status", "investor", "investor_id", "approved",
                  "approved_by", "allocated", "area", "area_m2", "valid_from", "valid_to",
                  "created_at", "updated_at", "revision", "plan_revision_id", "district"}
# At most this many feature indexes are listed in one notice (the count is always exact).
LISTED = 1000


def detect_format(path: Path, *, filename: str, options: ReadOptions) -> FileFormat:
    """The caller's format, else the name's suffix, else the first bytes."""
    if options.format is not None:
        return options.format
    by_name = SUFFIXES.get(Path(filename).suffix.lower())
    if by_name is not None:
        return by_name
    with path.open("rb") as f:
        head = f.read(64)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\0"):
        return FileFormat.GPKG
    if head.startswith(b"PK\x03\x04"):
        return FileFormat.SHAPEFILE_ZIP
    if text.startswith(b"{"):
        return FileFormat.GEOJSON
    if text.startswith(b"0") and b"SECTION" in head:
        return FileFormat.DXF
    raise UnsupportedFormat(f"{filename}: not a GeoJSON, GeoPackage, zipped Shapefile, DXF "
                            "or CSV file", file=filename)


def read_upload(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits,
                zone_extent: tuple[float, float, float, float]) -> ReadResult:
    """Read ``path`` (the consultant's ``filename``) into one EPSG:4326 frame per role.

    Every frame has the columns of :data:`PLOT_FIELDS` (None where nothing was mapped),
    ``source_layer``, ``source_index`` (0-based feature or data row in that layer) and a
    2-D ``geometry``. Raises an ``UploadRefused``/``PayloadTooLarge``/``UnsupportedMediaType``
    subclass from :mod:`zones.errors`.
    """
    if path.stat().st_size > limits.max_bytes:
        raise PayloadTooLarge(f"{filename}: larger than {limits.max_bytes} bytes",
                              file=filename, limit=limits.max_bytes,
                              received=path.stat().st_size)
    file_format = detect_format(path, filename=filename, options=options)
    raw: RawRead = READERS[file_format](path, filename=filename, options=options,
                                        limits=limits)
    _check_vertices(raw.layers, filename=filename, limits=limits)
    columns = _column_mapping(raw.layers, options=options, file_format=file_format,
                              filename=filename)
    layers, source_crs, notices = to_storage(raw.layers, options=options, filename=filename,
                                             zone_extent=zone_extent)
    by_role: dict[LayerRole, list[gpd.GeoDataFrame]] = {}
    for layer in layers:
        by_role.setdefault(layer.role, []).append(
            _mapped(layer, columns, notices, internal=READER_COLUMNS.get(file_format, set())))
    frames = {role: gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry",
                                     crs=STORAGE_CRS)
              for role, parts in by_role.items()}
    return ReadResult(layers=frames, file_format=file_format, source_crs=source_crs,
                      notices=raw.notices + notices,
                      mapping={"layers": {x.name: x.role.value for x in raw.layers},
                               **raw.mapping, "columns": columns})


def _check_vertices(layers: list[RawLayer], *, filename: str, limits: UploadLimits) -> None:
    """A backstop: every reader already counted vertices before building geometries (see
    :class:`~zones.uploads.formats.VertexBudget`); this recounts what was built."""
    budget = VertexBudget(filename=filename, limits=limits)
    for layer in layers:
        budget.add_many(shapely.get_num_coordinates(layer.frame.geometry.values),
                        layer=layer.name)


def _column_mapping(layers: list[RawLayer], *, options: ReadOptions,
                    file_format: FileFormat, filename: str) -> dict[str, str]:
    """File column -> plot field; without a mapping, columns named like a field are taken."""
    present = {str(c) for layer in layers for c in layer.frame.columns if c != "geometry"}
    if options.columns:
        for column, target in options.columns.items():
            if target not in PLOT_FIELDS or column not in present:
                raise ColumnMappingInvalid(
                    f"{filename}: cannot map column {column!r} to {target!r}; columns are "
                    f"{sorted(present)}, fields are {list(PLOT_FIELDS)}", file=filename,
                    column=column, target=target, columns=sorted(present),
                    fields=list(PLOT_FIELDS))
        mapping = dict(options.columns)
        if file_format is FileFormat.DXF and "code" not in mapping.values():
            mapping["code"] = "code"  # the code read from XDATA or a text label
        return mapping
    return {c: folded for c in sorted(present)
            if (folded := fold(c)) is not None and folded in PLOT_FIELDS}


def _mapped(layer: RawLayer, columns: dict[str, str], notices: list[Notice], *,
            internal: frozenset[str] | set[str] = frozenset()) -> gpd.GeoDataFrame:
    """The layer's plot fields as normalised text; every change to a value is a notice."""
    frame = layer.frame
    fields: dict[str, pd.Series] = {}
    used: set[str] = set()
    normalised: dict[str, np.ndarray] = {}   # field -> rows whose text normalize() changed
    for field in PLOT_FIELDS:
        sources = [c for c, f in columns.items() if f == field and c in frame.columns]
        # object dtype keeps None for "not given" (pandas 3 strings would turn it into NaN)
        if not sources:
            fields[field] = _objects(np.full(len(frame), None, dtype=object))
            continue
        used.add(sources[0])
        values = frame[sources[0]].tolist()
        if set(map(type, values)) == {str} and joined_if_plain(values) is not None:
            # All plain text already (codes, most often): what _text would give each.
            plain = np.array(values, dtype=object)
            plain[plain == ""] = None
            fields[field] = _objects(plain)
            continue
        texts: dict[Any, str | None] = {}
        changed: set[Any] = set()
        for value in values:  # land use, names...: few distinct values, normalise each once
            if value not in texts:
                texts[value] = _text(value)
                if isinstance(value, str) and texts[value] not in (None, value):
                    changed.add(value)
        fields[field] = _objects([texts[v] for v in values])
        if changed:
            normalised[field] = np.flatnonzero([v in changed for v in values])
    _truncate(fields, layer.name, notices)
    if normalised:
        rows = np.unique(np.concatenate(list(normalised.values())))
        notices.append(Notice(
            "text_normalised", f"Text normalised (Arabic letters and Persian/Arabic digits, "
            f"spaces) in {len(rows)} features: {', '.join(normalised)}",
            f"متن {len(rows)} عارضه یکدست شد (حروف عربی، ارقام فارسی/عربی، فاصله‌ها): "
            f"{'، '.join(normalised)}", layer=layer.name, count=len(rows),
            extra={"fields": list(normalised), "features": rows[:LISTED].tolist()}))
    ignored = [str(c) for c in frame.columns
               if c != frame.geometry.name and c not in used and c not in internal]
    if ignored:
        server = [c for c in ignored if fold(c) in SERVER_COLUMNS]
        notices.append(Notice(
            "columns_ignored", f"Columns not read: {', '.join(ignored)}"
            + (f" ({', '.join(server)} are set by the service, never by a file)"
               if server else ""),
            f"ستون‌های خوانده‌نشده: {'، '.join(ignored)}"
            + (f" ({'، '.join(server)} را سامانه تعیین می‌کند، نه فایل)" if server else ""),
            layer=layer.name, count=len(ignored),
            extra={"columns": ignored, "server_controlled": server}))
    out = pd.DataFrame(fields, index=range(len(frame)))  # one frame, not a column at a time
    out["source_layer"] = layer.name
    out["source_index"] = np.arange(len(frame), dtype=np.int64)
    out["geometry"] = frame.geometry.values
    return gpd.GeoDataFrame(out, geometry="geometry", crs=STORAGE_CRS)


def _truncate(fields: dict[str, pd.Series], layer: str, notices: list[Notice]) -> None:
    """Cut text longer than its field keeps (:data:`FIELD_LIMITS`), and say where."""
    cut: dict[str, np.ndarray] = {}
    for field, limit in FIELD_LIMITS.items():
        column = fields[field]
        lengths = column.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
        rows = np.flatnonzero(lengths > limit)
        if len(rows):
            cut[field] = rows
            values = column.to_numpy(dtype=object).copy()
            values[rows] = [values[r][:limit] for r in rows]
            fields[field] = _objects(values)
    if cut:
        rows = np.unique(np.concatenate(list(cut.values())))
        notices.append(Notice(
            "text_truncated", f"Text cut to its field's length in {len(rows)} features: "
            + ", ".join(f"{f} ({FIELD_LIMITS[f]})" for f in cut),
            f"متن {len(rows)} عارضه به اندازهٔ فیلد کوتاه شد: "
            + "، ".join(f"{f} ({FIELD_LIMITS[f]})" for f in cut), layer=layer,
            count=len(rows), extra={"fields": list(cut), "limits": {f: FIELD_LIMITS[f]
                                                                    for f in cut},
                                    "features": rows[:LISTED].tolist()}))


def _objects(values: list[Any] | np.ndarray) -> pd.Series:
    if isinstance(values, list):
        column = np.empty(len(values), dtype=object)
        column[:] = values
        values = column
    return pd.Series(values, dtype=object, copy=False)


def _text(value: Any) -> str | None:
    """File values as normalised text: 12.0 -> "12", NaN/blank -> None."""
    if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if text.isascii() and text.isprintable() and "  " not in text and text == text.strip():
        return text or None  # already canonical: normalize() would return it unchanged
    return normalize(text) or None


# -- isolation ------------------------------------------------------------------------


def read_upload_isolated(path: Path, *, filename: str, options: ReadOptions,
                         limits: UploadLimits, zone_extent: tuple[float, float, float, float],
                         memory_limit_mb: int = 1024, timeout_s: float = 120.0,
                         ) -> ReadResult:
    """:func:`read_upload` in a child process with ``memory_limit_mb`` more address space
    than the interpreter and libraries already use, killed after ``timeout_s``.

    A refusal raised in the child is re-raised here as the same class, code and extra.
    Children come from a *fork server*: a clean single-threaded process, started once,
    that has already imported the readers (GDAL, pyproj, geopandas), so a child starts in
    milliseconds instead of re-importing for a second, and never inherits the service's
    threads, locks or database sessions. Like a spawned one, each child re-imports the
    caller's ``__main__``, so a script calling this needs an ``if __name__ == "__main__"``
    guard and should import little at module level (the ``zones`` console script and
    uvicorn do both; a heavy main module costs its import time on every upload).
    """
    context = _reader_context()
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, daemon=True,
        args=(sender, path, filename, options, limits, zone_extent, memory_limit_mb))
    child.start()
    sender.close()
    try:
        if not receiver.poll(timeout_s):
            if child.is_alive():
                raise ReadTimeout(f"{filename}: reading took longer than {timeout_s:g} s",
                                  file=filename, limit=timeout_s)
            raise ReadMemory(f"{filename}: reading needed more than {memory_limit_mb} MB",
                             file=filename, limit=memory_limit_mb)
        try:
            kind, payload = receiver.recv()
        except (EOFError, OSError):
            raise ReadMemory(f"{filename}: reading needed more than {memory_limit_mb} MB",
                             file=filename, limit=memory_limit_mb) from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join(5)
    if kind == "ok":
        return _unpacked(*payload)
    if kind == "memory":
        raise ReadMemory(f"{filename}: reading needed more than {memory_limit_mb} MB",
                         file=filename, limit=memory_limit_mb)
    module, name, detail, extra = payload
    cls = getattr(importlib.import_module(module), name)
    raise cls(detail, **extra)


@functools.cache
def _reader_context() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["zones.uploads.reading"])
    return context


def start_reader_server() -> None:
    """Start the readers' fork server now (the service does so at start-up), so the first
    upload does not wait for it to import GDAL, pyproj and geopandas."""
    from multiprocessing import forkserver

    child = _reader_context().Process(target=_noop, daemon=True)
    child.start()  # starts the server, and returns once it has imported the readers
    child.join(60)
    forkserver.ensure_running()


def _packed(result: ReadResult) -> tuple[ReadResult, dict[LayerRole, tuple[Any, ...]]]:
    """The result as plain columns plus one WKB array per layer: pickling shapely objects
    one by one costs more than reading the file (0.4 s at 100k plots)."""
    layers = {role: (pd.DataFrame(frame.drop(columns=frame.geometry.name)),
                     shapely.to_wkb(frame.geometry.to_numpy()), frame.geometry.name, frame.crs)
              for role, frame in result.layers.items()}
    return dataclasses.replace(result, layers={}), layers


def _unpacked(result: ReadResult, layers: dict[LayerRole, tuple[Any, ...]]) -> ReadResult:
    frames = {}
    for role, (columns, wkb, name, crs) in layers.items():
        geometry = gpd.GeoSeries(shapely.from_wkb(wkb), index=columns.index, crs=crs)
        frame = gpd.GeoDataFrame(columns, geometry=geometry, crs=crs)
        frames[role] = frame if name == "geometry" else frame.rename_geometry(name)
    return dataclasses.replace(result, layers=frames)


def _noop() -> None:
    """A child that does nothing: starting one waits until the fork server is ready."""


def _vm_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0  # pragma: no cover - not Linux


def _child(sender: Any, path: Path, filename: str, options: ReadOptions,
           limits: UploadLimits, zone_extent: tuple[float, float, float, float],
           memory_limit_mb: int) -> None:
    """Child process body: limit memory, read, send ("ok"|"refused"|"memory", payload)."""
    budget = _vm_bytes() + memory_limit_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (budget, budget))
    try:
        message: tuple[str, Any] = ("ok", _packed(read_upload(
            path, filename=filename, options=options, limits=limits, zone_extent=zone_extent)))
    except MemoryError:
        message = ("memory", None)
    except ZonesError as exc:
        cls = type(exc)
        message = ("refused", (cls.__module__, cls.__qualname__, exc.detail, exc.extra))
    except Exception as exc:
        message = ("refused", (FileUnreadable.__module__, FileUnreadable.__qualname__,
                               f"{filename}: unreadable ({type(exc).__name__})",
                               {"file": filename}))
    try:
        sender.send(message)
    except MemoryError:
        sender.send(("memory", None))
    finally:
        sender.close()
