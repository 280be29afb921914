"""Every word the map pages show, in Persian and English, in one catalogue.

Code asks for a key (``t("layer.plots", lang)``) and never spells a label itself, so
a label is written once per language and a missing translation is a ``KeyError``
in the tests, not an English word on a Persian page.

Domain values (a plot status, a network, a land use) are looked up with
:func:`label`, which falls back to the stored value for values this catalogue does
not know yet. That fallback is user data: escape it like any other.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["fa", "en"]
LANGS: tuple[Lang, ...] = ("fa", "en")
DEFAULT_LANG: Lang = "fa"

MESSAGES: dict[str, dict[str, str]] = {
    # Page.
    "page.map": {"fa": "نقشه", "en": "Map"},
    "page.zone_fallback": {"fa": "منطقه آزاد", "en": "Free zone"},
    "page.switch_language": {"fa": "English", "en": "فارسی"},
    "page.switch_language_title": {"fa": "نمایش به انگلیسی", "en": "Show in Persian"},
    # Dashboards.
    "dash.title": {"fa": "داشبورد کارگروه", "en": "Working-group dashboard"},
    "dash.as_of": {"fa": "وضعیت در", "en": "As of"},
    "dash.occupancy": {"fa": "اشغال زمین به تفکیک شهرک (هکتار)",
                       "en": "Land occupancy by district (ha)"},
    "dash.district": {"fa": "شهرک", "en": "District"},
    "dash.allocated": {"fa": "واگذارشده", "en": "Allocated"},
    "dash.idle": {"fa": "راکد", "en": "Idle"},
    "dash.reserved": {"fa": "رزروشده", "en": "Reserved"},
    "dash.vacant": {"fa": "خالی", "en": "Vacant"},
    "dash.total": {"fa": "جمع", "en": "Total"},
    "dash.occupied_share": {"fa": "سهم اشغال", "en": "Occupied share"},
    "dash.plots": {"fa": "قطعه", "en": "plots"},
    "dash.map": {"fa": "نقشه", "en": "Map"},
    # Plot page.
    "plot.title": {"fa": "قطعه", "en": "Plot"},
    "plot.details": {"fa": "مشخصات", "en": "Details"},
    "plot.district": {"fa": "شهرک", "en": "District"},
    "plot.status": {"fa": "وضعیت", "en": "Status"},
    "plot.land_use": {"fa": "کاربری", "en": "Land use"},
    "plot.area": {"fa": "مساحت (مترمربع)", "en": "Area (m²)"},
    "plot.coverage": {"fa": "حداکثر سطح اشغال", "en": "Maximum coverage"},
    "plot.far": {"fa": "تراکم ساختمانی", "en": "Floor-area ratio"},
    "plot.versions": {"fa": "نسخه‌ها", "en": "Versions"},
    "plot.valid_from": {"fa": "از", "en": "From"},
    "plot.valid_to": {"fa": "تا", "en": "To"},
    "plot.current": {"fa": "جاری", "en": "current"},
    "plot.lineage": {"fa": "تبار (تفکیک، تجمیع، اصلاح)", "en": "Lineage (split, merge, amend)"},
    "plot.allocation": {"fa": "واگذاری", "en": "Allocation"},
    "plot.investor": {"fa": "سرمایه‌گذار", "en": "Investor"},
    "plot.unit": {"fa": "واحد تولیدی", "en": "Production unit"},
    "plot.start": {"fa": "تاریخ شروع", "en": "Start date"},
    "plot.obligations": {"fa": "تعهدات", "en": "Obligations"},
    "plot.due": {"fa": "مهلت", "en": "Due"},
    "plot.changes": {"fa": "تغییرات ثبت‌شده", "en": "Audited changes"},
    "plot.actor": {"fa": "کاربر", "en": "By"},
    "plot.when": {"fa": "زمان", "en": "When"},
    "plot.reason": {"fa": "دلیل", "en": "Reason"},
    "plot.none": {"fa": "ندارد", "en": "none"},
    # Unit page.
    "unit.title": {"fa": "واحد تولیدی", "en": "Production unit"},
    "unit.isic": {"fa": "کد آیسیک", "en": "ISIC class"},
    "unit.status": {"fa": "وضعیت", "en": "Status"},
    "unit.since": {"fa": "از تاریخ", "en": "Since"},
    "unit.jobs": {"fa": "اشتغال (مجوز / واقعی)", "en": "Jobs (licensed / actual)"},
    "unit.capacity": {"fa": "ظرفیت و تولید در طول زمان", "en": "Capacity and output over time"},
    "unit.period_end": {"fa": "پایان دوره", "en": "Period end"},
    "unit.capacity_series": {"fa": "ظرفیت", "en": "Capacity"},
    "unit.output_series": {"fa": "تولید", "en": "Output"},
    "unit.projects": {"fa": "طرح‌های توسعه", "en": "Expansion projects"},
    "unit.project_kind": {"fa": "نوع", "en": "Kind"},
    "unit.project_status": {"fa": "وضعیت", "en": "Status"},
    "unit.capacity_added": {"fa": "ظرفیت افزوده", "en": "Capacity added"},
    "unit.land_needed": {"fa": "زمین لازم (مترمربع)", "en": "Land needed (m²)"},
    "unit.history": {"fa": "سابقه وضعیت", "en": "Status history"},
    "unit.none": {"fa": "ثبت نشده", "en": "none recorded"},
    # Sign-in.
    "login.title": {"fa": "ورود", "en": "Sign in"},
    "login.username": {"fa": "نام کاربری", "en": "Username"},
    "login.password": {"fa": "گذرواژه", "en": "Password"},
    "login.submit": {"fa": "ورود", "en": "Sign in"},
    "login.failed": {"fa": "نام کاربری یا گذرواژه نادرست است.",
                     "en": "Unknown user or wrong password."},
    # Navigation (every page header).
    "nav.map": {"fa": "نقشه", "en": "Map"},
    "nav.dashboard": {"fa": "داشبورد", "en": "Dashboard"},
    "nav.my": {"fa": "واحدها و درخواست‌های من", "en": "My units and requests"},
    "nav.plans": {"fa": "طرح‌های بارگذاری‌شده", "en": "Plan uploads"},
    "nav.review": {"fa": "کارتابل بررسی", "en": "Review queue"},
    "nav.sign_in": {"fa": "ورود", "en": "Sign in"},
    "nav.sign_out": {"fa": "خروج", "en": "Sign out"},
    # Investor pages (maps/investor_pages.py).
    # Plan upload pages (maps/plan_pages.py).
    # Review queue (maps/review_page.py).
    # Dashboard charts (maps/dashboards.py).
    # Layers (the layer control).
    "layer.protected_areas": {"fa": "مناطق حفاظت‌شده", "en": "Protected areas"},
    "layer.protected_buffers": {"fa": "حریم مناطق حفاظت‌شده", "en": "Protected-area buffers"},
    "layer.zone": {"fa": "محدوده منطقه", "en": "Zone boundary"},
    "layer.districts": {"fa": "شهرک‌ها", "en": "Districts"},
    "layer.expansion_areas": {"fa": "محدوده‌های توسعه", "en": "Expansion areas"},
    "layer.plots": {"fa": "قطعه‌ها", "en": "Plots"},
    "layer.infrastructure": {"fa": "زیرساخت", "en": "Infrastructure"},
    "layer.customs_sites": {"fa": "گزینه‌های محوطه گمرکی", "en": "Customs site candidates"},
    "map.basemap": {"fa": "نقشه پایه", "en": "Basemap"},
    # Plot search.
    "search.placeholder": {"fa": "کد قطعه", "en": "Plot code"},
    "search.submit": {"fa": "جستجو", "en": "Find"},
    "search.not_found": {"fa": "قطعه‌ای با این کد نیست.", "en": "No plot with this code."},
    "search.failed": {"fa": "جستجو انجام نشد؛ دوباره بکوشید.",
                      "en": "The search failed; try again."},
    # Legend.
    "legend.plots": {"fa": "وضعیت قطعه‌ها", "en": "Plot status"},
    "legend.infrastructure": {"fa": "وضعیت زیرساخت", "en": "Infrastructure status"},
    "legend.buffer": {"fa": "حریم", "en": "Buffer"},
    # Field names in tooltips and popups.
    "field.code": {"fa": "کد", "en": "Code"},
    "field.name": {"fa": "نام", "en": "Name"},
    "field.status": {"fa": "وضعیت", "en": "Status"},
    "field.land_use": {"fa": "کاربری", "en": "Land use"},
    "field.area": {"fa": "مساحت", "en": "Area"},
    "field.district": {"fa": "شهرک", "en": "District"},
    "field.decision_ref": {"fa": "مصوبه", "en": "Decision"},
    "field.network": {"fa": "شبکه", "en": "Network"},
    "field.kind": {"fa": "نوع", "en": "Kind"},
    "field.buffer": {"fa": "حریم", "en": "Buffer"},
    # Units.
    "unit.m": {"fa": "متر", "en": "m"},
    "unit.m2": {"fa": "متر مربع", "en": "m²"},
    # Statuses: one namespace for plots, districts, expansion areas, infrastructure and
    # customs sites, so "planned" is translated once.
    "status.planned": {"fa": "برنامه‌ریزی‌شده", "en": "Planned"},
    "status.serviced": {"fa": "آماده‌سازی‌شده", "en": "Serviced"},
    "status.reserved": {"fa": "رزروشده", "en": "Reserved"},
    "status.allocated": {"fa": "واگذارشده", "en": "Allocated"},
    "status.under_construction": {"fa": "در حال ساخت", "en": "Under construction"},
    "status.operating": {"fa": "در حال بهره‌برداری", "en": "Operating"},
    "status.idle": {"fa": "راکد", "en": "Idle"},
    "status.revoked": {"fa": "فسخ‌شده", "en": "Revoked"},
    "status.applied": {"fa": "متقاضی", "en": "Applied"},
    "status.partially_active": {"fa": "نیمه‌فعال", "en": "Partially active"},
    "status.dormant": {"fa": "راکد", "en": "Dormant"},
    "status.terminated": {"fa": "خاتمه‌یافته", "en": "Terminated"},
    "status.expanding": {"fa": "در حال توسعه", "en": "Expanding"},
    "status.complete": {"fa": "تکمیل‌شده", "en": "Complete"},
    "status.proposed": {"fa": "پیشنهادی", "en": "Proposed"},
    "status.approved": {"fa": "مصوب", "en": "Approved"},
    "status.under_development": {"fa": "در دست اجرا", "en": "Under development"},
    "status.candidate": {"fa": "نامزد", "en": "Candidate"},
    "status.chosen": {"fa": "برگزیده", "en": "Chosen"},
    "status.rejected": {"fa": "ردشده", "en": "Rejected"},
    # Land uses (zones.model.plots.LandUse).
    "land_use.industrial": {"fa": "صنعتی", "en": "Industrial"},
    "land_use.warehouse": {"fa": "انبار", "en": "Warehouse"},
    "land_use.services": {"fa": "خدماتی", "en": "Services"},
    "land_use.green": {"fa": "فضای سبز", "en": "Green space"},
    "land_use.road": {"fa": "معبر", "en": "Road"},
    "land_use.utility": {"fa": "تأسیسات", "en": "Utility"},
    "land_use.customs": {"fa": "گمرکی", "en": "Customs"},
    # Infrastructure networks (zones.model.infrastructure.Network).
    "network.road": {"fa": "راه", "en": "Roads"},
    "network.power": {"fa": "برق", "en": "Power"},
    "network.water": {"fa": "آب", "en": "Water"},
    "network.gas": {"fa": "گاز", "en": "Gas"},
    "network.sewer": {"fa": "فاضلاب", "en": "Sewer"},
    "network.stormwater": {"fa": "آب‌های سطحی", "en": "Stormwater"},
    "network.telecom": {"fa": "مخابرات", "en": "Telecom"},
    "network.rail": {"fa": "راه‌آهن", "en": "Railway"},
    "network.fire": {"fa": "آتش‌نشانی", "en": "Fire service"},
    # Infrastructure kinds.
    "kind.substation": {"fa": "پست برق", "en": "Substation"},
    "kind.feeder": {"fa": "فیدر", "en": "Feeder"},
    "kind.main": {"fa": "خط اصلی", "en": "Main"},
    "kind.reservoir": {"fa": "مخزن", "en": "Reservoir"},
    "kind.treatment_plant": {"fa": "تصفیه‌خانه", "en": "Treatment plant"},
    "kind.station": {"fa": "ایستگاه", "en": "Station"},
    "kind.spine": {"fa": "بزرگراه اصلی", "en": "Spine road"},
    "kind.collector": {"fa": "خیابان جمع‌کننده", "en": "Collector road"},
    "kind.local": {"fa": "خیابان محلی", "en": "Local road"},
    "kind.siding": {"fa": "خط فرعی", "en": "Siding"},
    # Protected-area kinds (zones.model.infrastructure.ProtectedKind).
    "protected.wetland": {"fa": "تالاب", "en": "Wetland"},
    "protected.national_park": {"fa": "پارک ملی", "en": "National park"},
    "protected.sea": {"fa": "دریا", "en": "Sea"},
    "protected.river": {"fa": "رودخانه", "en": "River"},
    "protected.settlement": {"fa": "سکونتگاه", "en": "Settlement"},
}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if the pages speak it, else raise ``ValueError`` naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


def t(key: str, lang: str) -> str:
    """The message ``key`` in ``lang`` (``"fa"`` or ``"en"``).

    Raises ``KeyError`` for an unknown key and ``ValueError`` for an unknown language:
    both are programming errors, caught by the tests.

    >>> t("layer.plots", "en")
    'Plots'
    """
    return MESSAGES[key][check_lang(lang)]


def label(group: str, value: object, lang: str) -> str:
    """Label of a domain ``value`` in ``group`` (``status``, ``land_use``, ``network``, ...).

    Unknown values come back as ``str(value)`` unchanged, ``None``/NaN as ``""``: the
    result may be user data and must be escaped before it goes into HTML.

    >>> label("status", "idle", "fa")
    'راکد'
    >>> label("network", "hydrogen", "en")
    'hydrogen'
    """
    if value is None or _is_nan(value):
        return ""
    entry = MESSAGES.get(f"{group}.{value}")
    return entry[check_lang(lang)] if entry else str(value)


def _is_nan(value: object) -> bool:
    """NaN and ``pd.NA`` (missing values in a pandas column) without importing pandas."""
    try:
        return bool(value != value)
    except TypeError:  # pd.NA refuses to be a bool: it is missing too
        return True


def direction(lang: str) -> Literal["rtl", "ltr"]:
    """Writing direction of ``lang``: ``"rtl"`` for Persian, ``"ltr"`` for English."""
    return "rtl" if check_lang(lang) == "fa" else "ltr"


def other_lang(lang: str) -> Lang:
    """The language the page's switch link leads to."""
    return "en" if check_lang(lang) == "fa" else "fa"
