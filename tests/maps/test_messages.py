"""One catalogue, both languages, every label the map uses."""

from __future__ import annotations

import pytest

from maps.messages import LANGS, MESSAGES, direction, label, other_lang, t
from maps.styles import CUSTOMS_MARKER_COLOURS, INFRA_DASH, NETWORK_COLOURS, PLOT_STATUS_COLOURS


def test_every_message_has_both_languages() -> None:
    # One test over the whole catalogue (not one per key): a failure names every key at
    # fault and what is wrong with it.
    wrong = {}
    for key, texts in sorted(MESSAGES.items()):
        if set(texts) != set(LANGS):
            wrong[key] = f"has languages {sorted(texts)}, not {sorted(LANGS)}"
        elif blank := [lang for lang in LANGS if not texts[lang].strip()]:
            wrong[key] = f"blank in {blank}"
    assert MESSAGES and not wrong, f"messages not complete in both languages: {wrong}"


@pytest.mark.parametrize(
    ("group", "values"),
    [
        ("status", list(PLOT_STATUS_COLOURS)),
        ("status", list(INFRA_DASH)),
        ("status", list(CUSTOMS_MARKER_COLOURS)),
        ("status", ["operating", "expanding", "planned"]),  # districts
        ("network", list(NETWORK_COLOURS)),
    ],
)
def test_every_styled_value_has_a_label(group: str, values: list[str]) -> None:
    for value in values:
        assert f"{group}.{value}" in MESSAGES


def test_persian_labels_are_persian() -> None:
    for key, text in MESSAGES.items():
        if key != "page.switch_language":  # the link to English says "English"
            assert any("\u0600" <= ch <= "\u06ff" for ch in text["fa"]), key


def test_t_refuses_unknown_key_and_language() -> None:
    with pytest.raises(KeyError):
        t("layer.nothing", "fa")
    with pytest.raises(ValueError, match="unsupported language 'ar'"):
        t("layer.plots", "ar")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("idle", "راکد"), ("hydrogen", "hydrogen"), (None, ""), (float("nan"), "")],
)
def test_label_falls_back_to_the_value(value: object, expected: str) -> None:
    assert label("status", value, "fa") == expected


def test_label_of_pandas_missing_value_is_empty() -> None:
    import pandas as pd

    assert label("status", pd.NA, "en") == ""


def test_direction_and_switch() -> None:
    assert (direction("fa"), direction("en")) == ("rtl", "ltr")
    assert (other_lang("fa"), other_lang("en")) == ("en", "fa")


def test_every_domain_value_has_a_label_in_both_languages() -> None:
    # A new enum value in the model must get its Persian label here, or Persian
    # pages would show the raw English key.
    from zones.model.geography import DistrictStatus, ExpansionStatus
    from zones.model.infrastructure import Network, ProtectedKind, SiteStatus, WorkStatus
    from zones.model.plots import LandUse, PlotStatus

    groups = {
        "status": [PlotStatus, DistrictStatus, ExpansionStatus, WorkStatus, SiteStatus],
        "land_use": [LandUse],
        "network": [Network],
        "protected": [ProtectedKind],
    }
    missing = [
        f"{group}.{value}"
        for group, enums in groups.items()
        for enum in enums
        for value in enum
        if f"{group}.{value}" not in MESSAGES
    ]
    assert missing == []
