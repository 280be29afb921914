"""GeoPackage: one or several layers, mapped to roles by the caller."""

from __future__ import annotations

from pathlib import Path

import pyogrio
from pyogrio.errors import DataLayerError, DataSourceError

from zones.errors import FileUnreadable, GpkgLayersUnmapped, UploadRefused
from zones.text import fold
from zones.uploads.contract import LayerRole, ReadOptions, UploadLimits
from zones.uploads.formats import RawLayer, RawRead, VertexBudget, check_feature_count
from zones.uploads.formats.ogr import read_layer


def read(path: Path, *, filename: str, options: ReadOptions, limits: UploadLimits) -> RawRead:
    try:
        # Attribute-only tables (no geometry column) are not layers of a plan.
        names = [str(name) for name, kind in pyogrio.list_layers(path) if kind is not None]
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise FileUnreadable(f"{filename}: not a readable GeoPackage ({exc})",
                             file=filename) from None
    chosen = choose_layers(names, options=options, filename=filename,
                           refusal=GpkgLayersUnmapped)
    total = 0
    for name in chosen:
        total += pyogrio.read_info(path, layer=name)["features"]
        check_feature_count(total, filename=filename, limits=limits, layer=name)
    layers = []
    budget = VertexBudget(filename=filename, limits=limits)
    for name, role in chosen.items():
        frame, crs = read_layer(path, layer=name, filename=filename, budget=budget)
        layers.append(RawLayer(name, role, frame, crs))
    return RawRead(layers, mapping={"layers": {n: r.value for n, r in chosen.items()}})


def choose_layers(names: list[str], *, options: ReadOptions, filename: str,
                  refusal: type[UploadRefused]) -> dict[str, LayerRole]:
    """File layer -> role: the caller's mapping (names compared folded), or the only layer."""
    if not names:
        raise FileUnreadable(f"{filename}: no layers", file=filename)
    if options.layers:
        # fold() gives None only for None: no key is dropped
        wanted = {key: role for k, role in options.layers.items()
                  if (key := fold(k)) is not None}
        chosen = {n: wanted[key] for n in names
                  if (key := fold(n)) is not None and key in wanted}
        missing = sorted(set(wanted) - {fold(n) for n in names})
        if missing or not chosen:
            raise refusal(f"{filename}: layers {missing} not in the file; it has {names}",
                          file=filename, layers=names, missing=missing)
        return chosen
    if len(names) == 1:
        return {names[0]: options.default_role}
    raise refusal(f"{filename}: {len(names)} layers; say which is which: {names}",
                  file=filename, layers=names)
