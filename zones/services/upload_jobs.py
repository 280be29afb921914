"""Uploads as background jobs: large files are read and stored off the request thread.

A job is an :class:`~zones.model.UploadJob` row. The worker writes its status and progress
in short transactions of its own (never while the revision's transaction holds the write
lock), so a page can poll it. Any failure becomes a failed job with the problem's code and
detail — never an unhandled error — and, the revision being one transaction, leaves no
revision behind. The uploaded temp file is always removed when the job ends.

A job whose process was killed cannot record its own end: each job names its owner
process, and :func:`recover_interrupted` (run at every start-up) fails the jobs whose owner
is gone (``job_interrupted``) and removes their temp files.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from zones import errors
from zones.audit import jsonable
from zones.model import JobStatus, UploadJob, User, utcnow
from zones.services.revisions import create_revision, find_district
from zones.settings import Settings
from zones.uploads.contract import ReadOptions
from zones.uploads.receiving import ProcessId, remove_orphans, this_process

log = logging.getLogger("zones.uploads")

# Uploads up to this size are read in the request (still in a child process); larger
# ones become jobs the client polls.
INLINE_MAX_BYTES = 2 * 1024 * 1024


def recover_interrupted(*, sessions: sessionmaker[Session], upload_dir: Path) -> list[int]:
    """Fail the queued/running jobs whose process is gone; remove orphan temp uploads.

    Every worker of the service runs this as it starts (``ZONES_WORKERS`` > 1 means several
    at once), so it must never touch a job another *live* worker runs: a job is failed only
    when its owner — host, boot, pid and the pid's start time — is provably gone (same
    machine and another boot, or no such process now). Jobs of another machine are left
    to that machine's start-up. A job with no owner predates owners (migration 0010): only
    a process of the previous version could run it, and a restart has ended those.
    Returns the ids of the jobs failed.
    """
    open_states = (JobStatus.QUEUED, JobStatus.RUNNING)
    with sessions() as session:
        rows = session.execute(sa.select(UploadJob.id, UploadJob.owner).where(
            UploadJob.status.in_(open_states))).all()
        gone = [job_id for job_id, owner in rows if _owner_gone(owner)]
        if gone:
            # The status guard: a job that finished meanwhile keeps its own end.
            session.execute(sa.update(UploadJob).where(
                UploadJob.id.in_(gone), UploadJob.status.in_(open_states)).values(
                status=JobStatus.FAILED, message="failed", error_code=errors.JobInterrupted.code,
                error_detail="the service stopped while this upload was being read or "
                             "stored; nothing was kept — upload the file again",
                error_extra={}, finished_at=utcnow()))
            session.commit()
            log.warning("upload jobs interrupted by a restart, marked failed: %s", gone)
    remove_orphans(upload_dir)
    return gone


def _owner_gone(owner: str | None) -> bool:
    if owner is None:
        return True
    parsed = ProcessId.parse(owner)
    return parsed is None or parsed.alive() is False


class UploadJobs:
    """A small worker pool running upload jobs against one database."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings, *,
                 workers: int = 1) -> None:
        self.sessions = sessions
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="upload-job")

    def start(self, *, district_code: str, path: Path, filename: str, options: ReadOptions,
              user: User, inline: bool = False) -> tuple[UploadJob, Future[None] | None]:
        """Queue a job (or run it now when ``inline``) for the file at ``path``, which it owns.

        Returns the job as queued (or finished, when inline) and the worker's future.
        """
        try:
            with self.sessions() as session:
                district = find_district(session, district_code)
                job = UploadJob(kind="upload", status=JobStatus.QUEUED, progress=0,
                                district_id=district.id, filename=filename[:300],
                                created_by_id=user.id, message="queued",
                                owner=str(this_process()))
                session.add(job)
                session.commit()
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        args = (job.id, district_code, Path(path), filename, options, user.id)
        if inline:
            self.run(*args)
            return self.get(job.id), None
        return job, self.pool.submit(self.run, *args)

    def get(self, job_id: int, session: Session | None = None) -> UploadJob:
        """The job row; pass a read session (polling must not queue behind a writer)."""
        if session is None:
            with self.sessions() as own:
                return self.get(job_id, own)
        job = session.get(UploadJob, job_id)
        if job is None:
            raise errors.JobNotFound(f"no upload job {job_id}", job_id=job_id)
        return job

    def run(self, job_id: int, district_code: str, path: Path, filename: str,
            options: ReadOptions, user_id: int) -> None:
        """The job itself: read, validate, store; record success or the failure's code."""
        try:
            self._update(job_id, status=JobStatus.RUNNING, progress=5, message="reading",
                         started_at=utcnow())
            with self.sessions() as session:
                user = session.get(User, user_id)
                revision = create_revision(
                    session, district_code=district_code, path=path, filename=filename,
                    options=options, user=user, settings=self.settings,
                    progress=lambda pct, msg: self._update(job_id, progress=pct, message=msg))
                revision_id = revision.id
            self._update(job_id, status=JobStatus.SUCCEEDED, progress=100, message="stored",
                         revision_id=revision_id, finished_at=utcnow())
        except errors.ZonesError as exc:
            self._fail(job_id, exc.code, exc.detail, exc.extra)
        except OSError as exc:
            if exc.errno not in errors.FULL_DISK_ERRNOS:
                log.exception("upload job %s failed", job_id)
                self._fail(job_id, "internal_error", type(exc).__name__)
            else:  # keeping the original failed; create_revision removed its partial copy
                full = errors.StorageFull("the service's storage is full; nothing was kept")
                self._fail(job_id, full.code, full.detail)
        except Exception as exc:  # a job must end as failed, never vanish
            log.exception("upload job %s failed", job_id)
            self._fail(job_id, "internal_error", type(exc).__name__)
        finally:
            Path(path).unlink(missing_ok=True)

    def _fail(self, job_id: int, code: str, detail: str,
              extra: dict[str, Any] | None = None) -> None:
        """The job failed with this problem: its code, detail and extension members (the
        file, layer, feature index or row the inline upload's problem would name)."""
        self._update(job_id, status=JobStatus.FAILED, message="failed", error_code=code,
                     error_detail=detail[:2000], error_extra=jsonable(extra or {}),
                     finished_at=utcnow())

    def _update(self, job_id: int, **values: object) -> None:
        with self.sessions() as session:
            job = session.get(UploadJob, job_id)
            assert job is not None
            for key, value in values.items():
                setattr(job, key, value)
            session.commit()

    def shutdown(self) -> None:
        """Let running jobs finish (the service is stopping)."""
        self.pool.shutdown(wait=True)
