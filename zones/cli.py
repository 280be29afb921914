"""The ``zones`` command: database, demo data, service, exchange files and invariant checks."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from zones.settings import Settings

app = typer.Typer(help="Geospatial planning for industrial free zones.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


def _engine(settings: Settings | None = None):
    from zones.db import create_engine

    return create_engine(settings or Settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: newest)."""
    from zones.db.migrate import current, upgrade

    settings = Settings()
    engine = _engine(settings)
    upgrade(engine, revision)
    typer.echo(f"{settings.backend}: schema at revision {current(engine)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision."""
    from zones.db.migrate import current

    typer.echo(current(_engine()) or "(empty database)")


@app.command()
def demo(
    plots: Annotated[int | None, typer.Option(help="Generate N plots (benchmarks)")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same data")] = 1405,
    reset: Annotated[bool, typer.Option(help="Delete the SpatiaLite file first")] = False,
) -> None:
    """Build the demo zone (Anzali: districts 1–3, the district-2 expansion, ~210 plots)."""
    import sqlalchemy as sa

    from data.generator import generate
    from zones.db import session_factory, upgrade
    from zones.model import Zone
    from zones.services.loading import load_dataset

    settings = Settings()
    if reset and settings.backend == "spatialite":
        path = Path(sa.make_url(settings.database_url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    engine = _engine(settings)
    upgrade(engine)
    with session_factory(engine, write=True)() as session:
        if session.scalar(sa.select(sa.func.count()).select_from(Zone)):
            typer.echo("demo: the database already holds a zone; nothing to do (use --reset)")
            return
        started = time.perf_counter()
        dataset = generate(seed=seed, plots=plots)
        session.info["actor"] = "system:demo"
        report = load_dataset(session=session, data=dataset, actor="system:demo")
        session.commit()
    typer.echo(f"demo: loaded {report} in {time.perf_counter() - started:.1f} s")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: ZONES_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: ZONES_PORT")] = None,
    workers: Annotated[int | None, typer.Option(help="Default: ZONES_WORKERS")] = None,
    reload: bool = False,
) -> None:
    """Run the web service (uvicorn; several workers share one database)."""
    import uvicorn

    settings = Settings()
    workers = workers or settings.workers
    if workers == 1 and not reload:
        typer.echo("serve: one worker: if it dies, the service stops (use 2 or more so a "
                   "crashed worker is replaced)", err=True)
    if settings.migrate_on_start:
        # Migrate once here, not in each worker's start-up.
        from zones.db import upgrade

        upgrade(_engine(settings))
    uvicorn.run("api.main:app_from_env", factory=True, host=host or settings.host,
                port=port or settings.port, workers=workers,
                reload=reload, root_path=settings.root_path, proxy_headers=True,
                access_log=False)


@app.command("export")
def export(
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write")] = Path("zone.gpkg"),
    fmt: Annotated[str, typer.Option("--format", help="Only gpkg for now")] = "gpkg",
) -> None:
    """Export the zone (all layers and registers) to a GeoPackage."""
    from zones.db import session_factory
    from zones.exchange import read_database, write_gpkg

    if fmt != "gpkg":
        raise typer.BadParameter("only --format gpkg is supported", param_hint="--format")
    with session_factory(_engine())() as session:
        layers = write_gpkg(read_database(session), out)
    typer.echo(f"export: wrote {len(layers)} layers to {out}")


@app.command("import")
def import_(path: Path) -> None:
    """Import a GeoPackage written by `zones export` into this database (one transaction)."""
    from zones.db import session_factory, upgrade
    from zones.errors import ZonesError
    from zones.exchange import read_gpkg
    from zones.services.loading import load_dataset

    engine = _engine()
    upgrade(engine)
    try:
        dataset = read_gpkg(path)
        with session_factory(engine, write=True)() as session, session.begin():
            report = load_dataset(session=session, data=dataset, actor="system:import")
    except ZonesError as exc:
        typer.echo(f"import: refused ({exc.code}): {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"import: loaded {report}")


user_app = typer.Typer(help="User accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="public, investor, consultant, staff, "
                                           "working_group or admin")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                          confirmation_prompt=True,
                                          envvar="ZONES_USER_PASSWORD")],
    investor: Annotated[str | None, typer.Option(help="Investor ref, for investor accounts")]
    = None,
    display_name: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Create a user account (the password is prompted for, or read from ZONES_USER_PASSWORD)."""
    from zones.db import session_factory, upgrade
    from zones.errors import ZonesError
    from zones.model import Role
    from zones.services.users import create_user

    engine = _engine()
    upgrade(engine)
    try:
        with session_factory(engine, write=True)() as session, session.begin():
            session.info["actor"] = "system:cli"
            user = create_user(session=session, username=username, password=password,
                               role=Role(role), display_name=display_name,
                               investor_ref=investor)
            typer.echo(f"user: created {user.username} ({user.role.value})")
    except (ZonesError, ValueError) as exc:
        typer.echo(f"user: refused: {exc}", err=True)
        raise typer.Exit(2) from exc


@user_app.command("token")
def user_token(
    username: str,
    name: Annotated[str, typer.Option(help="What the token is for")] = "cli",
    days: Annotated[int | None, typer.Option(help="Lifetime; none = until revoked")] = None,
) -> None:
    """Issue an API token for USERNAME; it is printed once and stored only hashed."""
    import datetime as dt

    import sqlalchemy as sa

    from zones.db import session_factory
    from zones.model import User
    from zones.services.users import issue_token
    from zones.text import fold

    with session_factory(_engine(), write=True)() as session, session.begin():
        session.info["actor"] = "system:cli"
        user = session.scalar(sa.select(User).where(User.username == fold(username)))
        if user is None:
            typer.echo(f"token: no user {username!r}", err=True)
            raise typer.Exit(2)
        row, text = issue_token(session=session, user=user, name=name,
                                lifetime=dt.timedelta(days=days) if days else None)
    typer.echo(f"token {row.id} for {user.username}: {text}")


@user_app.command("revoke")
def user_revoke(token_id: int) -> None:
    """Revoke API token TOKEN_ID."""
    from zones.db import session_factory
    from zones.model import ApiToken, utcnow

    with session_factory(_engine(), write=True)() as session, session.begin():
        session.info["actor"] = "system:cli"
        token = session.get(ApiToken, token_id)
        if token is None:
            typer.echo(f"revoke: no token {token_id}", err=True)
            raise typer.Exit(2)
        token.revoked_at = token.revoked_at or utcnow()
    typer.echo(f"revoke: token {token_id} revoked")


def _read_options(layer: list[str], column: list[str], crs: str | None,
                  encoding: str | None, swap_axes: bool):
    """``--layer name=role`` and ``--column col=field`` as the readers' options."""
    from zones.uploads.contract import LayerRole, ReadOptions

    def pairs(items: list[str], what: str) -> dict[str, str]:
        if bad := [i for i in items if "=" not in i]:
            raise typer.BadParameter(f"{what} must be NAME=VALUE, got {bad[0]!r}")
        return dict(i.split("=", 1) for i in items)

    try:
        layers = {k: LayerRole(v) for k, v in pairs(layer, "--layer").items()}
    except ValueError as exc:
        raise typer.BadParameter(f"--layer role: {exc}") from exc
    return ReadOptions(layers=layers, columns=pairs(column, "--column"), crs=crs,
                       encoding=encoding, swap_axes=swap_axes)


UploadFile = Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)]
District = Annotated[str, typer.Option(help="District code or number, e.g. 3 or D3")]
Layers = Annotated[list[str], typer.Option("--layer", help="FILE_LAYER=ROLE (repeat)")]
Columns = Annotated[list[str], typer.Option("--column", help="COLUMN=FIELD (repeat)")]
Crs = Annotated[str | None, typer.Option(help="CRS when the file has none, e.g. EPSG:32639")]


@app.command("validate")
def validate_cmd(
    file: UploadFile, district: District, layer: Layers = [], column: Columns = [],  # noqa: B006
    crs: Crs = None, encoding: Annotated[str | None, typer.Option()] = None,
    swap_axes: Annotated[bool, typer.Option()] = False,
    format: Annotated[str, typer.Option(help="json, html or gpkg")] = "json",
    output: Annotated[Path | None, typer.Option(help="Write here (gpkg needs it)")] = None,
    lang: Annotated[str, typer.Option(help="fa or en (html)")] = "fa",
) -> None:
    """Validate FILE against a district; print or write the report; exit 1 on blocking errors."""
    import json

    from maps.upload_report import report_html
    from zones.db import session_factory
    from zones.errors import ZonesError
    from zones.services.revisions import validate_file
    from zones.uploads.report import report_json, write_report_gpkg

    if format not in ("json", "html", "gpkg"):
        raise typer.BadParameter(f"--format must be json, html or gpkg, not {format!r}")
    settings = Settings()
    options = _read_options(layer, column, crs, encoding, swap_axes)
    try:
        with session_factory(_engine(settings))() as session:
            report = validate_file(session, district_code=district, path=file,
                                   filename=file.name, options=options, settings=settings)
    except ZonesError as exc:
        typer.echo(f"validate: refused ({exc.code}): {exc.detail}", err=True)
        raise typer.Exit(2) from exc
    if format == "gpkg":
        if output is None:
            raise typer.BadParameter("--format gpkg needs --output")
        write_report_gpkg(report, output)
    else:
        text = (report_html(report, lang=lang) if format == "html" else
                json.dumps(report_json(report), ensure_ascii=False, indent=2))
        if output is None:
            typer.echo(text)
        else:
            output.write_text(text, encoding="utf-8")
    if report.blocking:
        raise typer.Exit(1)


@app.command("upload")
def upload_cmd(
    file: UploadFile, district: District,
    user: Annotated[str, typer.Option(help="The uploading user's name")],
    layer: Layers = [], column: Columns = [], crs: Crs = None,  # noqa: B006
    encoding: Annotated[str | None, typer.Option()] = None,
    swap_axes: Annotated[bool, typer.Option()] = False,
) -> None:
    """Store FILE as a draft plan revision of a district (the same file twice: same revision)."""
    import sqlalchemy as sa

    from zones.db import session_factory
    from zones.errors import ZonesError
    from zones.model import User
    from zones.services.revisions import create_revision
    from zones.text import fold

    settings = Settings()
    options = _read_options(layer, column, crs, encoding, swap_axes)
    with session_factory(_engine(settings), write=True)() as session:
        account = session.scalar(sa.select(User).where(User.username == fold(user)))
        if account is None:
            typer.echo(f"upload: no user {user!r}", err=True)
            raise typer.Exit(2)
        try:
            revision = create_revision(session, district_code=district, path=file,
                                       filename=file.name, options=options, user=account,
                                       settings=settings)
        except ZonesError as exc:
            typer.echo(f"upload: refused ({exc.code}): {exc.detail}", err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"upload: revision {revision.id} (number {revision.number}, "
               f"{revision.status.value}): {revision.error_count} errors, "
               f"{revision.warning_count} warnings")


@app.command()
def check() -> None:
    """Check the database's invariants; exit 1 on any violation."""
    from zones.db import session_factory
    from zones.services.checks import run_checks

    with session_factory(_engine())() as session:
        violations = run_checks(session)
    for v in violations:
        shown = ", ".join(map(str, v.ids[:20])) + (" …" if len(v.ids) > 20 else "")
        typer.echo(f"FAIL {v.rule}: {v.detail}" + (f" [{shown}]" if shown else ""))
    if violations:
        typer.echo(f"check: {len(violations)} violation(s)")
        sys.exit(1)
    typer.echo("check: all invariants hold")


units_app = typer.Typer(help="Production-unit sheets (docs/units.md).", no_args_is_help=True)
app.add_typer(units_app, name="units")
levies_app = typer.Typer(help="Levies on dormant units (docs/units.md).", no_args_is_help=True)
app.add_typer(levies_app, name="levies")


@units_app.command("import")
def units_import(file: Path, dry_run: Annotated[bool, typer.Option("--dry-run")] = False
                 ) -> None:
    """Import investors and units from a CSV/XLSX sheet; every problem is listed."""
    import datetime as dt

    from zones.db import session_factory
    from zones.errors import ZonesError
    from zones.services.unit_sheets import import_sheets

    settings = Settings()
    with session_factory(_engine(settings), write=True)() as session:
        session.info["actor"] = "system:cli"
        try:
            report = import_sheets(session=session, data=file.read_bytes(), filename=file.name,
                                   dry_run=dry_run, actor_id=None,
                                   today=dt.datetime.now(dt.UTC).date(),
                                   max_bytes=settings.unit_import_max_bytes,
                                   max_rows=settings.unit_import_max_rows)
        except ZonesError as exc:
            for p in exc.extra.get("problems", []):
                typer.echo(f"{p['sheet']} row {p['row']} {p['column']}: {p['code']} "
                           f"({p['message']})", err=True)
            typer.echo(f"units import: refused ({exc.code}): {exc.detail}", err=True)
            raise typer.Exit(2) from exc
        for p in report.problems:
            typer.echo(f"{p.sheet} row {p.row} {p.column}: {p.code} ({p.message})", err=True)
        if report.written:
            session.commit()
    typer.echo(f"units import: rows {report.rows}, created {report.created}, "
               f"updated {report.updated}, {'written' if report.written else 'not written'}")
    if report.problems:
        raise typer.Exit(2)


@levies_app.command("issue")
def levies_issue(year: Annotated[int, typer.Option("--year", help="Jalali year")]) -> None:
    """Issue every due levy for a Jalali year; units skipped are listed with the reason."""
    from zones.db import session_factory
    from zones.services.levies import issue_year

    with session_factory(_engine(), write=True)() as session:
        session.info["actor"] = "system:cli"
        issued, skipped = issue_year(session=session, year=year, actor="system:cli")
        session.commit()
        for levy in issued:
            typer.echo(f"issued {levy.unit.ref} {year}: {levy.amount_rial} rial "
                       f"(tariff v{levy.tariff_version})")
    for ref, reason in skipped.items():
        typer.echo(f"skipped {ref}: {reason}")
    typer.echo(f"levies issue: {len(issued)} issued, {len(skipped)} skipped")


requests_app = typer.Typer(help="Allocation requests (docs/allocation.md).", no_args_is_help=True)
app.add_typer(requests_app, name="requests")


@requests_app.command("expire")
def requests_expire() -> None:
    """Close lapsed reservations and expire requests left undecided past the review window."""
    from zones.db import session_factory
    from zones.services.expiry import expire_due

    settings = Settings()
    with session_factory(_engine(settings), write=True)() as session:
        session.info["actor"] = "system:expiry"
        done = expire_due(session=session, settings=settings)
        session.commit()
    typer.echo(f"requests expire: {done.reservations} reservations closed, "
               f"{done.requests} requests expired")


if __name__ == "__main__":
    app()
