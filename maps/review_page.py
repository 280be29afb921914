"""The working group's review queue: plan revisions and allocation requests awaiting a decision.

The page is rendered with everything a reviewer reads (so it works as a list without
JavaScript, and a test can read it); ``review.js`` only acts through the JSON API
(``/revisions/{id}/approve|reject``, ``/requests/{id}/review|reserve|approve|reject``)
and updates the rows from the API's answers. Which controls a row shows depends on the
viewer's role (what the API allows it) and on the row's status (:data:`ACTIONS`); the
script applies the same table when a status changes, so both read one rule.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from maps.assets import mount_url, page_css
from maps.messages import MESSAGES, check_lang, direction, other_lang, t
from maps.pages import _environment
from maps.popups import format_date, format_number

DIFF_KINDS = ("added", "removed", "reshaped", "recoded")
REQUEST_STATUSES = ("submitted", "under_review", "reserved", "approved", "rejected",
                    "withdrawn", "expired")
QUEUED = ("submitted", "under_review", "reserved")
ACTIONS: dict[str, tuple[str, ...]] = {
    # Request action → statuses in which the API accepts it (zones.services.requests.ALLOWED).
    "review": ("submitted", "under_review"),
    "reserve": ("under_review",),
    "choose": ("under_review",),  # pick a matching plot: to reserve, or to approve onto
    "release": ("reserved",),  # free the plot, back to review
    "approve": ("under_review", "reserved"),
    "reject": ("submitted", "under_review", "reserved"),
}
MATCHES_SHOWN = 5
_TEXT_KEYS = ("failed", "choose_plot", "no_matches", "loading", "unscored", "days",
              "done_approved", "done_rejected", "done_reviewed", "done_reserved", "done_released",
              "revision_approved", "revision_rejected", "decision_date", "m2", "score",
              "lottery_done", "lottery_seed")


def _name(row: dict[str, Any], prefix: str, lang: str, fallback: str) -> str:
    first, second = ("fa", "en") if lang == "fa" else ("en", "fa")
    return row.get(f"{prefix}_{first}") or row.get(f"{prefix}_{second}") or fallback


def _criterion(name: str, lang: str) -> str:
    key = f"review.criterion.{name}"
    return t(key, lang) if key in MESSAGES else name


def competing_plots(requests: list[dict[str, Any]]) -> dict[int, list[dict[str, Any]]]:
    """For each request, the plots it wants (preferred or reserved) that others want too.

    Returns ``{request id: [{"plot": "D3/12", "with": [other ids]}]}``, only for requests
    that compete; plots in first-wanted order, rivals oldest first.
    """
    wanted: dict[str, list[int]] = defaultdict(list)
    for r in requests:
        plots = [f"{d}/{c}" for d, c in r.get("preferred_plots") or []]
        if r.get("reserved"):
            plots.append(f"{r['reserved']['district']}/{r['reserved']['code']}")
        for plot in dict.fromkeys(plots):
            wanted[plot].append(r["id"])
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for plot, ids in wanted.items():
        if len(ids) > 1:
            for rid in ids:
                out[rid].append({"plot": plot, "with": [i for i in ids if i != rid]})
    return dict(out)


def _revision_row(r: dict[str, Any], lang: str) -> dict[str, Any]:
    return {"id": r["id"], "number": format_number(r["number"], lang), "title": r["title"],
            "district": _name(r, "district_name", lang, r["district_code"]),
            "district_code": r["district_code"], "uploaded_by": r["uploaded_by"] or "",
            "date": format_date(r["submitted_at"] or r["created_at"], lang),
            "errors": format_number(r["error_count"], lang),
            "warnings": format_number(r["warning_count"], lang),
            "diff": [(k, t(f"review.diff.{k}", lang), format_number(r["diff"].get(k, 0), lang),
                      r["diff"].get(k, 0)) for k in DIFF_KINDS],
            "held": format_number(r.get("held", 0), lang) if r.get("held") else "",
            "retire": r.get("retire", 0),
            "retire_shown": format_number(r.get("retire", 0), lang),
            "retire_codes": r.get("retire_codes") or []}


def _request_row(r: dict[str, Any], competing: list[dict[str, Any]], lang: str,
                 now: dt.datetime) -> dict[str, Any]:
    reserved = r.get("reserved")
    scored = r.get("total_score") is not None
    return {
        "id": r["id"], "ref": format_number(r["id"], lang), "status": r["status"],
        "status_label": t(f"review.status.{r['status']}", lang),
        "investor": _name(r, "investor_name", lang, r["investor_ref"]),
        "investor_ref": r["investor_ref"],
        "purpose": t(f"review.purpose.{r['purpose']}", lang), "isic4": r["isic4"],
        "area": f"{format_number(r['area_min_m2'], lang)}–{format_number(r['area_max_m2'], lang)}"
                f" {t('review.m2', lang)}",
        "score": format_number(r["total_score"], lang, decimals=1) if scored
        else t("review.unscored", lang),
        "scored": scored, "staff_scores": r.get("staff_scores") or {},
        "reserved": (f"{reserved['district']}/{reserved['code']}" if reserved else ""),
        "reserved_until": format_date(reserved["expires_at"], lang) if reserved else "",
        "age": f"{format_number(max(0, (now - r['created_at']).days), lang)} "
               f"{t('review.days', lang)}",
        "since": format_date(r["created_at"], lang),
        "competing": [{"plot": c["plot"], "with": ", ".join(
            f"#{format_number(i, lang)}" for i in c["with"])} for c in competing],
        "shown": {action: r["status"] in statuses for action, statuses in ACTIONS.items()},
    }


def render_review_page(revisions: list[dict[str, Any]], requests: list[dict[str, Any]], *,
                       criteria: list[tuple[str, float]], can_decide: bool, can_review: bool,
                       lang: str = "fa", static_prefix: str = "/static",
                       now: dt.datetime | None = None, root: str = "") -> str:
    """The queue page: ``revisions`` and ``requests`` oldest first, as the router loaded them.

    ``revisions``: dicts with id, number, title, district_code, district_name_fa/en,
    uploaded_by, submitted_at, created_at, error_count, warning_count, ``diff`` (counts by
    kind), ``held`` (held plots the approval would change), ``retire`` and
    ``retire_codes`` (current plots it would retire: shown, and acknowledged on approval).
    ``requests``: dicts with id, status, investor_ref, investor_name_fa/en, purpose, isic4,
    area_min_m2, area_max_m2, total_score (``None`` unscored), staff_scores, reserved
    (``{district, code, expires_at}`` or ``None``), preferred_plots, created_at (UTC).
    ``criteria``: the staff-scored criteria and their maximum points (the review form).
    ``can_decide``: the working group (approve, reject); ``can_review``: staff roles (score,
    reserve).
    """
    check_lang(lang)
    now = now or dt.datetime.now(dt.UTC)
    competing = competing_plots(requests)
    rtl = direction(lang) == "rtl"
    script = {"lang": lang, "locale": "fa-IR" if lang == "fa" else "en-GB",
              "actions": {k: list(v) for k, v in ACTIONS.items()}, "queued": list(QUEUED),
              "matches": MATCHES_SHOWN,
              "status": {s: t(f"review.status.{s}", lang) for s in REQUEST_STATUSES},
              "text": {k: t(f"review.{k}", lang) for k in _TEXT_KEYS}}
    return _environment().get_template("review.html").render(
        root=root, lang=lang, dir=direction(lang), title=t("review.title", lang),
        t=lambda key: t(key, lang), switch_lang=other_lang(lang),
        switch_label=t("page.switch_language", lang), page_css=[*page_css(static_prefix, rtl=rtl),
                  f"{mount_url('maps', static_prefix)}/review.css"],
        revisions=[_revision_row(r, lang) for r in revisions],
        requests=[_request_row(r, competing.get(r["id"], []), lang, now) for r in requests],
        criteria=[(name, _criterion(name, lang), most, format_number(most, lang))
                  for name, most in criteria],
        counts={"revisions": format_number(len(revisions), lang),
                "requests": format_number(len(requests), lang)},
        can_decide=can_decide, can_review=can_review, today=format_date(now.date(), lang),
        script=script, common_js=f"{mount_url('maps', static_prefix)}/zones-page.js",
        page_js=f"{mount_url('maps', static_prefix)}/review.js")
