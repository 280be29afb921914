"""Writing a request body to disk with the byte cap enforced as it streams in."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

from zones.errors import PayloadTooLarge


async def save_stream(chunks: AsyncIterator[bytes], dest: Path, *,
                      max_bytes: int) -> tuple[int, str]:
    """Write ``chunks`` to ``dest``; return (size, sha256 hex).

    Stops at the first chunk that crosses ``max_bytes`` (a lying ``Content-Length`` does not
    help) and removes the partial file, so nothing of a refused upload stays on disk.
    """
    digest = hashlib.sha256()
    size = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        with dest.open("wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"upload larger than {max_bytes} bytes",
                        limit=max_bytes, received=size)
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    return size, digest.hexdigest()
