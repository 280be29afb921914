"""Writing uploads and temp files to disk: the byte cap enforced as the body streams in, a
full disk answered ``storage_full`` with nothing half-written, and files named by the
process that owns them, so a restart can tell an orphan from a live upload's file.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from zones.errors import FULL_DISK_ERRNOS, FilenameInvalid, PayloadTooLarge, StorageFull

log = logging.getLogger("zones.uploads")

MAX_SUFFIX = 16            # ".geojson" is the longest suffix a reader knows
# A temp file whose name names no owner (written before owners were recorded) is an
# orphan once it is this old: every upload ends, or times out, well within it.
LEGACY_ORPHAN_AGE_S = 3600
# A write that fails with less room than this left is taken as a full disk (GDAL says only
# "Failed to commit transaction" when SQLite cannot grow a GeoPackage).
NO_ROOM_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ProcessId:
    """Which process, on which machine and boot, owns an upload job or temp file.

    ``host`` and ``boot`` are 8 hex digits (a hash of the host name, the start of the
    kernel's boot id); ``start`` is the process's start time in clock ticks since boot, so a
    pid the kernel has since reused for another process does not pass for the owner.
    """

    host: str
    boot: str
    pid: int
    start: int

    def __str__(self) -> str:
        return f"{self.host}.{self.boot}.{self.pid}.{self.start}"

    @classmethod
    def parse(cls, text: str | None) -> ProcessId | None:
        parts = (text or "").split(".")
        if len(parts) != 4 or not all(p.isalnum() for p in parts) \
                or not (parts[2].isdigit() and parts[3].isdigit()):
            return None
        return cls(parts[0], parts[1], int(parts[2]), int(parts[3]))

    def alive(self) -> bool | None:
        """Whether the owner still runs; None when it ran on another machine (unknowable
        from here: left to that machine's own start-up)."""
        me = this_process()
        if self.host != me.host:
            return None
        return self.boot == me.boot and _start_time(self.pid) == self.start


def this_process() -> ProcessId:
    """The calling process's id (computed once per pid: forked workers get their own)."""
    return _this_process(os.getpid())


@functools.cache
def _this_process(pid: int) -> ProcessId:
    return process_id(pid)


def process_id(pid: int) -> ProcessId:
    """The id of process ``pid`` of this machine, as it runs now."""
    host = hashlib.blake2b(socket.gethostname().encode(), digest_size=4).hexdigest()
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip().replace("-", "")[:8]
    except OSError:  # pragma: no cover - not Linux
        boot = "0" * 8
    return ProcessId(host, boot, pid, _start_time(pid) or 0)


def _start_time(pid: int) -> int | None:
    """Start time of ``pid`` in clock ticks since boot (field 22 of /proc/PID/stat), or None
    when no such process exists (a zombie has exited: it counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # the command name may hold spaces
    return None if fields[0] == "Z" else int(fields[19])


def incoming_path(upload_dir: Path, filename: str) -> Path:
    """Where to write an upload while it is read: ``<upload_dir>/incoming/<owner>.<uuid><suffix>``.

    Refuses (``filename_invalid``) a name with control characters or a suffix longer than
    :data:`MAX_SUFFIX` characters — it would make the temp name too long for the disk.
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in filename):
        raise FilenameInvalid("the file name holds control characters", file=filename[:300])
    suffix = Path(filename).suffix
    if len(suffix) > MAX_SUFFIX:
        raise FilenameInvalid(f"the file name's suffix is longer than {MAX_SUFFIX} characters",
                              file=filename[:300], limit=MAX_SUFFIX, received=len(suffix))
    return Path(upload_dir) / "incoming" / f"{this_process()}.{uuid.uuid4().hex}{suffix}"


async def save_stream(chunks: AsyncIterator[bytes], dest: Path, *,
                      max_bytes: int) -> tuple[int, str]:
    """Write ``chunks`` to ``dest``; return (size, sha256 hex).

    Stops at the first chunk that crosses ``max_bytes`` (a lying ``Content-Length`` does not
    help) and removes the partial file, so nothing of a refused upload stays on disk. A full
    disk raises :class:`~zones.errors.StorageFull` (507), the partial file removed too.
    """
    digest = hashlib.sha256()
    size = 0
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as out:  # closing flushes: a full disk may first show here
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"upload larger than {max_bytes} bytes",
                        limit=max_bytes, received=size)
                digest.update(chunk)
                out.write(chunk)
    except OSError as exc:
        dest.unlink(missing_ok=True)
        if exc.errno in FULL_DISK_ERRNOS:
            raise StorageFull("the upload directory's disk is full; nothing was kept",
                              received=size) from None
        raise
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()


@contextmanager
def written_or_removed(directory: Path | None = None) -> Iterator[Path]:
    """A private temp directory under ``directory`` (default: the system's) for a file
    being written (a report or an export); on any failure it is removed with what it
    holds, and a failure on a full disk becomes :class:`~zones.errors.StorageFull`.

    GDAL reports a full disk as a generic error, so a failure is judged by the room left
    where it wrote, measured before the partial file is removed.
    """
    try:
        workdir = Path(tempfile.mkdtemp(prefix="zones-", dir=directory))
    except OSError as exc:
        if exc.errno in FULL_DISK_ERRNOS:
            raise StorageFull("the service's temporary storage is full") from None
        raise
    try:
        yield workdir
    except BaseException as exc:
        full = (isinstance(exc, OSError) and exc.errno in FULL_DISK_ERRNOS) or (
            isinstance(exc, Exception) and not isinstance(exc, StorageFull)
            and shutil.disk_usage(workdir).free < NO_ROOM_BYTES)
        shutil.rmtree(workdir, ignore_errors=True)
        if full:
            raise StorageFull("the service's temporary storage is full; nothing was "
                              "kept") from exc
        raise


def remove_orphans(upload_dir: Path) -> list[Path]:
    """Remove temp files in ``upload_dir/incoming`` whose owning process is gone.

    A file of a live process (another worker's upload in progress) or of another machine
    is kept; a file with no owner in its name is removed once older than an hour.
    """
    removed: list[Path] = []
    incoming = Path(upload_dir) / "incoming"
    if not incoming.is_dir():
        return removed
    now = time.time()
    for path in incoming.iterdir():
        owner = ProcessId.parse(".".join(path.name.split(".")[:4]))
        try:
            if owner is not None:
                orphan = owner.alive() is False
            else:
                orphan = now - path.lstat().st_mtime > LEGACY_ORPHAN_AGE_S
            if orphan:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue  # its owner removed it meanwhile
    if removed:
        log.info("removed %d orphan upload files from %s", len(removed), incoming)
    return removed
