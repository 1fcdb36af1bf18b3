"""Lists at city scale: totals stop counting past a cap (and say so), and the scope written for reading a page in
index order selects exactly the cases the counting scope selects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web_helpers import login

USERS = ("admin", "supervisor", "dispatcher", "putuo_housing", "putuo_street", "yangpu_housing", "gridworker")


def _bulk(container, clock, n: int = 300) -> None:
    from gridloop.demo.bulk import bulk_demo_cases

    with container.uow() as uow:
        bulk_demo_cases(uow.session, count=n, now=clock.now(), days=30, seed=5)
        uow.commit()


def _actor(session, name):
    from dataclasses import replace

    from gridloop.platform.org.services import org

    if name == "street_gridworker":  # an area role over a street: several area units (grids, communities) below
        return replace(org.actor_for(org.get_user(session, "gridworker")), unit_path="/1/90/91/")
    return org.actor_for(org.get_user(session, name))


def _co_unit_from_putuo_on_a_yangpu_case(container, clock) -> int:
    """A Yangpu case with a Putuo department as active co-unit: Putuo sees it only through the assignment."""
    from gridloop.cases.tables import CaseRow, CaseUnitRow
    from gridloop.platform.org.tables import UnitRow

    with container.uow() as uow:
        s = uow.session
        case = s.scalars(select(CaseRow).where(CaseRow.district_code == "310110").order_by(CaseRow.id)).first()
        dept = s.scalar(select(UnitRow).where(UnitRow.code == "310107-FG"))
        assert case is not None and dept is not None
        s.add(CaseUnitRow(case_id=case.id, unit_id=dept.id, unit_path=dept.path, role="co", active=True,
                          assigned_at=clock.now()))  # fmt: skip
        uow.commit()
        return case.id


def test_scope_read_in_page_order_selects_the_same_cases_as_the_counting_scope(container, clock):
    from gridloop.cases.services.scope import visible_cases, visible_cases_walked
    from gridloop.cases.tables import CaseRow

    _bulk(container, clock)
    shared = _co_unit_from_putuo_on_a_yangpu_case(container, clock)
    with container.uow() as uow:
        for name in USERS:
            actor = _actor(uow.session, name)
            counted = set(uow.session.scalars(select(CaseRow.id).where(visible_cases(actor))))
            walked = set(uow.session.scalars(select(CaseRow.id).where(visible_cases_walked(actor))))
            assert walked == counted, f"{name}: {len(walked ^ counted)} cases differ"
        supervisor = _actor(uow.session, "supervisor")
        assert shared in set(uow.session.scalars(select(CaseRow.id).where(visible_cases_walked(supervisor))))


def test_total_is_exact_up_to_the_cap_and_marked_capped_past_it(container, clock):
    from gridloop.cases.services import queries

    _bulk(container, clock)
    _co_unit_from_putuo_on_a_yangpu_case(container, clock)
    now = clock.now()
    f = queries.CaseFilter()
    with container.uow() as uow:
        for name in ("admin", "supervisor", "putuo_housing"):
            actor = _actor(uow.session, name)
            _, exact = queries.list_cases(uow.session, actor, f, now=now, total_cap=None)
            assert exact and exact >= 1, name
            _, roomy = queries.list_cases(uow.session, actor, f, now=now, total_cap=exact)
            assert roomy == exact and not queries.is_capped(roomy, exact), name
            _, tight = queries.list_cases(uow.session, actor, f, now=now, total_cap=exact - 1)
            assert queries.is_capped(tight, exact - 1), (name, tight, exact)
            _, filtered = queries.list_cases(
                uow.session, actor, queries.CaseFilter(status=["in_progress"]), now=now, total_cap=None
            )
            _, filtered_capped = queries.list_cases(
                uow.session, actor, queries.CaseFilter(status=["in_progress"]), now=now, total_cap=exact
            )
            assert filtered_capped == filtered, name


def test_api_total_says_when_it_is_only_a_lower_bound(app_client, container, clock, monkeypatch):
    from gridloop.cases.services import queries

    _bulk(container, clock, 40)
    monkeypatch.setattr(queries, "TOTAL_CAP", 5)
    login(app_client, "admin")
    body = app_client.get("/api/v1/cases").json()
    assert (body["total"], body["total_exact"]) == (5, False), body["total"]
    few = app_client.get("/api/v1/cases", params={"text": "no such text anywhere"}).json()
    assert (few["total"], few["total_exact"]) == (0, True)


def test_case_list_page_says_more_than_the_cap_in_chinese_and_offers_the_next_page(app_client, container, clock,
                                                                                    monkeypatch):  # fmt: skip
    from gridloop.cases.services import queries

    _bulk(container, clock, 40)
    monkeypatch.setattr(queries, "TOTAL_CAP", 5)
    login(app_client, "admin")
    page = app_client.get("/cases?per_page=10&page=3").text
    assert "超过 5 条" in page
    assert 'rel="next"' in page


@pytest.mark.parametrize("cap", [2])
def test_queue_tab_count_stops_past_the_cap(app_client, container, clock, monkeypatch, cap):
    from gridloop.cases.services import console

    _bulk(container, clock, 200)
    monkeypatch.setattr(console, "QUEUE_COUNT_CAP", cap)
    login(app_client, "dispatcher")
    page = app_client.get("/queue?tab=new").text
    assert f'<span class="count">{cap}+</span>' in page


def test_inbox_lists_are_the_plain_scoped_query_for_every_role(container, clock):
    """The inbox reads each list per status and deadline range (large scopes) or per scope part (small scopes);
    whichever way, each list is exactly the scoped cases of its statuses and deadlines, soonest deadline first."""
    from datetime import timedelta

    from gridloop.cases.services import console
    from gridloop.cases.services.scope import visible_cases
    from gridloop.cases.tables import CaseRow

    _bulk(container, clock, 3000)
    _co_unit_from_putuo_on_a_yangpu_case(container, clock)
    now = clock.now()
    soon = now + timedelta(hours=24)
    at_unit = ["signed", "in_progress"]
    ranges = {
        "to_sign": (["dispatched"], lambda c: True),
        "overdue": (at_unit, lambda c: c.due_at is not None and c.due_at < now),
        "due_soon": (at_unit, lambda c: c.due_at is not None and now <= c.due_at < soon),
        "in_progress": (at_unit, lambda c: c.due_at is None or c.due_at >= soon),
    }
    with container.uow() as uow:
        for name in (*USERS, "street_gridworker"):
            actor = _actor(uow.session, name)
            box = console.inbox(uow.session, actor, now=now, limit=7)
            scoped = list(uow.session.scalars(select(CaseRow).where(visible_cases(actor))).unique())
            for key, (statuses, when) in ranges.items():
                wanted = [c for c in scoped if c.status in statuses and when(c)]
                wanted.sort(key=lambda c: (c.due_at is None, c.due_at or now, c.id))
                got = [c.id for c in getattr(box, key)]
                assert got == [c.id for c in wanted[:7]], (name, key)
            if name in ("admin", "supervisor", "gridworker", "street_gridworker"):  # city, district, grid, street
                assert sum(len(getattr(box, k)) for k in ranges) >= 5, name
