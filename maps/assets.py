"""Browser assets of the map pages, all served by this service (no CDN).

Our users sit on a national intranet: a page that asks a CDN for Leaflet renders
as a blank box. So every script, stylesheet, font and image comes from one of two
places, both mounted by the API:

* ``{static_prefix}/vendor/{name}/...`` → ``node_modules / VENDOR[name]``, the npm
  packages declared in ``package.json`` (exact versions, ``package-lock.json``);
* ``{static_prefix}/maps/...`` → :data:`STATIC_DIR`, the few files we write ourselves.

Each mount is a package directory chosen so the relative ``url(...)`` references
inside its stylesheets stay inside the mount (Font Awesome's ``css/all.min.css``
loads ``../webfonts/``, so its mount is the package root, not ``css/``).
:func:`missing_assets` checks both the files we link and those references.

The ``name`` of each :class:`Asset` is the key folium uses for the same link
(``"leaflet"``, ``"leaflet_css"``, ...): folium's header keys links by name, so a
local link replaces the CDN one instead of sitting beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""Our own static files (mounted at ``{static_prefix}/maps``)."""

MAPS_MOUNT = "maps"
"""Mount name of :data:`STATIC_DIR`; it is not a key of :data:`VENDOR`."""

VENDOR: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "jquery": "jquery/dist",
    "bootstrap": "bootstrap/dist",
    "fontawesome": "@fortawesome/fontawesome-free",
    # The 2.0.2 release of lvoogdt/Leaflet.awesome-markers, the one folium links.
    # Its css/ and js/ sit side by side, and the CSS loads images/ next to itself.
    "awesome-markers": "drmonty-leaflet-awesome-markers",
    "vazirmatn": "vazirmatn",
    "chartjs": "chart.js/dist",
    "vectorgrid": "leaflet.vectorgrid/dist",
    "measure": "leaflet-measure/dist",
}
"""URL mount name → directory relative to ``node_modules``."""


@dataclass(frozen=True)
class Asset:
    """One file a page links: ``path`` inside the ``mount`` (a :data:`VENDOR` key or ``maps``)."""

    name: str
    mount: str
    path: str

    def url(self, static_prefix: str = "/static") -> str:
        """URL path of the file, e.g. ``/static/vendor/leaflet/leaflet.js``."""
        return f"{mount_url(self.mount, static_prefix)}/{self.path}"

    def file(self, node_modules: Path) -> Path:
        """Where the file is on disk (under ``node_modules`` or :data:`STATIC_DIR`)."""
        return mount_dir(self.mount, node_modules) / self.path


# Scripts in load order: jQuery and the awesome-markers plugin need Leaflet first.
MAP_JS: tuple[Asset, ...] = (
    Asset("leaflet", "leaflet", "leaflet.js"),
    Asset("jquery", "jquery", "jquery.min.js"),
    Asset("bootstrap", "bootstrap", "js/bootstrap.bundle.min.js"),
    Asset("awesome_markers", "awesome-markers", "js/leaflet.awesome-markers.min.js"),
)

# folium also links Bootstrap 3 glyphicons; they exist on no npm package of Bootstrap 5
# and we only use Font Awesome icons (prefix "fa"), so there is no glyphicons_css here.
_MAP_CSS_COMMON: tuple[Asset, ...] = (
    Asset("leaflet_css", "leaflet", "leaflet.css"),
    Asset("awesome_markers_font_css", "fontawesome", "css/all.min.css"),
    Asset("awesome_markers_css", "awesome-markers", "css/leaflet.awesome-markers.css"),
    Asset("awesome_rotate_css", MAPS_MOUNT, "leaflet.awesome.rotate.css"),
)
_BOOTSTRAP_LTR = Asset("bootstrap_css", "bootstrap", "css/bootstrap.min.css")
_BOOTSTRAP_RTL = Asset("bootstrap_css", "bootstrap", "css/bootstrap.rtl.min.css")

PAGE_CSS = Asset("zones_page_css", MAPS_MOUNT, "zones-map.css")
PERSIAN_FONT_CSS = Asset("vazirmatn_css", "vazirmatn", "Vazirmatn-font-face.css")
CHART_JS = Asset("chartjs", "chartjs", "chart.umd.min.js")
"""Chart.js (UMD build) for the dashboards' charts."""

# Plugins, linked only by the elements that use them; keyed by folium's own link names.
VECTORGRID_JS = Asset("vectorGrid", "vectorgrid", "Leaflet.VectorGrid.bundled.min.js")
"""Leaflet.VectorGrid with its protobuf decoder bundled (folium's VectorGridProtobuf)."""
MEASURE_CSS = Asset("leaflet_measure_css", "measure", "leaflet-measure.css")
_MEASURE_JS = {
    # leaflet-measure ships one build per language, with its labels compiled in.
    "fa": Asset("leaflet_measure_js", "measure", "leaflet-measure.fa.js"),
    "en": Asset("leaflet_measure_js", "measure", "leaflet-measure.en.js"),
}
ZONES_MAP_JS = Asset("zones_map_js", MAPS_MOUNT, "zones-map.js")
"""Our plot popups, tile styling and search box (see :mod:`maps.plot_tiles`)."""

_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)""")


def mount_url(mount: str, static_prefix: str = "/static") -> str:
    """URL path a mount is served at; ``static_prefix`` may be ``""`` (site root)."""
    prefix = static_prefix.rstrip("/")
    if mount == MAPS_MOUNT:
        return f"{prefix}/{MAPS_MOUNT}"
    _check_mount(mount)
    return f"{prefix}/vendor/{mount}"


def mount_dir(mount: str, node_modules: Path) -> Path:
    """Directory a mount serves: :data:`STATIC_DIR` or ``node_modules / VENDOR[mount]``."""
    if mount == MAPS_MOUNT:
        return STATIC_DIR
    _check_mount(mount)
    return Path(node_modules) / VENDOR[mount]


def map_css_assets(*, rtl: bool = False) -> tuple[Asset, ...]:
    """Stylesheets the folium map needs; Bootstrap's RTL build on right-to-left pages."""
    return (*_MAP_CSS_COMMON[:1], _BOOTSTRAP_RTL if rtl else _BOOTSTRAP_LTR, *_MAP_CSS_COMMON[1:])


def page_css_assets(*, rtl: bool = False) -> tuple[Asset, ...]:
    """Stylesheets of our page around the map (loaded after the map's, so they win)."""
    return (PERSIAN_FONT_CSS, PAGE_CSS) if rtl else (PAGE_CSS,)


def local_js(static_prefix: str = "/static") -> list[tuple[str, str]]:
    """``(name, url)`` pairs for a folium element's ``default_js``, all local."""
    return [(asset.name, asset.url(static_prefix)) for asset in MAP_JS]


def local_css(static_prefix: str = "/static", *, rtl: bool = False) -> list[tuple[str, str]]:
    """``(name, url)`` pairs for a folium element's ``default_css``, all local."""
    return [(asset.name, asset.url(static_prefix)) for asset in map_css_assets(rtl=rtl)]


def plugin_js(lang: str) -> tuple[Asset, ...]:
    """Scripts of the plugins (vector tiles, measuring in ``lang``, our map script)."""
    return (VECTORGRID_JS, _MEASURE_JS[lang], ZONES_MAP_JS)


def plugin_css() -> tuple[Asset, ...]:
    """Stylesheets of the plugins."""
    return (MEASURE_CSS,)


def page_css(static_prefix: str = "/static", *, rtl: bool = False) -> list[str]:
    """URLs of the page stylesheets (our layout and, on Persian pages, the Vazirmatn font)."""
    return [asset.url(static_prefix) for asset in page_css_assets(rtl=rtl)]


def all_assets() -> tuple[Asset, ...]:
    """Every file any map page may link, for both text directions, without repeats."""
    seen: dict[tuple[str, str], Asset] = {}
    for rtl in (False, True):
        lang = "fa" if rtl else "en"
        for asset in (*MAP_JS, *map_css_assets(rtl=rtl), *page_css_assets(rtl=rtl), CHART_JS,
                      *plugin_js(lang), *plugin_css()):
            seen.setdefault((asset.mount, asset.path), asset)
    return tuple(seen.values())


def missing_assets(node_modules: Path) -> list[str]:
    """List what the pages reference but the server could not serve; empty when all is there.

    Checks every linked file (:func:`all_assets`) and every ``url(...)`` inside the
    linked stylesheets (fonts, images). A stylesheet reference is also reported when
    it points outside its own mount (the server would answer 404) or to another host
    (our users cannot reach it). ``data:`` URIs and ``#fragment`` references are fine.

    Entries are readable paths relative to ``node_modules`` (or ``maps/static``),
    e.g. ``"leaflet/dist/leaflet.js"``. A missing ``node_modules`` (``npm ci`` not
    run) reports every vendor file.
    """
    node_modules = Path(node_modules)
    missing: list[str] = []
    for asset in all_assets():
        path = asset.file(node_modules)
        if not path.is_file():
            missing.append(_display(asset.mount, asset.path))
        elif asset.path.endswith(".css"):
            missing.extend(_missing_css_references(asset, path, node_modules))
    return missing


def _missing_css_references(asset: Asset, css_file: Path, node_modules: Path) -> list[str]:
    css = css_file.read_text(encoding="utf-8", errors="replace")
    root = mount_dir(asset.mount, node_modules)
    missing = []
    for match in _CSS_URL.finditer(css):
        ref = next(group for group in match.groups() if group is not None).strip()
        if not ref or ref.startswith(("data:", "#")):
            continue
        where = _display(asset.mount, asset.path)
        if re.match(r"^([a-z][a-z0-9+.-]*:|//)", ref, re.IGNORECASE):
            missing.append(f"{where}: url({ref}) is on another host")
            continue
        target = _resolve(PurePosixPath(asset.path).parent, ref.split("?")[0].split("#")[0])
        if target is None:
            missing.append(f"{where}: url({ref}) leaves the {asset.mount} mount")
        elif not (root / target).is_file():
            missing.append(_display(asset.mount, target))
    return sorted(set(missing))


def _resolve(base: PurePosixPath, ref: str) -> str | None:
    """Resolve a relative URL path against ``base``; ``None`` if it climbs above the mount.

    A root-relative ``/x`` is outside the mount too: it means the site root.
    """
    if ref.startswith("/"):
        return None
    parts: list[str] = [p for p in base.parts if p != "."]
    for part in ref.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def _display(mount: str, path: str) -> str:
    if mount == MAPS_MOUNT:
        return f"maps/static/{path}"
    return f"{VENDOR[mount]}/{path}"


def _check_mount(mount: str) -> None:
    if mount not in VENDOR:
        known = ", ".join(sorted(VENDOR))
        raise KeyError(f"unknown asset mount {mount!r}; expected {MAPS_MOUNT!r} or one of: {known}")
