"""Every asset a map page links is served by us, from npm packages we declare."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from maps import assets
from maps.assets import (
    MAPS_MOUNT,
    STATIC_DIR,
    VENDOR,
    all_assets,
    local_css,
    local_js,
    missing_assets,
    page_css,
)

ROOT = Path(__file__).resolve().parents[2]


def _package_name(vendor_dir: str) -> str:
    parts = vendor_dir.split("/")
    return "/".join(parts[:2]) if parts[0].startswith("@") else parts[0]


def test_no_asset_missing_after_npm_install(node_modules: Path) -> None:
    assert missing_assets(node_modules) == []


def test_every_vendor_file_missing_without_node_modules(tmp_path: Path) -> None:
    missing = missing_assets(tmp_path / "node_modules")

    vendor_files = [a for a in all_assets() if a.mount != MAPS_MOUNT]
    assert len(missing) == len(vendor_files)
    assert "leaflet/dist/leaflet.js" in missing


def _copy_linked_files(node_modules: Path, fake: Path) -> None:
    """Copy only the files pages link, not what their stylesheets load in turn."""
    for asset in all_assets():
        if asset.mount != MAPS_MOUNT:
            target = asset.file(fake)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(asset.file(node_modules), target)


def test_font_a_stylesheet_loads_is_reported_missing(node_modules: Path, tmp_path: Path) -> None:
    fake = tmp_path / "node_modules"
    _copy_linked_files(node_modules, fake)  # Font Awesome's CSS without its webfonts/

    missing = missing_assets(fake)

    assert "@fortawesome/fontawesome-free/webfonts/fa-solid-900.woff2" in missing
    assert "leaflet/dist/images/layers.png" in missing
    assert "leaflet/dist/leaflet.js" not in missing


def test_stylesheet_reference_outside_its_mount_or_host_is_reported(
    node_modules: Path, tmp_path: Path
) -> None:
    fake = tmp_path / "node_modules"
    _copy_linked_files(node_modules, fake)
    leaflet_css = fake / VENDOR["leaflet"] / "leaflet.css"
    leaflet_css.write_text(
        ".a{background:url(../../outside.png)}"
        ".b{background:url('https://cdn.example.org/x.png')}"
        '.c{background:url("data:image/svg+xml,%3csvg%3e")}',
        encoding="utf-8",
    )

    missing = missing_assets(fake)

    assert any("leaves the leaflet mount" in entry for entry in missing)
    assert any("is on another host" in entry for entry in missing)
    assert not any("data:" in entry for entry in missing)


@pytest.mark.parametrize("prefix", ["/static", "/static/", "/zones/assets", ""])
def test_every_url_lives_under_the_static_prefix(prefix: str) -> None:
    base = prefix.rstrip("/")
    urls = [url for _, url in local_js(prefix) + local_css(prefix)] + page_css(prefix, rtl=True)

    for url in urls:
        assert url.startswith((f"{base}/vendor/", f"{base}/maps/")), url
        assert "//" not in url


def test_rtl_pages_use_bootstraps_rtl_build() -> None:
    assert dict(local_css(rtl=True))["bootstrap_css"].endswith("bootstrap.rtl.min.css")
    assert dict(local_css(rtl=False))["bootstrap_css"].endswith("bootstrap.min.css")


def test_persian_font_is_linked_on_rtl_pages_only() -> None:
    assert any("vazirmatn" in url for url in page_css(rtl=True))
    assert not any("vazirmatn" in url for url in page_css(rtl=False))


def test_local_asset_names_match_folium_link_names() -> None:
    # Same names as folium's CDN links, so ours replace them in the page header.
    import folium

    folium_names = {name for name, _ in folium.Map.default_js + folium.Map.default_css}
    ours = {name for name, _ in local_js() + local_css()}
    assert ours - {"awesome_rotate_css"} <= folium_names
    assert folium_names - ours == {"glyphicons_css"}


def test_our_static_files_exist() -> None:
    for asset in all_assets():
        if asset.mount == MAPS_MOUNT:
            assert (STATIC_DIR / asset.path).is_file(), asset.path


def test_unknown_mount_is_refused() -> None:
    with pytest.raises(KeyError, match="unknown asset mount 'cdn'"):
        assets.mount_url("cdn")


def test_vendor_packages_are_exact_npm_dependencies() -> None:
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    dependencies = package["dependencies"]

    assert package["private"] is True
    for vendor_dir in VENDOR.values():
        name = _package_name(vendor_dir)
        version = dependencies[name]
        assert version[0].isdigit(), f"{name} is not pinned exactly: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_node_modules_is_never_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "node_modules/" in ignored
