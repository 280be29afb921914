"""The real service in its own process on a free loopback port, for HTTP clients (GDAL, OWSLib).

A separate process, not a thread: GDAL holds the GIL while it waits on HTTP, so a
uvicorn thread in the test process would never answer it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from zones.settings import Settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    for name, value in settings.model_dump(mode="json").items():
        if value is not None:
            env[f"ZONES_{name.upper()}"] = (json.dumps(value) if isinstance(value, list | dict)
                                            else str(value))
    return env


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """``uvicorn --factory api.main:app_from_env`` for ``settings``; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=_environment(settings), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = process.stderr.read().decode() if process.stderr else ""
                    raise RuntimeError(f"service did not start: {err[-2000:]}") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
