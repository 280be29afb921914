"""Consultant uploads and plan revisions (issue 3): upload, jobs, reports, diff, decisions.

Who sees what: a consultant sees only the revisions (and jobs) they uploaded — others'
are 404; staff, the working group and admins see all; the public and investors see only
approved and superseded revisions. Only the working group approves or rejects.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Annotated, Any, Literal

import geopandas as gpd
import shapely
import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.datastructures import UploadFile

from api.deps import SessionDep, SettingsDep, WriteSessionDep
from api.geojson import GEOJSON, GeoJSONResponse, collection
from api.paging import Page, PageDep, fetch_page
from api.params import RowId
from api.schemas.revisions import (
    DIFF_GEOJSON,
    Approval,
    Decision,
    JobPublic,
    PlanDiffOut,
    PlanFeatureCollection,
    RevisionPublic,
    UploadOptions,
    ValidationReport,
)
from api.security import CurrentUser, MaybeUser, require
from zones import errors, frames
from zones.errors import JobNotFound
from zones.model import District, PlanFeature, PlanRevision, RevisionStatus, Role, User
from zones.services import revisions as rev
from zones.services.plan_diff import diff_geojson, diff_json, diff_revision
from zones.services.upload_jobs import INLINE_MAX_BYTES, UploadJobs
from zones.settings import Settings
from zones.text import jalali
from zones.uploads.contract import ReadOptions

router = APIRouter(tags=["uploads"])
FORM_OVERHEAD = 64 * 1024  # multipart boundaries, headers and the options field
UPLOADERS = (Role.CONSULTANT, Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
SEE_ALL = (Role.STAFF, Role.WORKING_GROUP, Role.ADMIN)
PUBLISHED = (RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)
Uploader = Annotated[User, require(*UPLOADERS)]
GPKG = "application/geopackage+sqlite3"
BINARY = {"type": "string", "format": "binary"}


def _jalali(value: dt.datetime | None) -> str | None:
    return jalali(value, digits="latin") if value else None


def _revision_public(session: Session, revision: PlanRevision) -> RevisionPublic:
    district = session.get(District, revision.district_id)
    base = f"/revisions/{revision.id}"
    return RevisionPublic(
        id=revision.id, district=district.code if district else "", number=revision.number,
        title=revision.title, status=revision.status.value, source=revision.source,
        original_filename=revision.original_filename, file_format=revision.file_format,
        checksum=revision.checksum, error_count=revision.error_count,
        warning_count=revision.warning_count, uploaded_by_id=revision.uploaded_by_id,
        created_at=revision.created_at, created_at_jalali=jalali(revision.created_at,
                                                                 digits="latin"),
        submitted_at=revision.submitted_at, submitted_at_jalali=_jalali(revision.submitted_at),
        decided_at=revision.decided_at, decided_at_jalali=_jalali(revision.decided_at),
        decision_ref=revision.decision_ref, comments=revision.comments,
        notices=list((revision.report or {}).get("notices") or []),
        links={"self": base, "report": f"{base}/report", "diff": f"{base}/diff",
               "features": f"{base}/features"})


def _job_public(job: Any) -> JobPublic:
    links = {"self": f"/jobs/{job.id}"}
    if job.revision_id:
        links["revision"] = f"/revisions/{job.revision_id}"
    return JobPublic(id=job.id, status=job.status.value, progress=job.progress,
                     message=job.message, filename=job.filename, revision_id=job.revision_id,
                     error_code=job.error_code, error_detail=job.error_detail,
                     error_extra=job.error_extra, created_at=job.created_at,
                     created_at_jalali=jalali(job.created_at, digits="latin"), links=links)


def _visible(user: User | None) -> Any:
    """The WHERE clause of the revisions ``user`` may see."""
    if user is not None and user.role in SEE_ALL:
        return sa.true()
    if user is not None and user.role is Role.CONSULTANT:
        return PlanRevision.uploaded_by_id == user.id
    return PlanRevision.status.in_(PUBLISHED)


def _load(session: Session, revision_id: int, user: User | None) -> PlanRevision:
    revision = session.scalar(sa.select(PlanRevision).where(
        PlanRevision.id == revision_id, _visible(user)))
    if revision is None:
        raise errors.RevisionNotFound(f"no plan revision {revision_id}", revision_id=revision_id)
    return revision


def body_cap(request: Request, settings: SettingsDep) -> None:
    """Refuse an oversized upload from its Content-Length, before any of the body is read."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise errors.LengthRequired("send the file with a Content-Length header")
    if int(length) > settings.upload_max_bytes + FORM_OVERHEAD:
        raise errors.PayloadTooLarge(f"upload larger than {settings.upload_max_bytes} bytes",
                                     limit=settings.upload_max_bytes, received=int(length))


_jobs_lock = threading.Lock()


def _jobs(request: Request) -> UploadJobs:
    with _jobs_lock:
        if getattr(request.app.state, "upload_jobs", None) is None:
            request.app.state.upload_jobs = UploadJobs(request.app.state.write_sessions,
                                                       request.app.state.settings)
        return request.app.state.upload_jobs


def _options(raw: Any) -> ReadOptions:
    try:
        parsed = UploadOptions.model_validate_json(raw or "{}")
    except ValidationError as exc:
        raise errors.InvalidOptions("options must be JSON with the documented fields",
                             errors=[{"loc": list(e["loc"]), "msg": e["msg"]}
                                     for e in exc.errors()]) from None
    return ReadOptions(**parsed.model_dump())


async def _chunks(upload: UploadFile) -> Any:
    while chunk := await upload.read(1 << 20):
        yield chunk


_MULTIPART = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary"},
        "options": {"type": "string", "description": "JSON: layers, columns, crs, encoding, "
                    "swap_axes, format, wkt_column, default_role (unknown keys refused)"}}}}}}}


@router.post("/districts/{code}/uploads", status_code=202, openapi_extra=_MULTIPART,
             response_model=JobPublic,
             responses={202: {"description": "A job reads the file (large, or background)"},
                        201: {"model": RevisionPublic,
                              "description": "The draft revision, read and stored now"}},
             summary="Upload a plan file: a draft revision now (small) or a job (large)")
async def post_upload(code: str, request: Request,
                      _cap: Annotated[None, Depends(body_cap)], user: Uploader,
                      settings: SettingsDep, session: WriteSessionDep,
                      background: Annotated[bool | None, Query()] = None) -> JSONResponse:
    from zones.uploads.receiving import incoming_path, save_stream

    # The upload is stored in sessions of its own (the inline worker's, or a job's), which
    # commit themselves. The request's session has only read (the sign-in): end its
    # transaction, so SpatiaLite's write lock (BEGIN IMMEDIATE) is free for them.
    await run_in_threadpool(session.close)
    form = await request.form(max_files=1, max_fields=4)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise errors.InvalidInput("send the plan as the multipart field 'file'",
                                  field="file")
    options = _options(form.get("options"))
    filename = Path(upload.filename).name[:300]
    temp = incoming_path(settings.upload_dir, filename)  # named by its owner process
    size, _sha = await save_stream(_chunks(upload), temp, max_bytes=settings.upload_max_bytes)
    if background or (background is None and size > INLINE_MAX_BYTES):
        job, _future = await run_in_threadpool(
            _jobs(request).start, district_code=code, path=temp, filename=filename,
            options=options, user=user)
        return JSONResponse(_job_public(job).model_dump(mode="json"), status_code=202,
                            headers={"Location": f"/jobs/{job.id}"})
    try:
        body = await run_in_threadpool(_inline, request, code, temp, filename, options, user,
                                       settings)
    finally:
        temp.unlink(missing_ok=True)
    return JSONResponse(body, status_code=201, headers={"Location": body["links"]["self"]})


def _inline(request: Request, code: str, path: Path, filename: str, options: ReadOptions,
            user: User, settings: Settings) -> dict[str, Any]:
    # A named exception to the request's unit of work, like the upload jobs: the upload
    # runs in a session of its own in a worker thread, and create_revision commits its
    # revision itself (after releasing the write lock while the file is parsed).
    with request.app.state.write_sessions() as session:
        revision = rev.create_revision(session, district_code=code, path=path,
                                       filename=filename, options=options, user=user,
                                       settings=settings)
        return _revision_public(session, revision).model_dump(mode="json")


@router.get("/jobs/{job_id}", response_model=JobPublic, summary="An upload job's progress")
def get_job(job_id: RowId, request: Request, user: CurrentUser, session: SessionDep
            ) -> JobPublic:
    job = _jobs(request).get(job_id, session)
    if user.role not in SEE_ALL and job.created_by_id != user.id:
        raise JobNotFound(f"no upload job {job_id}", job_id=job_id)
    return _job_public(job)


@router.get("/revisions", response_model=Page[RevisionPublic],
            summary="Plan revisions the caller may see (filter by district and status)")
def list_revisions(request: Request, session: SessionDep, user: MaybeUser, page: PageDep,
                   district: Annotated[str | None, Query(max_length=32)] = None,
                   status: RevisionStatus | None = None) -> Page[RevisionPublic]:
    stmt = sa.select(PlanRevision).where(_visible(user)).order_by(PlanRevision.id)
    if district is not None:
        stmt = stmt.where(PlanRevision.district_id == rev.find_district(session, district).id)
    if status is not None:
        stmt = stmt.where(PlanRevision.status == status)
    rows, link = fetch_page(session, stmt, page, request)
    return Page(items=[_revision_public(session, r) for r in rows], next=link)


@router.get("/revisions/{revision_id}", response_model=RevisionPublic,
            summary="One plan revision with its status and decision (dates also in Jalali)")
def get_revision(revision_id: RowId, session: SessionDep, user: MaybeUser) -> RevisionPublic:
    return _revision_public(session, _load(session, revision_id, user))


Format = Annotated[Literal["json", "html", "gpkg"], Query(alias="format")]


@router.get("/revisions/{revision_id}/report", response_model=ValidationReport,
            responses={200: {"content": {"text/html": {"schema": {"type": "string"}},
                                         GPKG: {"schema": BINARY}},
                             "description": "JSON, an HTML page or a GeoPackage (format)"}},
            summary="The validation report (JSON/HTML/GPKG)")
@router.get("/revisions/{revision_id}/report.{suffix}", include_in_schema=False)
def get_report(revision_id: RowId, session: SessionDep, user: MaybeUser,
               suffix: Literal["json", "html", "gpkg"] | None = None, fmt: Format = "json",
               lang: Annotated[Literal["fa", "en"], Query()] = "fa") -> Any:
    from maps.upload_report import report_html
    from zones.uploads.receiving import written_or_removed
    from zones.uploads.report import write_report_gpkg

    revision = _load(session, revision_id, user)
    data = revision.report or {}
    kind = suffix or fmt
    if kind == "json":
        return JSONResponse(data)
    report = rev.report_from_json(data)
    if kind == "html":
        return HTMLResponse(report_html(report, lang=lang))
    with written_or_removed() as workdir:  # a full disk: 507 storage_full, no partial file
        path = workdir / f"revision-{revision.id}-report.gpkg"
        if not write_report_gpkg(report, path):  # no problems: still a GPKG QGIS opens
            gpd.GeoDataFrame({"code": []}, geometry=gpd.GeoSeries([], crs=4326)).to_file(
                path, layer="problems_polygons", driver="GPKG")
    return FileResponse(path, media_type=GPKG,
                        filename=path.name, background=BackgroundTask(_remove, path))


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.parent.rmdir()


@router.get("/revisions/{revision_id}/diff", response_model=PlanDiffOut,
            responses={200: {"content": {GEOJSON: {"schema": DIFF_GEOJSON}},
                             "description": "JSON, or GeoJSON with format=geojson"}},
            summary="What approval would change (JSON; ?format=geojson for a map)")
@router.get("/revisions/{revision_id}/diff.{suffix}", include_in_schema=False)
def get_diff(revision_id: RowId, session: SessionDep, user: MaybeUser,
             suffix: Literal["json", "geojson"] | None = None,
             fmt: Annotated[Literal["json", "geojson"], Query(alias="format")] = "json") -> Any:
    diff = diff_revision(session, _load(session, revision_id, user))
    if (suffix or fmt) == "geojson":
        return GeoJSONResponse(diff_geojson(diff))
    return JSONResponse(diff_json(diff))


@router.get("/revisions/{revision_id}/features", response_model=PlanFeatureCollection,
            response_class=GeoJSONResponse,
            summary="The revision's features as GeoJSON (paged)")
def get_features(revision_id: RowId, request: Request, session: SessionDep, user: MaybeUser,
                 page: PageDep) -> GeoJSONResponse:
    revision = _load(session, revision_id, user)
    frame = frames.frame(session, sa.select(
        PlanFeature.id, PlanFeature.role, PlanFeature.code, PlanFeature.land_use,
        PlanFeature.name_fa, PlanFeature.name_en, PlanFeature.env_group, PlanFeature.network,
        PlanFeature.area_m2, PlanFeature.source_index, frames.wkb(PlanFeature.geom),
    ).where(PlanFeature.revision_id == revision.id).order_by(PlanFeature.id)
     .limit(page.limit + 1).offset(page.offset))
    more = len(frame) > page.limit
    frame = frame.iloc[: page.limit]
    # Counter-clockwise exteriors (RFC 7946 §3.1.6), revisions stored before this included.
    frame = frame.set_geometry(shapely.orient_polygons(frame.geometry.to_numpy()), crs=4326)
    frame["role"] = frame["role"].map(lambda r: getattr(r, "value", r))
    return GeoJSONResponse(collection(frame, request, limit=page.limit, offset=page.offset,
                                      has_more=more))


@router.post("/revisions/{revision_id}/submit", response_model=RevisionPublic,
             summary="Submit a draft without blocking errors for the working group")
def post_submit(revision_id: RowId, user: CurrentUser, session: WriteSessionDep
                ) -> RevisionPublic:
    revision = _load(session, revision_id, user)
    return _revision_public(session, rev.submit(session, revision, user=user))


@router.post("/revisions/{revision_id}/approve", response_model=RevisionPublic,
             summary="Approve and publish a submitted revision (working group)")
def post_approve(revision_id: RowId, decision: Approval, user: CurrentUser,
                 session: WriteSessionDep) -> RevisionPublic:
    revision = _load(session, revision_id, user)
    return _revision_public(session, rev.approve(session, revision, user=user,
                                                 **decision.model_dump()))


@router.post("/revisions/{revision_id}/reject", response_model=RevisionPublic,
             summary="Reject a submitted revision (working group)")
def post_reject(revision_id: RowId, decision: Decision, user: CurrentUser,
                session: WriteSessionDep) -> RevisionPublic:
    revision = _load(session, revision_id, user)
    return _revision_public(session, rev.reject(session, revision, user=user,
                                                **decision.model_dump()))
