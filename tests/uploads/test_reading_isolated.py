"""The isolated reader: same result, same refusals, and a hostile file cannot exhaust us."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.uploads.files import ZONE_EXTENT, geojson_file, plots
from zones.errors import CrsMissing, ReadMemory, ReadTimeout, TooManyFeatures
from zones.uploads.contract import LayerRole, ReadOptions, UploadLimits
from zones.uploads.reading import read_upload_isolated


def _isolated(path: Path, limits: UploadLimits | None = None, **kwargs: float) -> object:
    return read_upload_isolated(path, filename=path.name, options=ReadOptions(),
                                limits=limits or UploadLimits(), zone_extent=ZONE_EXTENT,
                                **kwargs)


def test_isolated_reader_returns_the_frames(tmp_path: Path) -> None:
    result = _isolated(geojson_file(tmp_path))
    frame = result.layers[LayerRole.PLOTS]
    assert frame["code"].tolist() == ["P-1", "P-2", "P-3"]
    assert frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].equals_exact(plots().geometry.iloc[0], tolerance=1e-9)


def test_refusal_in_child_comes_back_with_class_code_and_extra(tmp_path: Path) -> None:
    with pytest.raises(TooManyFeatures) as refused:
        _isolated(geojson_file(tmp_path), UploadLimits(max_features=1))
    assert refused.value.code == "too_many_features"
    assert refused.value.extra == {"file": "plots.geojson", "layer": None, "limit": 1,
                                   "received": 3}
    metric = geojson_file(tmp_path, text=json.dumps({
        "type": "Feature", "properties": {},
        "geometry": {"type": "Point", "coordinates": [400000, 4150000]}}), name="m.geojson")
    with pytest.raises(CrsMissing):
        _isolated(metric)


def test_memory_hog_refused_and_service_survives(tmp_path: Path) -> None:
    # 400k vertices: ~10 MB on disk, well over 40 MB once parsed into Python objects.
    ring = [[49.5 + i * 1e-7, 37.45] for i in range(400_000)]
    text = json.dumps({"type": "Feature", "properties": {},
                       "geometry": {"type": "LineString", "coordinates": ring}})
    path = geojson_file(tmp_path, text=text, name="hog.geojson")
    limits = UploadLimits(max_feature_vertices=400_000)  # this test is about the memory cap
    with pytest.raises(ReadMemory) as refused:
        _isolated(path, limits, memory_limit_mb=40)
    assert refused.value.code == "read_memory"
    assert refused.value.extra["limit"] == 40
    # The same file reads when the budget allows it: the refusal was the limit, not the file.
    result = _isolated(path, limits, memory_limit_mb=1024)
    assert len(result.layers[LayerRole.PLOTS]) == 1


def test_slow_read_times_out(tmp_path: Path) -> None:
    # 30k plots take far longer than 20 ms to parse, even in a warm reader.
    features = [{"type": "Feature", "properties": {"code": str(i)}, "geometry": {
        "type": "Polygon", "coordinates": [[[49.5 + i * 1e-5, 37.45], [49.5 + i * 1e-5, 37.46],
                                            [49.50001 + i * 1e-5, 37.46],
                                            [49.5 + i * 1e-5, 37.45]]]}}
                for i in range(30_000)]
    path = geojson_file(tmp_path, text=json.dumps({"type": "FeatureCollection",
                                                   "features": features}), name="slow.geojson")
    with pytest.raises(ReadTimeout) as refused:
        _isolated(path, timeout_s=0.02)
    assert refused.value.code == "read_timeout"
