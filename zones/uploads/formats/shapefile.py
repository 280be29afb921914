"""Zipped Shapefile: every ``.shp`` in the archive is a layer.

The attribute encoding is, in order: the caller's ``encoding``, the ``.cpg`` file, the DBF
language-driver byte (offset 29; 0x7E = cp1256, how Persian ArcView/ArcGIS files say it),
else UTF-8. A missing ``.shx``/``.dbf`` (or ``.prj`` when the caller gives no CRS) is named.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from zones.errors import (
    EncodingInvalid,
    FileUnreadable,
    GpkgLayersUnmapped,
    ShapefileMissingPart,
)
from zones.uploads.archive import extracted
from zones.uploads.contract import ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, VertexBudget, check_feature_count
from zones.uploads.formats.gpkg import choose_layers
from zones.uploads.formats.ogr import read_layer

# DBF language driver IDs (the ones GDAL knows that matter here) -> Python codec.
LANGUAGE_DRIVERS = {
    0x01: "cp437", 0x02: "cp850", 0x03: "cp1252", 0x57: "cp1252", 0x58: "cp1252",
    0x59: "cp1252", 0x64: "cp852", 0x65: "cp866", 0x7D: "cp1255", 0x7E: "cp1256",
    0xC8: "cp1250", 0xC9: "cp1251", 0xCA: "cp1254", 0xCB: "cp1253",
}


def read(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits) -> RawRead:
    with extracted(path, filename=filename, limits=limits) as folder:
        shps = {p.stem: p for p in sorted(folder.rglob("*")) if p.suffix.lower() == ".shp"}
        if not shps:
            raise ShapefileMissingPart(f"{filename}: no .shp file in the archive",
                                       file=filename, part=".shp")
        chosen = choose_layers(list(shps), options=options, filename=filename,
                               refusal=GpkgLayersUnmapped)
        layers, encodings = [], {}
        total = 0
        budget = VertexBudget(filename=filename, limits=limits)
        for name, role in chosen.items():
            shp = shps[name]
            parts = {p.suffix.lower(): p for p in shp.parent.iterdir() if p.stem == shp.stem}
            for part in (".shx", ".dbf") + (() if options.crs else (".prj",)):
                if part not in parts:
                    raise ShapefileMissingPart(
                        f"{filename}: {shp.stem}{part} is missing from the archive",
                        file=filename, layer=name, part=part)
            encoding = options.encoding or _encoding(parts, filename=filename, layer=name)
            encodings[name] = encoding
            total += _count(shp, filename=filename, layer=name)
            check_feature_count(total, filename=filename, limits=limits, layer=name)
            frame, crs = read_layer(shp, layer=name, filename=filename, budget=budget,
                                    encoding=encoding)
            _check_text(frame, filename=filename, layer=name, encoding=encoding)
            layers.append(RawLayer(name, role, frame, crs))
    return RawRead(layers, mapping={"layers": {n: r.value for n, r in chosen.items()},
                                    "encoding": encodings})


def _count(shp: Path, *, filename: str, layer: str) -> int:
    """Features the .shx indexes, read before any geometry is built."""
    try:
        return int(pyogrio.read_info(shp)["features"])
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise FileUnreadable(f"{filename}: {layer}.shp is unreadable ({exc})",
                             file=filename, layer=layer) from None


def _codec(name: str, *, filename: str, layer: str) -> str:
    text = name.strip()
    if text.isdigit():  # ESRI writes bare code pages: "1256"
        text = f"cp{text}"
    try:
        return codecs.lookup(text).name
    except LookupError:
        raise EncodingInvalid(f"{filename}: unknown encoding {name!r} in {layer}.cpg",
                              file=filename, layer=layer, encoding=name) from None


def _encoding(parts: dict[str, Path], *, filename: str, layer: str) -> str:
    if ".cpg" in parts:
        return _codec(parts[".cpg"].read_text("ascii", errors="replace"),
                      filename=filename, layer=layer)
    with parts[".dbf"].open("rb") as dbf:
        header = dbf.read(32)
    if len(header) < 32:
        raise FileUnreadable(f"{filename}: {layer}.dbf is truncated", file=filename,
                             layer=layer)
    return LANGUAGE_DRIVERS.get(header[29], "utf-8")


def _check_text(frame: pd.DataFrame, *, filename: str, layer: str, encoding: str) -> None:
    """GDAL replaces undecodable bytes; a replacement character means the wrong encoding."""
    for column in frame.columns:
        if frame[column].dtype != object or column == "geometry":
            continue
        bad = frame[column].map(lambda v: isinstance(v, str) and "\ufffd" in v)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise EncodingInvalid(
                f"{filename}: column {column!r} of {layer} is not {encoding} text "
                f"(feature {row}); give the right encoding", file=filename, layer=layer,
                column=str(column), feature=row, encoding=encoding)
