"""Hostile files are refused with a code before they cost disk, memory or trust."""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.uploads.files import (
    feature,
    geojson_file,
    gpkg_file,
    lonlat,
    metric_box,
    plots,
    read,
    shapefile_zip,
    zip_file,
)
from zones.errors import (
    ArchiveRatio,
    ArchiveSymlink,
    ArchiveTooLarge,
    ArchiveTooManyEntries,
    ArchiveUnsafePath,
    FilenameInvalid,
    FileUnreadable,
    JsonNonFinite,
    JsonTooDeep,
    PayloadTooLarge,
    TooManyFeatures,
    TooManyVertices,
    UnsupportedFormat,
    UploadRefused,
)
from zones.uploads.archive import extracted
from zones.uploads.contract import UploadLimits
from zones.uploads.formats.geojson import json_depth
from zones.uploads.receiving import ProcessId, incoming_path, save_stream, this_process


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp dir of its own, so a test can show that reading leaves nothing behind."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("entry", ["../evil.shp", "/etc/evil.shp", "C:/evil.shp",
                                   "a/../../evil.shp", "..\\evil.shp"])
def test_archive_unsafe_paths_refused(tmp_path: Path, entry: str) -> None:
    path = zip_file(tmp_path, {entry: b"x"})
    with pytest.raises(ArchiveUnsafePath) as refused:
        read(path)
    assert refused.value.code == "archive_unsafe_path"
    assert refused.value.extra["entry"] == entry
    assert not (tmp_path.parent / "evil.shp").exists()


@pytest.mark.parametrize(("mode", "kind"), [(stat.S_IFLNK | 0o777, "symlink"),
                                            (stat.S_IFCHR | 0o666, "device or special file"),
                                            (stat.S_IFIFO | 0o666, "device or special file")])
def test_archive_links_and_devices_refused(tmp_path: Path, mode: int, kind: str) -> None:
    path = zip_file(tmp_path, {"plots.shp": b"/etc/passwd"}, modes={"plots.shp": mode})
    with pytest.raises(ArchiveSymlink) as refused:
        read(path)
    assert refused.value.code == "archive_symlink"
    assert refused.value.extra["kind"] == kind


def test_archive_too_many_entries(tmp_path: Path) -> None:
    path = zip_file(tmp_path, {f"f{i}.txt": b"x" for i in range(6)})
    with pytest.raises(ArchiveTooManyEntries) as refused:
        read(path, UploadLimits(max_archive_entries=5))
    assert refused.value.extra == {"file": "upload.zip", "limit": 5, "received": 6}
    assert isinstance(refused.value, PayloadTooLarge)


def test_zip_bomb_with_lying_header_caught_while_inflating(
        tmp_path: Path, private_tmp: Path) -> None:
    # 8 MB of zeros whose headers claim 1 KB: the header check passes, the stream does not.
    path = zip_file(tmp_path, {"plots.shp": bytes(8 * 1024 * 1024)},
                    claim_sizes={"plots.shp": 1024})
    assert zipfile.ZipFile(path).getinfo("plots.shp").file_size == 1024
    limits = UploadLimits(max_inflated_bytes=2 * 1024 * 1024, max_compression_ratio=10_000)
    with pytest.raises(ArchiveTooLarge) as refused:
        read(path, limits)
    assert refused.value.code == "archive_too_large"
    assert refused.value.extra["entry"] == "plots.shp"
    assert list(private_tmp.iterdir()) == []


def test_zip_bomb_caught_by_compression_ratio(tmp_path: Path, private_tmp: Path) -> None:
    path = zip_file(tmp_path, {"plots.shp": bytes(8 * 1024 * 1024)},
                    claim_sizes={"plots.shp": 1024})
    with pytest.raises(ArchiveRatio) as refused:
        read(path, UploadLimits(max_compression_ratio=50))
    assert refused.value.code == "archive_ratio"
    assert list(private_tmp.iterdir()) == []


def test_archive_honest_total_over_limit_refused_before_extracting(tmp_path: Path) -> None:
    path = zip_file(tmp_path, {"a.bin": bytes(3000), "b.bin": bytes(3000)})
    with pytest.raises(ArchiveTooLarge):
        read(path, UploadLimits(max_inflated_bytes=5000))


def test_corrupt_archive_entry_is_unreadable(tmp_path: Path) -> None:
    path = zip_file(tmp_path, {"plots.shp": b"a" * 5000})
    data = bytearray(path.read_bytes())
    data[40:44] = b"\xff\xff\xff\xff"  # inside the deflated stream
    path.write_bytes(bytes(data))
    with pytest.raises(FileUnreadable):
        read(path)


def test_temp_files_removed_after_success_and_refusal(tmp_path: Path,
                                                      private_tmp: Path) -> None:
    ok = shapefile_zip(tmp_path, plots(metric=True))
    assert read(ok).layers
    bad = shapefile_zip(tmp_path, plots(metric=True), name="noshx", drop=[".shx"])
    with pytest.raises(UploadRefused):
        read(bad)
    assert list(private_tmp.iterdir()) == []
    with pytest.raises(RuntimeError), extracted(ok, filename="x", limits=UploadLimits()) as d:
        assert (d / "plots.shp").exists()
        raise RuntimeError("caller fails mid-read")
    assert not d.exists()


def test_json_depth_measured_before_parsing(tmp_path: Path) -> None:
    text = '{"type": "FeatureCollection", "features": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(JsonTooDeep) as refused:
        read(geojson_file(tmp_path, text=text))
    assert refused.value.extra["received"] == 100_001
    assert json_depth(b'{"a": "[[[[[[", "b": [[1]]}') == 3  # brackets in strings ignored
    assert json_depth(b'{"a": "\\"[[[", "b": 1}') == 1


def _parsed_depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_parsed_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_parsed_depth, value), default=0)
    return 0


@pytest.mark.parametrize("chunk", [3, 7, 1 << 20])
def test_json_depth_agrees_with_the_parser_across_chunk_edges(
        monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    from zones.uploads.formats import geojson

    monkeypatch.setattr(geojson, "_CHUNK", chunk)
    samples = [{"a": "[[[[", "b": [[1]]}, ["\\", [[]]], ['\\"[{', [1]], [], "x",
               {"k[\\": [{"v": ["]]]", {"w": '\\\\"}'}]}]}, [[[[[]]]]]]
    for sample in samples:
        text = json.dumps(sample).encode()
        assert json_depth(text) == _parsed_depth(sample), text


def test_unterminated_string_of_escaped_quotes_is_cheap(tmp_path: Path) -> None:
    import time

    text = '{"type": "' + '\\"' * 500_000
    started = time.perf_counter()
    with pytest.raises(FileUnreadable):
        read(geojson_file(tmp_path, text=text))
    assert time.perf_counter() - started < 5  # a string-skipping regex takes minutes


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_numbers_refused(tmp_path: Path, value: str) -> None:
    text = ('{"type":"Feature","properties":{},"geometry":{"type":"Point",'
            f'"coordinates":[49.5, {value}]}}}}')
    with pytest.raises(JsonNonFinite) as refused:
        read(geojson_file(tmp_path, text=text))
    assert refused.value.code == "json_non_finite"


def test_too_many_features_refused_before_geometries_built(tmp_path: Path) -> None:
    path = geojson_file(tmp_path)
    with pytest.raises(TooManyFeatures) as refused:
        read(path, UploadLimits(max_features=2))
    assert refused.value.extra["received"] == 3
    gpkg = gpkg_file(tmp_path, {"plots": plots(metric=True)})
    with pytest.raises(TooManyFeatures):
        read(gpkg, UploadLimits(max_features=2))
    with pytest.raises(TooManyFeatures):
        read(shapefile_zip(tmp_path, plots(metric=True)), UploadLimits(max_features=2))


def test_too_many_vertices_refused(tmp_path: Path) -> None:
    square = lonlat(metric_box(0, 0).segmentize(1))  # ~180 vertices
    path = geojson_file(tmp_path, [feature(square, code="V")])
    with pytest.raises(TooManyVertices) as refused:
        read(path, UploadLimits(max_vertices=100))
    assert refused.value.code == "too_many_vertices"
    assert refused.value.extra["received"] > 100


def test_unknown_format_refused_as_415(tmp_path: Path) -> None:
    path = tmp_path / "plan.docx"
    path.write_bytes(b"\x00\x01 not a map")
    with pytest.raises(UnsupportedFormat) as refused:
        read(path)
    assert refused.value.code == "unsupported_format"


def test_format_sniffed_from_content_when_name_says_nothing(tmp_path: Path) -> None:
    source = geojson_file(tmp_path)
    path = source.rename(tmp_path / "upload.bin")
    assert read(path).layers


def test_file_over_byte_cap_refused(tmp_path: Path) -> None:
    with pytest.raises(PayloadTooLarge) as refused:
        read(geojson_file(tmp_path), UploadLimits(max_bytes=100))
    assert refused.value.extra["limit"] == 100


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def test_save_stream_writes_and_hashes(tmp_path: Path) -> None:
    parts = [b"abc" * 1000, b"def" * 1000]
    dest = tmp_path / "in" / "body"
    size, digest = asyncio.run(save_stream(_chunks(parts), dest, max_bytes=6000))
    assert size == 6000
    assert digest == hashlib.sha256(b"".join(parts)).hexdigest()
    assert dest.read_bytes() == b"".join(parts)


def test_save_stream_stops_at_the_cap_and_removes_the_file(tmp_path: Path) -> None:
    dest = tmp_path / "body"
    seen: list[int] = []

    async def endless() -> AsyncIterator[bytes]:
        for i in range(1000):
            seen.append(i)
            yield b"x" * 1024

    with pytest.raises(PayloadTooLarge) as refused:
        asyncio.run(save_stream(endless(), dest, max_bytes=10 * 1024))
    assert refused.value.extra == {"limit": 10 * 1024, "received": 11 * 1024}
    assert len(seen) == 11  # stopped reading the body at the cap
    assert not dest.exists()


def test_broken_geojson_geometry_names_the_feature(tmp_path: Path) -> None:
    good = feature(lonlat(metric_box(0, 0)), code="A")
    bad = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon",
                                                              "coordinates": "oops"}}
    with pytest.raises(FileUnreadable) as refused:
        read(geojson_file(tmp_path, [good, bad]))
    assert refused.value.extra["feature"] == 1
    assert json.dumps(refused.value.extra)  # serialisable for the problem body


@pytest.mark.parametrize("name", ["plan." + "x" * 17, "plan.geo\x00json", "pl\nan.geojson"])
def test_temp_name_refuses_what_the_disk_cannot_take(tmp_path: Path, name: str) -> None:
    with pytest.raises(FilenameInvalid):
        incoming_path(tmp_path, name)


def test_temp_name_keeps_a_known_suffix_and_names_its_owner(tmp_path: Path) -> None:
    path = incoming_path(tmp_path, "طرح." + "x" * 15)
    assert path.parent == tmp_path / "incoming" and path.suffix == "." + "x" * 15
    assert ProcessId.parse(".".join(path.name.split(".")[:4])) == this_process()
