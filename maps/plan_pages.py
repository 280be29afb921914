"""A consultant's plan pages: the revisions list with an upload form, and one revision.

The revision page is rendered with its validation report (the list of problems is HTML a
person and a test can read) and a JSON block the page script draws from: each problem's
location goes on a Leaflet map, the revision's features and its diff are fetched from the
JSON API (``/revisions/{id}/features`` and ``/diff``) with the browser's session.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from maps.assets import MAP_JS, map_css_assets, mount_url, page_css
from maps.messages import check_lang, direction, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number
from maps.upload_report import notice_where
from zones.uploads.contract import FileFormat, LayerRole

SEVERITY_COLOURS = {"error": "#c62828", "warning": "#ef8f00"}
DIFF_KINDS = ("added", "removed", "reshaped", "recoded", "rezoned")
# Where a refused upload went wrong: the problem members the readers fill (file, layer...).
WHERE_KEYS = ("file", "layer", "feature", "row", "entry", "layers")


def _common(lang: str, static_prefix: str, title: str, root: str = "") -> dict[str, Any]:
    rtl = direction(lang) == "rtl"
    return {"root": root, "lang": lang, "dir": direction(lang), "title": title,
            "t": lambda key: t(key, lang), "switch_lang": other_lang(lang),
            "switch_label": t("page.switch_language", lang),
            "page_css": [*page_css(static_prefix, rtl=rtl),
                         f"{mount_url('maps', static_prefix)}/plans.css"]}


def _leaflet(static_prefix: str, rtl: bool) -> tuple[str, str]:
    """URLs of Leaflet's script and stylesheet, the ones the folium maps link (no CDN)."""
    js = next(a for a in MAP_JS if a.name == "leaflet")
    css = next(a for a in map_css_assets(rtl=rtl) if a.name == "leaflet_css")
    return js.url(static_prefix), css.url(static_prefix)


def _district_name(row: dict[str, Any], lang: str) -> str:
    name = row.get("district_name_fa") if lang == "fa" else row.get("district_name_en")
    return name or row.get("district_name_fa") or row["district_code"]


def render_plans_page(revisions: list[dict[str, Any]], districts: list[dict[str, Any]], *,
                      can_upload: bool, can_review: bool = False, lang: str = "fa",
                      static_prefix: str = "/static", root: str = "") -> str:
    """The revisions the viewer may see (newest first) and, for uploaders, the upload form.

    ``revisions``: dicts with id, number, status, district_code, district_name_fa/en,
    uploaded_by, created_at, error_count, warning_count, original_filename.
    ``districts``: dicts with code, name_fa, name_en (the form's district choice).
    """
    check_lang(lang)
    rows = [{"id": r["id"], "number": format_number(r["number"], lang),
             "district": _district_name(r, lang), "status": r["status"],
             "status_label": t(f"plans.status.{r['status']}", lang),
             "uploaded_by": r["uploaded_by"] or "", "date": format_date(r["created_at"], lang),
             "errors": format_number(r["error_count"], lang),
             "warnings": format_number(r["warning_count"], lang),
             "file": r["original_filename"] or ""} for r in revisions]
    choices = [{"code": d["code"], "name": (d["name_fa"] if lang == "fa" else d["name_en"])
                or d["code"]} for d in districts]
    script = {"lang": lang, "locale": "fa-IR" if lang == "fa" else "en-GB",
              "uploadUrl": f"{root}/districts/{{code}}/uploads", "jobUrl": f"{root}/jobs/{{id}}",
              "revisionPage": f"{root}/plans/{{id}}?lang={lang}", "whereKeys": list(WHERE_KEYS),
              "where": {k: t(f"plans.where.{k}", lang) for k in WHERE_KEYS},
              "text": {k: t(f"plans.{k}", lang) for k in ("refused", "failed", "uploading")}}
    return _environment().get_template("plans.html").render(
        **_common(lang, static_prefix, t("plans.title", lang), root), rows=rows,
        districts=choices, can_upload=can_upload, can_review=can_review,
        roles=[(r.value, t(f"plans.role.{r.value}", lang)) for r in LayerRole],
        formats=[f.value for f in FileFormat], script=script,
        common_js=f"{mount_url('maps', static_prefix)}/zones-page.js",
        page_js=f"{mount_url('maps', static_prefix)}/plans.js")


def _problem_rows(report: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    rows = []
    for n, issue in enumerate(report.get("issues") or []):
        extra = issue.get("extra") or {}
        message = issue.get("message") or {}
        feature = issue.get("feature")
        rows.append({"n": n, "code": issue["code"], "severity": issue["severity"],
                     "severity_label": t(f"plans.severity.{issue['severity']}", lang),
                     "message": message.get(lang) or message.get("en") or "",
                     "layer": t(f"plans.role.{issue['layer']}", lang)
                     if issue.get("layer") in set(LayerRole) else issue.get("layer") or "",
                     "feature": "—" if feature is None else format_number(feature, lang),
                     "plot_code": extra.get("code") or extra.get("held_code")
                     or ", ".join(extra.get("plot_codes") or []),
                     "located": issue.get("location") is not None})
    return rows


def render_revision_page(revision: dict[str, Any], report: dict[str, Any], *,
                         can_submit: bool, can_review: bool = False, lang: str = "fa",
                         static_prefix: str = "/static", basemap_url: str | None = None,
                         basemap_attribution: str = "", root: str = "") -> str:
    """One revision: header, a map of its features and problems, the problem list, the diff.

    ``revision``: id, number, status, district_code, district_name_fa/en, uploaded_by,
    created_at, submitted_at (or ``None``), checksum, original_filename, error_count,
    warning_count, decision_ref. ``report``: the stored JSON report
    (:func:`zones.uploads.report.report_json`). ``can_submit`` shows the submit button:
    the caller checked the role; the page still hides it unless the revision is a draft
    without errors.
    """
    check_lang(lang)
    rtl = direction(lang) == "rtl"
    rid = revision["id"]
    title = (f"{t('plans.revision_title', lang)} {format_number(revision['number'], lang)} — "
             f"{_district_name(revision, lang)}")
    created: dt.datetime = revision["created_at"]
    details = [
        (t("plans.district", lang), _district_name(revision, lang)),
        (t("plans.revision", lang), f"{format_number(revision['number'], lang)} (#{rid})"),
        (t("plans.uploaded_by", lang), revision["uploaded_by"] or "—"),
        (t("plans.date", lang), format_date(created, lang)),
        (t("plans.file", lang), revision["original_filename"] or "—"),
        (t("plans.checksum", lang), (revision["checksum"] or "—")[:12]),
    ]
    if revision.get("submitted_at"):
        details.append((t("plans.submitted_at", lang),
                        format_date(revision["submitted_at"], lang)))
    if revision.get("decision_ref"):
        details.append((t("plans.decision", lang), revision["decision_ref"]))
    problems = _problem_rows(report, lang)
    submittable = revision["status"] == "draft" and revision["error_count"] == 0
    leaflet_js, leaflet_css = _leaflet(static_prefix, rtl)
    base = f"{root}/revisions/{rid}"
    script = {
        "lang": lang, "rtl": rtl, "locale": "fa-IR" if lang == "fa" else "en-GB",
        "colours": SEVERITY_COLOURS,
        "problems": [{"n": n, "code": i["code"], "severity": i["severity"],
                      "location": i.get("location")}
                     for n, i in enumerate(report.get("issues") or [])],
        "urls": {"features": f"{base}/features?limit=1000", "diff": f"{base}/diff",
                 "diffGeojson": f"{base}/diff?format=geojson", "submit": f"{base}/submit"},
        "basemap": {"url": basemap_url, "attribution": basemap_attribution
                    or t("map.basemap", lang)} if basemap_url else None,
        "text": {"features": t("plans.features_layer", lang), "diff": t("plans.diff", lang),
                 "failed": t("plans.failed", lang), "submitDone": t("plans.submit_done", lang),
                 "submitted": t("plans.status.submitted", lang),
                 "kinds": {k: t(f"plans.diff.{k}", lang) for k in DIFF_KINDS},
                 "where": {k: t(f"plans.where.{k}", lang) for k in WHERE_KEYS}},
    }
    return _environment().get_template("plan_revision.html").render(
        **_common(lang, static_prefix, title, root), revision_id=rid, details=details,
        status=revision["status"], status_label=t(f"plans.status.{revision['status']}", lang),
        problems=problems, notices=[
            {"code": n["code"], "message": (n.get("message") or {}).get(lang, ""),
             "where": notice_where(n.get("layer"), n.get("extra") or {},
                                  t("plans.where.layer", lang), t("plans.where.feature", lang))}
            for n in report.get("notices") or []],
        error_count=format_number(revision["error_count"], lang),
        warning_count=format_number(revision["warning_count"], lang),
        show_submit=can_submit and submittable,
        blocked=revision["status"] == "draft" and revision["error_count"] > 0,
        can_review=can_review, diff_kinds=[*DIFF_KINDS, "unchanged"], colours=SEVERITY_COLOURS,
        downloads=[(t("plans.report_json", lang), f"{base}/report.json"),
                   (t("plans.report_gpkg", lang), f"{base}/report.gpkg"),
                   (t("plans.report_html", lang), f"{base}/report.html?lang={lang}")],
        script=script, leaflet_js=leaflet_js, leaflet_css=leaflet_css,
        common_js=f"{mount_url('maps', static_prefix)}/zones-page.js",
        page_js=f"{mount_url('maps', static_prefix)}/plan-revision.js")
