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
import tempfile
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


def port_taken(log: str) -> bool:
    """Whether a service's log says its port was taken (by another test worker's process
    between :func:`free_port` and the service binding it)."""
    return "address already in use" in log.lower()


@contextmanager
def serve(settings: Settings, *, workers: int = 1) -> Iterator[str]:
    """``uvicorn --factory api.main:app_from_env`` for ``settings``; yields its base URL.

    ``workers`` above 1 runs uvicorn's supervisor with that many worker processes.
    """
    # stderr to a file, not a pipe: the access log writes a line per request, and a pipe
    # nobody reads fills after a few hundred of them and then blocks the service.
    with tempfile.TemporaryFile() as log:
        for attempt in range(3):
            port = free_port()
            log.seek(0)
            log.truncate()
            process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--factory", "api.main:app_from_env",
                 "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                 "--workers", str(workers)],
                env=_environment(settings), stdout=subprocess.DEVNULL, stderr=log)
            url = f"http://127.0.0.1:{port}"
            try:
                _wait_until_answering(url, process, log)
                break
            except RuntimeError as exc:
                _stop(process)
                if attempt == 2 or not port_taken(str(exc)):
                    raise
        try:
            yield url
        finally:
            _stop(process)


def _wait_until_answering(url: str, process: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + 60  # a loaded CI machine starts slowly
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1):
                pass
            if process.poll() is None:  # it is ours answering, not another worker's
                return
            raise OSError("the service exited")
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                err = log.read().decode(errors="replace")
                raise RuntimeError(f"service did not start: {err[-2000:]}") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:  # a request still running: do not wait on it
        process.kill()
        process.wait()
