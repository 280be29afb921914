"""CSV with a WKT geometry column, as Excel and QGIS write it (BOM, quoted commas)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from zones.errors import EncodingInvalid, FileUnreadable, WktColumnMissing, WktInvalid
from zones.text import fold
from zones.uploads.contract import Notice, ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, VertexBudget, check_feature_count

GUESSES = ("wkt", "geometry", "geom", "the_geom")


def read(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits) -> RawRead:
    data = path.read_bytes()
    notices: list[Notice] = []
    if data.startswith(b"\xef\xbb\xbf") and not options.encoding:
        data = data[3:]
        notices.append(Notice("bom_removed", "UTF-8 byte order mark ignored",
                              "نشانه ترتیب بایت UTF-8 نادیده گرفته شد"))
    encoding = options.encoding or "utf-8"
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise EncodingInvalid(f"{filename}: not {encoding} text ({exc}); give the encoding",
                              file=filename, encoding=encoding) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else (
        "\t" if "\t" in first and "," not in first else ",")
    csv.field_size_limit(max(limits.max_bytes, 1 << 20))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise FileUnreadable(f"{filename}: empty CSV", file=filename) from None
    column = _wkt_column(header, options=options, filename=filename)
    rows, lines = [], []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            lines.append(reader.line_num)
            check_feature_count(len(rows), filename=filename, limits=limits)
    except csv.Error as exc:
        raise FileUnreadable(f"{filename}: line {reader.line_num}: {exc}", file=filename,
                             line=reader.line_num) from None
    position = header.index(column)
    wkt = np.array([r[position].strip() if position < len(r) else "" for r in rows],
                   dtype=object)
    VertexBudget(filename=filename, limits=limits).add_many(
        np.fromiter(map(wkt_vertices, wkt), dtype=np.int64, count=len(wkt)),
        layer=Path(filename).stem)   # counted on the text, before GEOS parses it
    texts = wkt.copy()
    texts[wkt == ""] = None   # an empty cell is no geometry, not invalid WKT
    geoms = shapely.from_wkt(texts, on_invalid="ignore")
    bad = np.flatnonzero((wkt != "") & shapely.is_missing(geoms))
    if len(bad):
        bad_row = int(bad[0])
        raise WktInvalid(f"{filename}: row {bad_row} (line {lines[bad_row]}) has invalid WKT "
                         f"in column {column!r}", file=filename, row=bad_row,
                         line=lines[bad_row], column=column)
    attributes = {name: [r[i] if i < len(r) else None for r in rows]
                  for i, name in enumerate(header) if i != position}
    frame = gpd.GeoDataFrame(attributes, geometry=list(geoms), index=range(len(rows)))
    return RawRead([RawLayer(Path(filename).stem, options.default_role, frame, None)],
                   notices, mapping={"wkt_column": column})


# A vertex starts with a number (or nan/inf) right after "(" or ",": the words of WKT
# (POINT, EMPTY, Z...) never start with n or i.
_VERTEX = re.compile(r"[(,]\s*[-+.0-9nNiI]")


def wkt_vertices(text: str) -> int:
    """Vertices in a WKT string, counted on the text, before GEOS parses it."""
    return len(_VERTEX.findall(text))


def _wkt_column(header: list[str], *, options: ReadOptions, filename: str) -> str:
    if options.wkt_column:
        if options.wkt_column in header:
            return options.wkt_column
    else:
        for name in header:
            if fold(name) in GUESSES:
                return name
    raise WktColumnMissing(
        f"{filename}: no WKT column {options.wkt_column or '/'.join(GUESSES)!r}; "
        f"columns are {header}", file=filename, columns=header,
        wanted=options.wkt_column)
