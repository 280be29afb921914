"""Investors, production units, bank facilities and allocations of the demo zone. All [A].

One unit occupies each operating or idle plot. Sector mix, dormancy shares and causes,
jobs and export shares follow the domain brief, section 6.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from zones.text import normalize

# ISIC Rev.4 classes by sector (brief section 6 shares), with a product and its unit.
SECTORS: list[tuple[float, list[tuple[str, str, str, str, str, str]]]] = [
    # share, [(isic4, sector_fa, sector_en, product_fa, product_en, capacity unit)]
    (0.22, [("1020", "فرآوری ماهی و خاویار", "Fish & Caviar Processing", "کنسرو ماهی",
             "canned fish", "t/yr"),
            ("1061", "شالیکوبی", "Rice Milling", "برنج سفید", "white rice", "t/yr"),
            ("1079", "فرآوری چای", "Tea Processing", "چای سیاه", "black tea", "t/yr"),
            ("1040", "روغن نباتی", "Edible Oil", "روغن خوراکی", "edible oil", "t/yr")]),
    (0.06, [("2100", "داروسازی دامی", "Veterinary Pharmaceuticals", "داروی دام و طیور",
             "veterinary drugs", "t/yr")]),
    (0.08, [("2011", "مواد شیمیایی", "Basic Chemicals", "مواد شیمیایی پایه",
             "basic chemicals", "t/yr"),
            ("2023", "شوینده", "Detergents", "پودر شوینده", "detergent", "t/yr")]),
    (0.12, [("2220", "پلاستیک", "Plastics", "لوله پلی‌اتیلن", "PE pipe", "t/yr")]),
    (0.06, [("2392", "مصالح ساختمانی", "Building Materials", "کاشی", "tiles", "m²/yr")]),
    (0.12, [("2511", "سازه فلزی", "Structural Metal", "سازه فلزی", "steel structures",
             "t/yr")]),
    (0.10, [("2710", "تجهیزات برقی", "Electrical Equipment", "تابلو برق", "switchgear",
             "units/yr"),
            ("2610", "قطعات الکترونیکی", "Electronic Components", "برد الکترونیکی",
             "circuit boards", "units/yr")]),
    (0.06, [("2825", "ماشین‌آلات صنایع غذایی", "Food Machinery", "دستگاه بسته‌بندی",
             "packing machines", "units/yr")]),
    (0.06, [("2930", "قطعات خودرو", "Vehicle Parts", "قطعات خودرو", "vehicle parts",
             "units/yr"),
            ("3011", "قایق‌سازی", "Boat Building", "قایق", "boats", "units/yr")]),
    (0.06, [("1610", "چوب", "Sawmilling", "الوار", "sawn timber", "m³/yr"),
            ("3100", "مبلمان", "Furniture", "مبلمان اداری", "office furniture", "units/yr")]),
    (0.06, [("5210", "انبارداری و لجستیک", "Warehousing & Logistics", "خدمات انبار",
             "storage", "m²")]),
]
BRANDS = [("کاسپین", "Caspian"), ("گیلان", "Gilan"), ("انزلی", "Anzali"),
          ("سپیدرود", "Sepidrud"), ("البرز", "Alborz"), ("دریا", "Darya"), ("مهر", "Mehr"),
          ("پارس", "Pars"), ("آریا", "Aria"), ("نوین", "Novin"), ("سبز", "Sabz"),
          ("تابان", "Taban"), ("شمال", "Shomal"), ("آفتاب", "Aftab"), ("نیک", "Nik"),
          ("بهار", "Bahar"), ("ستاره", "Setareh"), ("رازی", "Razi")]
FOREIGN = [("RU", "روسیه", "Volga"), ("RU", "روسیه", "Astrakhan"), ("RU", "روسیه", "Kazan"),
           ("KZ", "قزاقستان", "Aktau"), ("KZ", "قزاقستان", "Atyrau"), ("CN", "چین", "Huaxin"),
           ("CN", "چین", "Shenlong"), ("AZ", "آذربایجان", "Baku Steel"),
           ("TM", "ترکمنستان", "Turkmenbashi"), ("AF", "افغانستان", "Herat Trade")]
BANKS = ["بانک صنعت و معدن", "بانک ملی ایران", "بانک توسعه صادرات", "بانک ملت",
         "بانک صادرات ایران", "بانک توسعه تعاون"]
DORMANCY_CAUSES = ["finance"] * 11 + ["mismanagement"] * 6 + ["technology"] * 6 + \
    ["bureaucracy"] * 5  # 40/20/20/20 % of 28 [S1]

UNIT_COLUMNS = ["ref", "investor_ref", "district_code", "plot_code", "name_fa", "name_en",
                "isic4", "products", "employment_licensed", "employment_actual",
                "establishment_licence_no", "establishment_licence_date",
                "establishment_licence_expiry", "operating_licence_no", "operating_licence_date",
                "env_group", "knowledge_based", "export_share", "investment_rial",
                "investment_usd", "status", "status_since", "dormancy_cause", "can_return"]
INVESTOR_COLUMNS = ["ref", "kind", "name_fa", "name_en", "nationality", "national_id", "email",
                    "phone", "address"]
FACILITY_COLUMNS = ["unit_ref", "bank", "purpose", "amount_rial", "disbursed_rial",
                    "approved_on", "due_on", "status"]
ALLOCATION_COLUMNS = ["district_code", "plot_code", "investor_ref", "unit_ref", "tenure",
                      "status", "start_date", "contract_no"]


def empty_frames() -> dict[str, pd.DataFrame]:
    return {"investors": pd.DataFrame(columns=INVESTOR_COLUMNS),
            "units": pd.DataFrame(columns=UNIT_COLUMNS),
            "bank_facilities": pd.DataFrame(columns=FACILITY_COLUMNS),
            "allocations": pd.DataFrame(columns=ALLOCATION_COLUMNS)}


def _day(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=int(rng.integers(0, (end - start).days)))


def _sector(rng: np.random.Generator) -> tuple[str, str, str, str, str, str]:
    shares = np.array([s for s, _ in SECTORS])
    group = SECTORS[int(rng.choice(len(SECTORS), p=shares / shares.sum()))][1]
    return group[int(rng.integers(len(group)))]


def _owners(rng: np.random.Generator, n_units: int) -> list[int]:
    """Owner index per unit: 8 investors hold 2–3 units, every other investor one."""
    multi = [3, 3, 3, 2, 2, 2, 2, 3]
    owners = [i for i, k in enumerate(multi) for _ in range(k)]
    owners += list(range(len(multi), len(multi) + n_units - len(owners)))
    return list(rng.permutation(owners))


def _investors(rng: np.random.Generator, count: int) -> pd.DataFrame:
    rows = []
    foreign_slots = set(rng.choice(count, size=len(FOREIGN), replace=False).tolist())
    foreign = iter(FOREIGN)
    for i in range(count):
        ref = f"INV-{i + 1:03d}"
        brand_fa, brand_en = BRANDS[i % len(BRANDS)]
        if i in foreign_slots:
            iso, country_fa, name = next(foreign)
            rows.append({"ref": ref, "kind": "legal",
                         "name_fa": f"شرکت مشترک {name} ({country_fa})",
                         "name_en": f"{name} JV", "nationality": iso,
                         "national_id": f"{iso}-{rng.integers(10**7, 10**8)}",
                         "email": f"office{i + 1}@example.com",
                         "phone": f"+98 13 4442 {rng.integers(1000, 9999)}",
                         "address": "منطقه آزاد انزلی"})
        elif rng.random() < 0.2:
            rows.append({"ref": ref, "kind": "natural", "name_fa": f"آقای/خانم {brand_fa} {i + 1}",
                         "name_en": f"{brand_en} {i + 1}", "nationality": "IR",
                         "national_id": f"{rng.integers(10**9, 10**10 - 1):010d}",
                         "email": None, "phone": f"0911{rng.integers(1000000, 9999999)}",
                         "address": "رشت"})
        else:
            rows.append({"ref": ref, "kind": "legal",
                         "name_fa": f"شرکت صنعتی {brand_fa} شماره {i + 1}",
                         "name_en": f"{brand_en} Industrial Co. {i + 1}", "nationality": "IR",
                         "national_id": f"{rng.integers(10**10, 10**11 - 1):011d}",
                         "email": f"info{i + 1}@example.ir",
                         "phone": f"013-4442{rng.integers(1000, 9999)}",
                         "address": "بندر انزلی"})
    frame = pd.DataFrame(rows, columns=INVESTOR_COLUMNS)
    for column in ("name_fa", "address"):
        frame[column] = frame[column].map(normalize)
    return frame


def build(rng: np.random.Generator, plots: pd.DataFrame, today: dt.date
          ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Investors, units, facilities and allocations for the occupied plots in ``plots``."""
    occupied = plots[plots.status.isin(["operating", "idle"])].reset_index(drop=True)
    owners = _owners(rng, len(occupied))
    investors = _investors(rng, max(owners) + 1)
    knowledge_based = set(rng.choice(
        investors.index[investors.nationality == "IR"], size=6, replace=False).tolist())
    dormant_idx = occupied.index[occupied.status == "idle"].tolist()
    causes = dict(zip(dormant_idx, rng.permutation(DORMANCY_CAUSES), strict=True))
    cannot_return = set(rng.choice(dormant_idx, size=len(dormant_idx) // 2,
                                   replace=False).tolist())
    units, facilities, allocations = [], [], []
    for i, plot in occupied.iterrows():
        isic, sec_fa, sec_en, prod_fa, prod_en, cap_unit = _sector(rng)
        brand_fa, brand_en = BRANDS[int(rng.integers(len(BRANDS)))]
        owner = owners[i]
        dormant = i in causes
        ref = f"U-{i + 1:03d}"
        start = _day(rng, dt.date(2005, 1, 1), dt.date(2021, 12, 31))
        licensed = max(3, round(rng.lognormal(np.log(12), 0.75)))
        actual = 0 if dormant and rng.random() < 0.6 else (
            int(licensed * rng.uniform(0.05, 0.3)) if dormant
            else int(licensed * rng.uniform(0.7, 1.1)))
        status = "dormant" if dormant else ("partially_active" if rng.random() < 0.07
                                            else "operating")
        status_since = (_day(rng, dt.date(2018, 1, 1), dt.date(2025, 12, 31)) if dormant
                        else _day(rng, start, dt.date(2024, 12, 31)))
        env = "C" if isic in ("2011", "2023", "2392") else ("B" if isic[0] in "12" else "A")
        units.append({
            "ref": ref, "investor_ref": investors.ref[owner],
            "district_code": plot.district_code, "plot_code": plot.code,
            "name_fa": normalize(f"{sec_fa} {brand_fa} {i + 1}"),
            "name_en": f"{brand_en} {sec_en} {i + 1}", "isic4": isic,
            "products": [{"name_fa": prod_fa, "name_en": prod_en,
                          "capacity": float(round(rng.lognormal(np.log(2000), 0.8), -1)),
                          "unit": cap_unit}],
            "employment_licensed": licensed, "employment_actual": actual,
            "establishment_licence_no": f"JT-{start.year}-{rng.integers(1000, 9999)}",
            "establishment_licence_date": start - dt.timedelta(days=120),
            "establishment_licence_expiry": start + dt.timedelta(days=3 * 365),
            "operating_licence_no": f"PB-{start.year + 2}-{rng.integers(1000, 9999)}",
            "operating_licence_date": start + dt.timedelta(days=int(rng.integers(400, 1000))),
            "env_group": env, "knowledge_based": owner in knowledge_based,
            "export_share": float(round(rng.beta(1.2, 3.5) * 0.8, 2)),
            "investment_rial": int(rng.lognormal(np.log(8e11), 0.9)),
            "investment_usd": (int(rng.lognormal(np.log(2e6), 0.7))
                               if investors.nationality[owner] != "IR" else 0),
            "status": status, "status_since": status_since,
            "dormancy_cause": causes.get(i), "can_return": (i not in cannot_return)
            if dormant else None,
        })
        allocations.append({"district_code": plot.district_code, "plot_code": plot.code,
                            "investor_ref": investors.ref[owner], "unit_ref": ref,
                            "tenure": "lease_to_own" if rng.random() < 0.8 else "lease",
                            "status": "active", "start_date": start,
                            "contract_no": f"AFZ-{start.year}-{i + 1:04d}"})
        if rng.random() < 0.55 or causes.get(i) == "finance":
            amount = int(rng.lognormal(np.log(3e11), 0.8))
            approved = _day(rng, start, dt.date(2024, 6, 30))
            due = approved + dt.timedelta(days=int(rng.integers(720, 1800)))
            overdue = causes.get(i) == "finance" or (due < today and rng.random() < 0.2)
            facilities.append({
                "unit_ref": ref, "bank": BANKS[int(rng.integers(len(BANKS)))],
                "purpose": str(rng.choice(["working_capital", "fixed_investment", "equipment"])),
                "amount_rial": amount, "disbursed_rial": int(amount * rng.uniform(0.5, 1.0)),
                "approved_on": approved, "due_on": due,
                "status": "overdue" if overdue else ("settled" if due < today else "current")})
    return (investors, pd.DataFrame(units, columns=UNIT_COLUMNS),
            pd.DataFrame(facilities, columns=FACILITY_COLUMNS),
            pd.DataFrame(allocations, columns=ALLOCATION_COLUMNS))
