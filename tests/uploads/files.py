"""Builders of small upload files of every format, near district 1 of Anzali.

Shared by the reading, validation and revision tests: each function writes one file into
``tmp_path`` and returns its path. Geometries are drawn in metres (EPSG:32639) with
:func:`metric_box` and converted with :func:`tests.common.lonlat` where a file is lon/lat.
"""

from __future__ import annotations

import json
import struct
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import ezdxf
import geopandas as gpd
import shapely

from tests.common import X0, Y0, lonlat
from zones.uploads.contract import ReadOptions, ReadResult, UploadLimits
from zones.uploads.reading import read_upload

# Lon/lat bbox of the Anzali zone as the readers take it (zone_extent).
ZONE_EXTENT = (49.20, 37.35, 49.75, 37.60)


def read(path: Path, limits: UploadLimits | None = None, **options: Any) -> ReadResult:
    """Read ``path`` with ``options`` (ReadOptions fields), default limits, the zone extent."""
    return read_upload(path, filename=path.name, options=ReadOptions(**options),
                       limits=limits or UploadLimits(), zone_extent=ZONE_EXTENT)


def metric_box(x: float, y: float, w: float = 50, h: float = 40) -> shapely.Polygon:
    """A w×h metre rectangle (EPSG:32639) whose lower-left corner is (x, y) m from X0, Y0."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def plots(n: int = 3, *, metric: bool = False, **columns: list[Any]) -> gpd.GeoDataFrame:
    """``n`` side-by-side 50×40 m plots with codes P-1..P-n (plus any extra columns)."""
    geoms = [metric_box(i * 60, 0) for i in range(n)]
    data = {"code": [f"P-{i + 1}" for i in range(n)], **columns}
    if metric:
        return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:32639")
    return gpd.GeoDataFrame(data, geometry=[lonlat(g) for g in geoms], crs="EPSG:4326")


def feature(geometry: shapely.Geometry | Mapping[str, Any] | None,
            **properties: Any) -> dict[str, Any]:
    geom = geometry if geometry is None or isinstance(geometry, Mapping) \
        else shapely.geometry.mapping(geometry)
    return {"type": "Feature", "geometry": geom, "properties": properties}


def geojson_file(tmp_path: Path, features: Iterable[Mapping[str, Any]] | None = None, *,
                 name: str = "plots.geojson", crs: str | None = None, bom: bool = False,
                 text: str | None = None) -> Path:
    """A FeatureCollection (default: :func:`plots` in lon/lat); ``text`` writes raw JSON."""
    if text is None:
        if features is None:
            features = json.loads(plots().to_json(drop_id=True))["features"]
        doc: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
        if crs:
            doc["crs"] = {"type": "name", "properties": {"name": crs}}
        text = json.dumps(doc, ensure_ascii=False)
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def gpkg_file(tmp_path: Path, layers: Mapping[str, gpd.GeoDataFrame], *,
              name: str = "plan.gpkg") -> Path:
    """A GeoPackage with one layer per entry of ``layers``."""
    path = tmp_path / name
    for layer, frame in layers.items():
        frame.to_file(path, layer=layer, driver="GPKG")
    return path


def shapefile_zip(tmp_path: Path, gdf: gpd.GeoDataFrame, *, encoding: str = "cp1256",
                  name: str = "plots", cpg: bool = True, ldid: int | None = None,
                  drop: Iterable[str] = (), prefix: str = "") -> Path:
    """Zip a Shapefile of ``gdf`` written in ``encoding``.

    ``cpg=False`` leaves out the .cpg so the DBF language byte (``ldid``, e.g. 0x7E for
    cp1256) decides; ``drop`` leaves out parts such as ``".shx"`` or ``".prj"``.
    """
    folder = tmp_path / f"{name}-shp"
    folder.mkdir()
    gdf.to_file(folder / f"{name}.shp", driver="ESRI Shapefile", encoding=encoding)
    if ldid is not None:
        with (folder / f"{name}.dbf").open("r+b") as dbf:
            dbf.seek(29)
            dbf.write(struct.pack("B", ldid))
    skip = {s.lower() for s in drop} | (set() if cpg else {".cpg"})
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(folder.iterdir()):
            if part.suffix.lower() not in skip:
                archive.write(part, prefix + part.name)
    return path


def zip_file(tmp_path: Path, entries: Mapping[str, bytes], *, name: str = "upload.zip",
             modes: Mapping[str, int] | None = None,
             claim_sizes: Mapping[str, int] | None = None) -> Path:
    """A zip of raw ``entries``; ``modes`` sets Unix modes (symlinks, devices) and
    ``claim_sizes`` rewrites the inflated size both headers claim (a lying zip bomb)."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries.items():
            info = zipfile.ZipInfo(entry)
            info.compress_type = zipfile.ZIP_DEFLATED
            if modes and entry in modes:
                info.external_attr = modes[entry] << 16
            archive.writestr(info, data)
    for entry, size in (claim_sizes or {}).items():
        _claim_size(path, entry, size)
    return path


def _claim_size(path: Path, entry: str, size: int) -> None:
    data = bytearray(path.read_bytes())
    name = entry.encode()
    for signature, offset, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at:at + name_at + len(name)] == name:
                data[at + offset:at + offset + 4] = struct.pack("<L", size)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def dxf_file(tmp_path: Path, polygons: Mapping[str, Iterable[shapely.Polygon]], *,
             labels: Iterable[tuple[str, float, float]] = (), label_layer: str = "TEXT",
             xdata: Mapping[int, str] | None = None, mtext: bool = False,
             name: str = "plan.dxf") -> Path:
    """A DXF with closed LWPOLYLINEs per CAD layer (metric coordinates, no CRS).

    ``labels`` are (text, x, y) TEXT (or MTEXT) entities; ``xdata`` gives the n-th polyline
    (counting over all layers) a plot code in XDATA of the application ``ZONES``.
    """
    doc = ezdxf.new("R2010")
    doc.appids.add("ZONES")
    space = doc.modelspace()
    n = 0
    for layer, shapes in polygons.items():
        for polygon in shapes:
            line = space.add_lwpolyline(list(polygon.exterior.coords)[:-1], close=True,
                                        dxfattribs={"layer": layer})
            if xdata and n in xdata:
                line.set_xdata("ZONES", [(1000, xdata[n])])
            n += 1
    for text, x, y in labels:
        attribs = {"layer": label_layer, "insert": (x, y)}
        if mtext:
            space.add_mtext(text, dxfattribs=attribs)
        else:
            space.add_text(text, dxfattribs=attribs)
    path = tmp_path / name
    doc.saveas(path)
    return path


def csv_file(tmp_path: Path, rows: Iterable[Mapping[str, Any]] | None = None, *,
             name: str = "plots.csv", bom: bool = True, encoding: str = "utf-8",
             delimiter: str = ",") -> Path:
    """A CSV as Excel saves it (BOM, quoted fields); default rows are :func:`plots` as WKT."""
    import csv
    import io

    if rows is None:
        rows = [{"code": r.code, "wkt": r.geometry.wkt} for r in plots().itertuples()]
    rows = list(rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter,
                            quoting=csv.QUOTE_MINIMAL)
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode(encoding))
    return path
