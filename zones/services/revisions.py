"""Plan revisions: store an upload as a draft, submit it, and approve or reject it.

Submitting, deciding and storing a generated draft (:func:`create_draft_revision`) work
in the caller's transaction and never commit: each runs in a savepoint, so a failure
undoes all it did (never half a revision or half a publication) and leaves the caller's
transaction usable; the caller commits (an API request's unit of work, a CLI command).
Approval publishes the revision's plots, roads, utilities and customs site at once (see
:func:`approve`).

The named exception is :func:`create_revision`, the upload: it runs in a session of its
own (an upload job's thread, the inline upload's worker thread, ``zones upload``) and
owns its transaction. It commits before parsing the file, so no read snapshot (and on
SpatiaLite no write lock) is held while a large file is read, and commits the stored
revision together with the copy of the file it keeps, so the job that reports the
revision's id reports a committed row.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import shapely
import sqlalchemy as sa
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy.orm import Session

from zones import errors
from zones.db.backend import append_rows, translated_errors
from zones.errors import PlanHasNoPlots
from zones.model import (
    CustomsSite,
    District,
    InfrastructureAsset,
    LandUse,
    LineageKind,
    Network,
    PlanFeature,
    PlanRevision,
    Plot,
    PlotLineage,
    PlotStatus,
    RevisionStatus,
    Role,
    SiteStatus,
    User,
    WorkStatus,
    Zone,
    utcnow,
)
from zones.services.plan_diff import (
    PlanDiff,
    current_plots,
    diff_revision,
    removed_positions,
    retire_warning,
)
from zones.services.plots import create_plot
from zones.settings import Settings
from zones.spatial.measurement import metric_area
from zones.text import fold, normalize
from zones.uploads.contract import Issue, LayerRole, ReadOptions, Report, Severity

Progress = Callable[[int, str], None]


def find_district(session: Session, code: str) -> District:
    """A district by code (``"D3"``, Persian digits folded) or by number (``"3"``)."""
    key = fold(code) or ""
    stmt = sa.select(District).order_by(District.id)
    for district in session.scalars(stmt):
        if fold(district.code) == key or (key.isdigit() and district.number == int(key)):
            return district
    raise errors.DistrictNotFound(f"no district {code!r}", district=code)


def get_revision(session: Session, revision_id: int) -> PlanRevision:
    revision = session.get(PlanRevision, revision_id)
    if revision is None:
        raise errors.RevisionNotFound(f"no plan revision {revision_id}", revision_id=revision_id)
    return revision


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def options_mapping(options: ReadOptions) -> dict[str, Any]:
    """The caller's mapping as canonical JSON-safe data (part of the dedupe key)."""
    return json.loads(json.dumps(asdict(options), sort_keys=True, default=str))


def _dedupe_key(checksum: str, mapping: dict[str, Any]) -> str:
    text = checksum + json.dumps(mapping, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@contextmanager
def _atomic(session: Session) -> Iterator[None]:
    """All or nothing inside the caller's transaction (a savepoint): on failure everything
    done in it is undone and the error re-raised (a database error as a domain error);
    on success nothing is committed: the caller does that."""
    with translated_errors(), session.begin_nested():
        yield


@contextmanager
def _upload_transaction(session: Session) -> Iterator[None]:
    """The upload's own transaction (see the module's note): commit on success; roll back
    everything and re-raise (as a domain error) on failure."""
    try:
        with translated_errors():
            yield
            session.commit()
    except BaseException:
        session.rollback()
        raise


def _read(path: Path, *, filename: str, options: ReadOptions, settings: Settings,
          zone: Zone) -> Any:
    from zones.uploads.reading import read_upload_isolated

    # Parsing runs in a child process with a memory cap: a hostile file cannot take the
    # service down.
    return read_upload_isolated(path, filename=filename, options=options,
                                limits=settings.upload_limits(),
                                zone_extent=tuple(to_shape(zone.boundary).bounds),
                                memory_limit_mb=settings.upload_memory_limit_mb,
                                timeout_s=settings.upload_timeout_s)


def validate_layers(session: Session, district: District,
                    layers: dict[LayerRole, gpd.GeoDataFrame], notices: list[Any]
                    ) -> tuple[Report, dict[str, Any]]:
    """Run the coded validation against the district and return the report and its JSON."""
    from zones.uploads.context import build_context
    from zones.uploads.report import report_json
    from zones.uploads.validation import validate

    context = build_context(session, district_code=district.code)
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    retiring = retirement_issue(session, district, layers, zone.metric_srid)
    report = validate(layers, context, notices=notices)
    report.issues.extend([retiring] if retiring else [])
    return report, report_json(report)


def require_plots(layers: dict[LayerRole, gpd.GeoDataFrame], *, filename: str) -> None:
    """Refuse a plan without plot features: approving it would retire the whole district."""
    plots = layers.get(LayerRole.PLOTS)
    if plots is None or not len(plots):
        raise PlanHasNoPlots(
            f"{filename}: the plan has no plot features; a plan carries every plot of the "
            "district it keeps (an empty plan would retire them all)", file=filename,
            layers={role.value: len(frame) for role, frame in layers.items()})


def _plot_keys(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A revision's plots as the diff sees them once stored: located ones, ``code_key``
    as :func:`_store_features` writes it."""
    geoms = frame.geometry.to_numpy()
    frame = frame[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    codes = _texts(frame["code"].to_numpy(dtype=object) if "code" in frame.columns else None,
                   len(frame), 64)
    return gpd.GeoDataFrame({"code_key": [c.casefold() if c else None for c in codes]},
                            geometry=frame.geometry.to_numpy(), crs=frame.crs)


def retirement_issue(session: Session, district: District,
                     layers: dict[LayerRole, gpd.GeoDataFrame], metric_srid: int
                     ) -> Issue | None:
    """The ``plots_retired`` warning when approving ``layers`` would retire current plots
    (neither kept by code nor recoded on the same land), naming them; else None."""
    plots = layers.get(LayerRole.PLOTS)
    new = _plot_keys(plots) if plots is not None else gpd.GeoDataFrame(
        {"code_key": []}, geometry=[], crs=4326)
    keys = set(new["code_key"])
    if all(k in keys for k in session.scalars(sa.select(Plot.code_key).where(
            Plot.district_id == district.id, Plot.valid_to.is_(None)))):
        return None  # every current plot is carried by code: no geometry to load
    old = current_plots(session, district.id)
    gone = removed_positions(new, old, metric_srid=metric_srid)
    if not gone:
        return None
    codes = [str(old["code"].iloc[j]) for j in gone]
    warning = retire_warning(district.code, codes)
    # Located on the map unless there are very many (the report stays small).
    location = (shapely.geometrycollections(old.geometry.to_numpy()[gone])
                if len(gone) <= 1000 else None)
    return Issue(code="plots_retired", severity=Severity.WARNING,
                 message_en=warning["message_en"], message_fa=warning["message_fa"],
                 layer=LayerRole.PLOTS, feature=None, location=location,
                 extra={"count": len(codes), "plot_codes": codes})


def create_revision(session: Session, *, district_code: str, path: Path, filename: str,
                    options: ReadOptions, user: User | None, settings: Settings,
                    progress: Progress | None = None) -> PlanRevision:
    """Read, validate and store an uploaded file as a draft revision of a district's plan.

    The same file with the same mapping for the same district returns the existing
    revision. Reading happens before any write (a refusal stores nothing); the original
    is then kept as ``settings.upload_dir/<sha256><suffix>``. ``path`` stays the caller's.
    """
    path = Path(path)
    district = find_district(session, district_code)
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    checksum = file_sha256(path)
    mapping = options_mapping(options)
    key = _dedupe_key(checksum, mapping)
    existing = session.scalar(sa.select(PlanRevision).where(
        PlanRevision.district_id == district.id, PlanRevision.dedupe_key == key))
    if existing is not None:
        session.commit()  # the upload's own session: end its read transaction
        return existing
    session.commit()  # release the read snapshot (and SQLite's write lock) while parsing
    result = _read(path, filename=filename, options=options, settings=settings, zone=zone)
    require_plots(result.layers, filename=filename)
    if progress:
        progress(50, "read; validating")
    stored = Path(settings.upload_dir) / f"{checksum}{Path(filename).suffix.lower()[:16]}"
    for attempt in range(3):
        created_file = not stored.exists()
        try:
            with _upload_transaction(session):
                if created_file:
                    stored.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(path, stored)
                revision = _validated_revision(
                    session, district, result.layers, list(result.notices),
                    title=normalize(Path(filename).stem) or filename, user=user,
                    source="upload", mapping=result.mapping or mapping,
                    metric_srid=zone.metric_srid, original_filename=filename[:300],
                    stored_path=str(stored), checksum=checksum, dedupe_key=key,
                    file_format=getattr(result.file_format, "value", None))
            return revision
        except sa.exc.IntegrityError:
            # A concurrent upload took the revision number, or stored this very file.
            if created_file:
                stored.unlink(missing_ok=True)
            existing = session.scalar(sa.select(PlanRevision).where(
                PlanRevision.district_id == district.id, PlanRevision.dedupe_key == key))
            if existing is not None:
                session.commit()  # the upload's own session: end its read transaction
                return existing
            if attempt == 2:
                raise errors.DatabaseBusy("concurrent uploads kept colliding; retry") from None
        except BaseException:
            if created_file:
                stored.unlink(missing_ok=True)
            raise
    raise AssertionError("unreachable")


def create_draft_revision(session: Session, *, district_code: str,
                          layers: dict[LayerRole, gpd.GeoDataFrame], title: str,
                          user: User | None, source: str = "layout") -> PlanRevision:
    """Validate and store generated layers (e.g. a planning layout) as a draft, without a file,
    in the caller's transaction (not committed).

    ``layers`` are EPSG:4326 frames with the mapped plot fields (``code``, ``land_use``…);
    a missing ``source_index`` becomes the row number.
    """
    district = find_district(session, district_code)
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    layers = {role: _with_index(frame) for role, frame in layers.items()}
    require_plots(layers, filename=title)
    with _atomic(session):
        revision = _validated_revision(session, district, layers, [],
                                       title=normalize(title) or source, user=user,
                                       source=source, mapping={},
                                       metric_srid=zone.metric_srid)
    return revision


def _with_index(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if "source_index" in frame.columns:
        return frame
    frame = frame.copy()
    frame["source_index"] = range(len(frame))
    return frame


def _validated_revision(session: Session, district: District,
                        layers: dict[LayerRole, gpd.GeoDataFrame], notices: list[Any], *,
                        title: str, user: User | None, source: str, mapping: dict[str, Any],
                        metric_srid: int, **fields: Any) -> PlanRevision:
    """Validate ``layers`` and store them as a new draft revision, in the caller's transaction.

    The bulk load of the features and the validation overlap: the database stores rows
    on one core while the rules run on the other (at 100k plots each takes about a
    second). So the revision row goes in first, the features stream in from a second
    thread while this one validates, and the report is written last. Only the loading
    thread touches the connection meanwhile; validation reads nothing from the database.
    """
    from zones.uploads.context import build_context
    from zones.uploads.report import report_json
    from zones.uploads.validation import validate

    context = build_context(session, district_code=district.code)
    number = (session.scalar(sa.select(sa.func.max(PlanRevision.number)).where(
        PlanRevision.district_id == district.id)) or 0) + 1
    revision = PlanRevision(
        district_id=district.id, number=number, title=title[:300],
        status=RevisionStatus.DRAFT, source=source, mapping=mapping, report=None,
        error_count=0, warning_count=0,
        uploaded_by_id=None if user is None else user.id, **fields)
    if user is not None:
        session.info.update(actor=user.username, actor_id=user.id)
    retiring = retirement_issue(session, district, layers, metric_srid)
    session.add(revision)
    session.flush()
    _store_features(session, revision.id, layers, metric_srid)
    report = validate(layers, context, notices=notices)
    report.issues.extend([retiring] if retiring else [])
    errors_n = sum(1 for i in report.issues if i.severity is Severity.ERROR)
    revision.report = report_json(report)
    revision.error_count, revision.warning_count = errors_n, len(report.issues) - errors_n
    session.flush()
    return revision


def _text(value: Any, limit: int) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # NaN from pandas
        return None
    text = str(value)
    if not (text.isascii() and text.isprintable() and "  " not in text
            and text == text.strip()):
        text = normalize(text) or ""  # already canonical otherwise: normalize is a no-op
    return text[:limit] if text else None


def _texts(column: np.ndarray | None, n: int, limit: int) -> list[str | None]:
    """:func:`_text` over a column, each distinct value normalised once (land uses,
    networks and groups repeat thousands of times)."""
    if column is None:
        return [None] * n
    seen: dict[Any, str | None] = {}
    out = []
    for value in column:
        try:
            out.append(seen[value])
        except KeyError:
            out.append(seen.setdefault(value, _text(value, limit)))
        except TypeError:  # unhashable: normalise it anyway
            out.append(_text(value, limit))
    return out


_TEXT_FIELDS = {"land_use": 32, "name_fa": 200, "name_en": 200, "env_group": 8, "network": 32}


def _store_features(session: Session, revision_id: int,
                    layers: dict[LayerRole, gpd.GeoDataFrame], metric_srid: int) -> None:
    """Append the revision's features (polygons with their metric area) in one bulk load."""
    values: dict[str, list[Any]] = {c: [] for c in (
        "revision_id", "role", "code", "code_key", *_TEXT_FIELDS, "geom", "area_m2",
        "source_index")}
    for role, frame in layers.items():
        geoms = frame.geometry.to_numpy()
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))  # reported by validation
        if not keep.any():
            continue
        rows = frame[keep]
        # Exteriors counter-clockwise (RFC 7946 §3.1.6): files are oriented and reported
        # when read; this covers generated layouts too.
        geoms = shapely.orient_polygons(shapely.force_2d(geoms[keep]))
        n = len(geoms)
        polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
        areas = metric_area(geoms, metric_srid)

        def column(field: str, rows: gpd.GeoDataFrame = rows) -> np.ndarray | None:
            return rows[field].to_numpy(dtype=object) if field in rows.columns else None

        codes = _texts(column("code"), n, 64)
        values["revision_id"] += [revision_id] * n
        values["role"] += [role.value] * n
        values["code"] += codes
        # fold() is normalize() then casefold(); the codes are normalised already.
        values["code_key"] += [c.casefold() if c else None for c in codes]
        for field, limit in _TEXT_FIELDS.items():
            values[field] += _texts(column(field), n, limit)
        values["geom"] += list(geoms)
        values["area_m2"] += [float(a) if p else None for a, p in zip(areas, polygonal,
                                                                       strict=True)]
        source = column("source_index")
        values["source_index"] += ([None] * n if source is None else
                                   [None if v is None else int(v) for v in source])
    if values["geom"]:
        append_rows(session, cast(sa.Table, PlanFeature.__table__),
                    cast(dict[str, Sequence[Any]], values), geometry="geom")


def submit(session: Session, revision: PlanRevision, *, user: User) -> PlanRevision:
    """Draft → submitted, only without blocking errors; by the uploader or staff and up."""
    if user.role is Role.CONSULTANT and revision.uploaded_by_id != user.id:
        raise errors.RevisionNotFound(f"no plan revision {revision.id}", revision_id=revision.id)
    if user.role not in (Role.CONSULTANT, Role.STAFF, Role.WORKING_GROUP, Role.ADMIN):
        raise errors.Forbidden(f"role {user.role.value} may not submit plan revisions")
    _require_status(revision, RevisionStatus.DRAFT, RevisionStatus.SUBMITTED)
    if revision.error_count:
        raise errors.RevisionHasErrors(
            f"revision {revision.id} has {revision.error_count} blocking errors; fix and "
            "upload again", revision_id=revision.id, error_count=revision.error_count)
    with _atomic(session):
        session.info.update(actor=user.username, actor_id=user.id, reason="submit")
        revision.status = RevisionStatus.SUBMITTED
        revision.submitted_by_id = user.id
        revision.submitted_at = utcnow()
        session.flush()
    return revision


def _require_status(revision: PlanRevision, need: RevisionStatus, to: RevisionStatus) -> None:
    if revision.status is not need:
        raise errors.RevisionTransitionForbidden(
            f"revision {revision.id} is {revision.status.value}; only a {need.value} revision "
            f"can become {to.value}", revision_id=revision.id, status=revision.status.value)


def check_decider(revision: PlanRevision, user: User) -> None:
    """Only the working group decides, and never on a revision the same person uploaded."""
    if user.role is not Role.WORKING_GROUP:
        raise errors.ApprovalForbidden(f"role {user.role.value} may not decide on plan revisions",
                                role=user.role.value)
    if user.id in (revision.uploaded_by_id,):
        raise errors.OwnRevisionApproval("you uploaded this revision; another member must decide",
                                  revision_id=revision.id)


def reject(session: Session, revision: PlanRevision, *, user: User, decision_ref: str,
           comments: str | None = None) -> PlanRevision:
    """Submitted → rejected by the working group, with the decision reference."""
    check_decider(revision, user)
    _require_status(revision, RevisionStatus.SUBMITTED, RevisionStatus.REJECTED)
    with _atomic(session):
        session.info.update(actor=user.username, actor_id=user.id, reason=decision_ref)
        _decide(revision, RevisionStatus.REJECTED, user, decision_ref, comments)
        session.flush()
    return revision


def _decide(revision: PlanRevision, status: RevisionStatus, user: User, decision_ref: str,
            comments: str | None) -> None:
    revision.status = status
    revision.decided_by_id = user.id
    revision.decided_at = utcnow()
    revision.decision_ref = normalize(decision_ref)
    revision.comments = normalize(comments)


def approve(session: Session, revision: PlanRevision, *, user: User, decision_ref: str,
            comments: str | None = None, retire_count: int | None = None) -> PlanRevision:
    """Submitted → approved: publish the revision as the district's current plan, atomically.

    Plots that disappear get ``valid_to``; reshaped and recoded plots become new versions
    linked by :class:`~zones.model.PlotLineage` (``amend``); roads and utilities become
    planned infrastructure and a customs site a candidate; the previous approved revision
    is superseded, with what it planned and nobody started. A held plot that would change
    refuses the whole approval (``held_plot_would_change``); so does a ``retire_count`` that
    is not the number of current plots the approval retires (``retirement_not_acknowledged``;
    ``None`` is accepted only when it retires none). Any failure rolls everything back.
    """
    check_decider(revision, user)
    _require_status(revision, RevisionStatus.SUBMITTED, RevisionStatus.APPROVED)
    with _atomic(session):
        session.info.update(actor=user.username, actor_id=user.id, reason=decision_ref)
        publish(session, revision, retire_count=retire_count)
        for previous in session.scalars(sa.select(PlanRevision).where(
                PlanRevision.district_id == revision.district_id,
                PlanRevision.status == RevisionStatus.APPROVED,
                PlanRevision.id != revision.id)):
            previous.status = RevisionStatus.SUPERSEDED
            _withdraw_planned(session, revision.district_id, previous.number)
        _decide(revision, RevisionStatus.APPROVED, user, decision_ref, comments)
        session.flush()
    return revision


def _withdraw_planned(session: Session, district_id: int, number: int) -> None:
    """What a superseded revision planned and nobody started goes with it: its roads and
    utilities still ``planned`` are deleted (audited), its candidate customs sites rejected.
    Works under construction or complete stay: they exist on the ground."""
    district = session.get(District, district_id)
    assert district is not None
    for asset in session.scalars(sa.select(InfrastructureAsset).where(
            InfrastructureAsset.district_id == district_id,
            InfrastructureAsset.kind == f"plan_r{number}",
            InfrastructureAsset.status == WorkStatus.PLANNED)):
        session.delete(asset)
    for site in session.scalars(sa.select(CustomsSite).where(
            CustomsSite.code.startswith(f"{district.code}-R{number}-", autoescape=True),
            CustomsSite.status == SiteStatus.CANDIDATE)):
        site.status = SiteStatus.REJECTED


# --- publication ---------------------------------------------------------------------


def publish(session: Session, revision: PlanRevision, *, retire_count: int | None = None
            ) -> PlanDiff:
    """Make ``revision`` the district's current plan inside the caller's transaction.

    ``retire_count`` must equal the number of current plots it retires without a
    successor (the diff's ``removed``); ``None`` stands for zero.

    Old versions are retired (``valid_to``) and flushed *before* their successors are
    inserted, so the database's overlap trigger never sees both as current.
    """
    district = session.get(District, revision.district_id)
    assert district is not None
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    diff = diff_revision(session, revision)
    if diff.held_changes:
        raise errors.HeldPlotWouldChange(
            f"{len(diff.held_changes)} held plot(s) would change; carry them over unchanged",
            plots=diff.warnings)
    if (retire_count or 0) != diff.retire_count:
        codes = [c.code for c in diff.removed]
        raise errors.RetirementNotAcknowledged(
            f"approving revision {revision.id} retires {diff.retire_count} current plot(s); "
            f"send retire_count={diff.retire_count} to confirm (received {retire_count})",
            retire_count=diff.retire_count, received=retire_count, plot_codes=codes)
    features = {f.id: f for f in session.scalars(sa.select(PlanFeature).where(
        PlanFeature.revision_id == revision.id))}
    now = utcnow()
    replaced = {c.plot_id: c for c in diff.reshaped + diff.recoded}
    retired = [c.plot_id for c in diff.removed] + list(replaced)
    old_plots = {p.id: p for p in session.scalars(sa.select(Plot).where(Plot.id.in_(retired)))}
    for plot in old_plots.values():
        plot.valid_to = now
    with translated_errors():
        session.flush()
    for change in diff.rezoned:
        rezoned = session.get(Plot, change.plot_id)
        assert rezoned is not None and change.feature_id is not None
        rezoned.land_use = _land_use(features[change.feature_id])
        rezoned.plan_revision_id = revision.id
    for change in diff.added + diff.reshaped + diff.recoded:
        assert change.feature_id is not None  # added, reshaped and recoded have a feature
        parent = old_plots.get(change.plot_id) if change.plot_id else None
        child = _publish_plot(session, district, revision, features[change.feature_id],
                              status=parent.status if parent else PlotStatus.PLANNED)
        if parent is not None:
            session.add(PlotLineage(parent_id=parent.id, child_id=child.id,
                                    kind=LineageKind.AMEND, plan_revision_id=revision.id))
    _publish_infrastructure(session, district, revision, list(features.values()))
    with translated_errors():
        session.flush()
    return diff


def _land_use(feature: PlanFeature) -> LandUse:
    if feature.land_use is None:
        return LandUse.INDUSTRIAL
    try:
        return LandUse(fold(feature.land_use) or "")
    except ValueError:
        raise errors.PublicationInvalid(
            f"plot {feature.code}: land use {feature.land_use!r} is not one of "
            f"{[u.value for u in LandUse]}", feature=feature.source_index,
            land_use=feature.land_use) from None


def _polygon(feature: PlanFeature) -> shapely.Polygon:
    geom = to_shape(feature.geom)
    if isinstance(geom, shapely.MultiPolygon) and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if not isinstance(geom, shapely.Polygon):
        raise errors.PublicationInvalid(f"{feature.role.value} feature {feature.source_index} is a "
                                 f"{geom.geom_type}, not one polygon",
                                 feature=feature.source_index, role=feature.role.value)
    return geom


def _publish_plot(session: Session, district: District, revision: PlanRevision,
                  feature: PlanFeature, *, status: PlotStatus) -> Plot:
    return create_plot(session=session, district=district, code=feature.code or "",
                       geometry=shapely.orient_polygons(_polygon(feature)),
                       land_use=_land_use(feature), status=status,
                       name_fa=feature.name_fa, name_en=feature.name_en,
                       plan_revision_id=revision.id)


def _publish_infrastructure(session: Session, district: District, revision: PlanRevision,
                            features: list[PlanFeature]) -> None:
    """Roads and utilities become planned assets; a customs site a candidate site."""
    sites = 0
    for feature in features:
        if feature.role in (LayerRole.ROADS, LayerRole.UTILITIES):
            session.add(InfrastructureAsset(
                zone_id=district.zone_id, district_id=district.id,
                network=_network(feature), kind=f"plan_r{revision.number}",
                name_fa=feature.name_fa, name_en=feature.name_en or feature.code,
                status=WorkStatus.PLANNED, geom=feature.geom))
        elif feature.role is LayerRole.CUSTOMS_SITE:
            sites += 1
            session.add(CustomsSite(
                zone_id=district.zone_id, code=f"{district.code}-R{revision.number}-{sites}",
                name_fa=feature.name_fa or f"سایت گمرکی پیشنهادی {district.code}",
                name_en=feature.name_en or f"Proposed customs site {district.code}",
                status=SiteStatus.CANDIDATE, area_m2=feature.area_m2 or 0.0,
                geom=from_shape(_polygon(feature), srid=4326)))


def _network(feature: PlanFeature) -> Network:
    if feature.role is LayerRole.ROADS:
        return Network.ROAD
    try:
        return Network(fold(feature.network) or "")
    except ValueError:
        raise errors.PublicationInvalid(
            f"utility feature {feature.source_index}: network {feature.network!r} is not one "
            f"of {[n.value for n in Network]}", feature=feature.source_index) from None


def report_from_json(data: dict[str, Any]) -> Report:
    """Rebuild a stored report (``PlanRevision.report``) to render it as HTML or GeoPackage."""
    from zones.uploads.contract import Issue, Notice

    issues = [Issue(code=i["code"], severity=Severity(i["severity"]),
                    message_en=i["message"]["en"], message_fa=i["message"]["fa"],
                    layer=LayerRole(i["layer"]), feature=i["feature"],
                    location=None if i["location"] is None
                    else shapely.from_geojson(json.dumps(i["location"])),
                    extra=i.get("extra") or {})
              for i in data.get("issues", [])]
    notices = [Notice(code=n["code"], message_en=n["message"]["en"],
                      message_fa=n["message"]["fa"], layer=n.get("layer"), count=n.get("count"),
                      extra=n.get("extra") or {})
               for n in data.get("notices", [])]
    return Report(issues=issues, counts=dict(data.get("counts", {}).get("features", {})),
                  notices=notices)


def validate_file(session: Session, *, district_code: str, path: Path, filename: str,
                  options: ReadOptions, settings: Settings) -> Report:
    """Read and validate a file against a district without storing anything (``zones validate``).

    The same reading and rules as an upload, so the report is the one the API stores.
    """
    district = find_district(session, district_code)
    zone = session.get(Zone, district.zone_id)
    assert zone is not None
    result = _read(Path(path), filename=filename, options=options, settings=settings, zone=zone)
    require_plots(result.layers, filename=filename)
    report, _data = validate_layers(session, district, result.layers, list(result.notices))
    return report
