"""Zip archives opened without trusting them.

Entries are checked before anything is written (paths, links, devices, count, the sizes the
headers claim), then each entry is inflated by hand with :mod:`zlib` while counting the
bytes that really come out: a header that claims 1 KB for an entry that inflates to 10 GB
is caught after the limit, not after the disk is full. Extraction goes to a private
temporary directory that is always removed.
"""

from __future__ import annotations

import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from zones.errors import (
    ArchiveRatio,
    ArchiveSymlink,
    ArchiveTooLarge,
    ArchiveTooManyEntries,
    ArchiveUnsafePath,
    FileUnreadable,
)
from zones.uploads.contract import UploadLimits

_CHUNK = 64 * 1024
# Small entries may legitimately compress very well (a DBF of blanks); the ratio only
# means something once an entry has produced this much.
_RATIO_FLOOR = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_LOCAL_HEADER = struct.Struct("<4s5HL2L2H")


def check_entries(infos: list[zipfile.ZipInfo], *, filename: str,
                  limits: UploadLimits) -> None:
    """Refuse unsafe names, links, devices and what the headers already admit is too big."""
    if len(infos) > limits.max_archive_entries:
        raise ArchiveTooManyEntries(
            f"{filename}: {len(infos)} entries, at most {limits.max_archive_entries}",
            file=filename, limit=limits.max_archive_entries, received=len(infos))
    claimed = 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts or "\0" in name:
            raise ArchiveUnsafePath(f"{filename}: unsafe entry path {name!r}",
                                    file=filename, entry=name)
        kind_bits = stat.S_IFMT(info.external_attr >> 16)  # 0: not recorded (Windows zips)
        if kind_bits and kind_bits not in (stat.S_IFREG, stat.S_IFDIR):
            mode = info.external_attr >> 16
            kind = "symlink" if stat.S_ISLNK(mode) else "device or special file"
            raise ArchiveSymlink(f"{filename}: entry {name!r} is a {kind}",
                                 file=filename, entry=name, kind=kind)
        if info.flag_bits & 0x1:
            raise FileUnreadable(f"{filename}: entry {name!r} is encrypted",
                                 file=filename, entry=name)
        claimed += info.file_size
        if claimed > limits.max_inflated_bytes:
            raise ArchiveTooLarge(
                f"{filename}: entries inflate beyond {limits.max_inflated_bytes} bytes",
                file=filename, entry=name, limit=limits.max_inflated_bytes)


@contextmanager
def extracted(path: Path, *, filename: str, limits: UploadLimits,
              parent: Path | None = None) -> Iterator[Path]:
    """Extract the zip at ``path`` into a private temporary directory, removed on exit."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileUnreadable(f"{filename}: not a readable zip archive ({exc})",
                             file=filename) from None
    target = Path(tempfile.mkdtemp(prefix="zones-upload-", dir=parent))
    try:
        with archive:
            infos = archive.infolist()
            check_entries(infos, filename=filename, limits=limits)
            budget = [limits.max_inflated_bytes]
            with path.open("rb") as raw:
                for info in infos:
                    dest = target.joinpath(*PurePosixPath(info.filename.replace("\\", "/")).parts)
                    if info.is_dir():
                        dest.mkdir(parents=True, exist_ok=True)
                        continue
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    try:
                        _inflate(raw, info, dest, filename=filename, limits=limits,
                                 budget=budget)
                    except zlib.error as exc:
                        raise FileUnreadable(
                            f"{filename}: entry {info.filename!r} is corrupt ({exc})",
                            file=filename, entry=info.filename) from None
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _inflate(raw: BinaryIO, info: zipfile.ZipInfo, dest: Path, *, filename: str,
             limits: UploadLimits, budget: list[int]) -> None:
    """Inflate one entry to ``dest``, counting real output against the limits."""
    raw.seek(info.header_offset)
    header = raw.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size or header[:4] != b"PK\x03\x04":
        raise FileUnreadable(f"{filename}: damaged entry {info.filename!r}",
                             file=filename, entry=info.filename)
    name_len, extra_len = struct.unpack("<2H", header[26:30])
    raw.seek(info.header_offset + _LOCAL_HEADER.size + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    elif info.compress_type != zipfile.ZIP_STORED:
        raise FileUnreadable(
            f"{filename}: entry {info.filename!r} uses an unsupported compression method",
            file=filename, entry=info.filename, method=info.compress_type)
    else:
        inflater = None
    left, produced, crc = info.compress_size, 0, 0
    with dest.open("wb") as out:
        while left > 0 or (inflater is not None and inflater.unconsumed_tail):
            if inflater is not None and inflater.unconsumed_tail:
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            else:
                chunk = raw.read(min(_CHUNK, left))
                if not chunk:
                    break
                left -= len(chunk)
                data = chunk if inflater is None else inflater.decompress(chunk, _CHUNK)
            produced += len(data)
            budget[0] -= len(data)
            if budget[0] < 0:
                raise ArchiveTooLarge(
                    f"{filename}: entries inflate beyond {limits.max_inflated_bytes} bytes",
                    file=filename, entry=info.filename, limit=limits.max_inflated_bytes)
            consumed = info.compress_size - left
            if produced > _RATIO_FLOOR and produced > limits.max_compression_ratio * max(
                    consumed, 1):
                raise ArchiveRatio(
                    f"{filename}: entry {info.filename!r} inflates more than "
                    f"{limits.max_compression_ratio:g} times its compressed size",
                    file=filename, entry=info.filename, limit=limits.max_compression_ratio)
            crc = zlib.crc32(data, crc)
            out.write(data)
        if inflater is not None:
            tail = inflater.flush()
            if len(tail) > budget[0]:
                raise ArchiveTooLarge(
                    f"{filename}: entries inflate beyond {limits.max_inflated_bytes} bytes",
                    file=filename, entry=info.filename, limit=limits.max_inflated_bytes)
            budget[0] -= len(tail)
            crc = zlib.crc32(tail, crc)
            out.write(tail)
    if crc != info.CRC:
        raise FileUnreadable(f"{filename}: entry {info.filename!r} is corrupt (CRC mismatch)",
                             file=filename, entry=info.filename)
