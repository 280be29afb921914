"""Matching: order and explanations on the hand-built district (see conftest)."""

from __future__ import annotations

import uuid

from tests.requests.conftest import ask
from zones.model import DistrictPolicy, EnvGroup, ExpansionKind, RequestPurpose
from zones.services.matching import match
from zones.services.requests import submit


def _submit(session, site, rules, **changes):
    request, _ = submit(session=session, investor=site.inv1, data=ask(**changes),
                        idempotency_key=uuid.uuid4().hex, actor="test", open_max=10)
    session.commit()
    return request


def test_new_unit_ranks_plot_with_complete_power_first(session, site, rules) -> None:
    request = _submit(session, site, rules)
    result = match(session=session, request=request, settings=rules)
    codes = [m.code for m in result.items]
    # 1 is allocated, 6 is far too big: neither is offered.
    assert set(codes) == {"2", "3", "4", "5"}
    assert codes[0] == "4"
    assert codes[-1] == "5"  # no power within 100 m
    power = result.items[0].components["utilities"]["networks"]["power"]
    assert power["status"] == "complete"
    assert 15 < power["distance_m"] < 25
    assert str(power["completion"]) == "2024-05-01"
    planned = next(m for m in result.items if m.code == "2")
    assert planned.components["utilities"]["networks"]["power"]["status"] == "planned"
    assert str(planned.components["utilities"]["networks"]["power"]["completion"]) == "2027-03-01"
    assert planned.components["utilities"]["points"] == 15.0
    assert result.items[0].components["utilities"]["points"] == 30.0
    for m in result.items:
        assert m.score == round(sum(c["points"] for k, c in m.components.items()
                                    if k != "env_group"), 2)
        assert m.components["area_fit"]["points"] == 30.0


def test_polluting_group_refused_inside_wetland_buffer(session, site, rules) -> None:
    request = _submit(session, site, rules, env_group=EnvGroup.D)
    result = match(session=session, request=request, settings=rules)
    assert "5" not in [m.code for m in result.items]
    assert result.excluded["env_buffer"] == 1
    assert all(m.components["env_group"]["buffer_m"] == 1000 for m in result.items)


def test_expansion_ranks_neighbours_by_shared_boundary(session, site, rules) -> None:
    request = _submit(session, site, rules, purpose=RequestPurpose.EXPANSION, unit_ref="U1",
                      expansion_kind=ExpansionKind.MORE_SPACE)
    result = match(session=session, request=request, settings=rules)
    first, second = result.items[:2]
    assert (first.code, second.code) == ("3", "2")
    assert abs(first.adjacent_m - 50) < 1.5 and abs(second.adjacent_m - 40) < 1.5
    assert all(m.adjacent_m == 0 for m in result.items[2:])


def test_expansion_only_district_offers_plots_to_expansions_only(session, site, rules) -> None:
    session.add(DistrictPolicy(district_id=site.district.id, expansion_only=True))
    session.commit()
    new_unit = _submit(session, site, rules)
    assert match(session=session, request=new_unit, settings=rules).items == []
    expansion = _submit(session, site, rules, purpose=RequestPurpose.EXPANSION, unit_ref="U1",
                        expansion_kind=ExpansionKind.NEW_LINE)
    result = match(session=session, request=expansion, settings=rules)
    assert result.items and result.expansion_only_districts == ["D1"]


def test_preferred_plot_earns_preference_points(session, site, rules) -> None:
    request = _submit(session, site, rules, preferred_plots=[("D1", "3")])
    result = match(session=session, request=request, settings=rules)
    by_code = {m.code: m for m in result.items}
    assert by_code["3"].components["preference"]["points"] == 10.0
    assert by_code["2"].components["preference"]["points"] == 0.0
    assert by_code["3"].score > by_code["2"].score
