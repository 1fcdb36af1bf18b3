"""The catalogue in the database: import as a whole, versions, edits, demo generation."""

from __future__ import annotations

import pytest
from dispatch_factories import T0, Work, drop_engine, make_engine, make_org

from gridloop.dispatch.domain.catalogue import columns
from gridloop.dispatch.domain.routing import route
from gridloop.dispatch.services import catalogue as svc
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.errors import InvalidInput

HEADER = ",".join(columns())


def good_csv() -> bytes:
    rows = [
        "城乡建设,,310107,310107-FG,310107-CG,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
        "城乡建设,,310107014,310107014,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd",
        "环境保护,,310000,310000,,owner_first,1wd,5wd,5wd,5wd,1wd,1wd",
    ]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


@pytest.fixture
def work(empty_db_url: str):
    engine = make_engine(empty_db_url)
    try:
        yield from _world(engine)
    finally:
        drop_engine(engine)


def _world(engine):
    with Work(engine) as w:
        make_org(w.session)
        svc.seed_categories(w)
        yield w


def test_import_makes_a_new_active_version(work: Work) -> None:
    version = svc.import_catalogue(work, good_csv(), by="admin", now=T0)
    cat = svc.active_catalogue(work.session)
    assert cat.version == version.id and len(cat.rules) == 3
    assert version.created_by == "admin" and len(version.changes["added"]) == 3


def test_bad_import_leaves_active_catalogue_unchanged(work: Work) -> None:
    first = svc.import_catalogue(work, good_csv(), by="admin", now=T0)
    bad = good_csv() + "城乡建设,,310107,NOBODY,,locality_first,1wd,5wd,5wd,5wd,1wd,1wd\n".encode()
    with pytest.raises(InvalidInput) as info:
        svc.import_catalogue(work, bad, by="admin", now=T0)
    assert {e.field for e in info.value.errors} == {"line 5"}
    assert len(info.value.errors) == 2, "unknown unit and overlap with line 2 both reported"
    assert svc.active_catalogue(work.session).version == first.id


def test_export_round_trips_through_import(work: Work) -> None:
    svc.import_catalogue(work, good_csv(), by="admin", now=T0)
    text = svc.export_catalogue(work.session)
    version = svc.import_catalogue(work, text.encode(), by="admin", now=T0)
    assert version.changes == {"added": [], "removed": [], "changed": []}


def test_edit_makes_a_version_and_records_the_change(work: Work) -> None:
    svc.import_catalogue(work, good_csv(), by="admin", now=T0)
    rules = svc.active_catalogue(work.session).rules
    target = next(r for r in rules if r.area_code == "310000")
    from dataclasses import replace

    version = svc.update_rule(work, target.id, replace(target, lead_unit="310101-HB"), by="ops", now=T0)
    assert version.changes["changed"] == ["环境保护×310000"] and version.created_by == "ops"
    assert len(svc.history(work.session)) == 2


def test_edit_creating_overlap_is_refused(work: Work) -> None:
    svc.import_catalogue(work, good_csv(), by="admin", now=T0)
    first = svc.active_catalogue(work.session).rules[0]
    with pytest.raises(InvalidInput):
        svc.add_rule(work, first, by="ops", now=T0)


def test_demo_catalogue_sends_putuo_housing_to_the_district_housing_bureau(work: Work) -> None:
    load_demo_catalogue(work, now=T0)
    cat = svc.active_catalogue(work.session)
    result = route(cat.rules, category="城乡建设", area_codes=["310107014", "310107", "310000"])
    assert result is not None and result.rule.lead_unit == "310107-FG"
    assert result.rule.co_units == ("310107-CG",)
    assert len(cat.rules) == 14, "7 categories × 2 districts"
