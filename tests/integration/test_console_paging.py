"""Deep list pages read from the position a page link carries (seek paging) and, for a street or a grid on
PostgreSQL, per area unit in index order: whichever way, every page holds exactly the rows of the plain scoped
`ORDER BY … OFFSET … LIMIT` query, for every demo role, sort and direction."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select, update

from tests.web_helpers import login

USERS = ("admin", "supervisor", "dispatcher", "putuo_housing", "putuo_street", "yangpu_housing", "gridworker")
ROLES = (*USERS, "street_gridworker")
SORTS = ("-received_at", "received_at", "due_at", "-due_at", "number", "-updated_at")


def _bulk(container, clock, n: int) -> None:
    from gridloop.cases.tables import CaseRow
    from gridloop.demo.bulk import bulk_demo_cases
    from gridloop.platform.org.tables import UnitRow

    with container.uow() as uow:
        bulk_demo_cases(uow.session, count=n, now=clock.now(), days=30, seed=7)
        uow.commit()
    with container.uow() as uow:  # ties on every sort key: the id must break them the same way everywhere
        s = uow.session
        ids = list(s.scalars(select(CaseRow.id).order_by(CaseRow.id)))
        # a third of the cases in one street's grids, communities and the street itself (several area units)
        street = list(s.scalars(select(UnitRow).where(UnitRow.path.like("/1/90/91/%")).order_by(UnitRow.path)))
        for i, unit in enumerate(street):
            moved = ids[i :: 3 * len(street)]
            s.execute(update(CaseRow).where(CaseRow.id.in_(moved)).values(area_path=unit.path, area_unit_id=unit.id))
        first = s.get(CaseRow, ids[0])
        assert first is not None
        tied = ids[1 : len(ids) : 9]
        s.execute(
            update(CaseRow)
            .where(CaseRow.id.in_(tied))
            .values(received_at=first.received_at, due_at=first.due_at, updated_at=first.updated_at)
        )
        uow.commit()


def _plain(session, actor, f, sort, now) -> list[int]:
    """Every row of the list in its order, by the plain scoped query (the reference)."""
    from gridloop.cases.services import queries
    from gridloop.cases.services.scope import visible_cases
    from gridloop.cases.tables import CaseRow

    col = queries.SORTABLE[sort.lstrip("-")]
    order = col.desc() if sort.startswith("-") else col.asc()
    stmt = select(CaseRow.id).where(visible_cases(actor), *queries._conditions(f, now=now, session=session))
    return list(session.scalars(stmt.order_by(order, CaseRow.id.desc())))


def _actor(session, name):
    from dataclasses import replace

    from gridloop.platform.org.services import org

    if name == "street_gridworker":  # an area role over a street: several area units below it
        return replace(org.actor_for(org.get_user(session, "gridworker")), unit_path="/1/90/91/")
    return org.actor_for(org.get_user(session, name))


@pytest.mark.parametrize("status", [None, ["in_progress", "signed"]])
def test_pages_read_by_position_or_number_are_the_plain_query_for_every_role_and_sort(container, clock, status):
    from gridloop.cases.services import paging, queries
    from gridloop.cases.tables import CaseRow

    _bulk(container, clock, 900)
    now = clock.now()
    f = queries.CaseFilter(status=status)
    per = 7
    with container.uow() as uow:
        s = uow.session
        seen_deep = 0
        for name in ROLES:
            actor = _actor(s, name)
            for sort in SORTS:
                plain = _plain(s, actor, f, sort, now)
                pages = [plain[i : i + per] for i in range(0, len(plain), per)] or [[]]
                seen_deep += len(pages) > 3
                # forward from page 1 by each page's last row; every 5th page also by number (OFFSET)
                seek = None
                walked: list[list[int]] = []
                for n in range(1, len(pages) + 2):
                    rows, _ = queries.list_cases(
                        s, actor, f, now=now, per_page=per, sort=sort, seek=seek, with_total=False
                    )
                    ids = [c.id for c in rows]
                    if not ids:
                        break
                    walked.append(ids)
                    if n % 5 == 0:
                        by_number, _ = queries.list_cases(
                            s, actor, f, now=now, page=n, per_page=per, sort=sort, with_total=False
                        )
                        assert [c.id for c in by_number] == ids, (name, sort, n)
                    seek = paging.parse(paging.token(rows[-1], sort), sort)
                assert walked == [p for p in pages if p], (name, sort)
                # backward from the last page by each page's first row
                last = s.get(CaseRow, plain[-1]) if plain else None
                if last is None:
                    continue
                seek = paging.parse(paging.token(last, sort), sort, backward=True)
                back: list[list[int]] = []
                while seek is not None:
                    rows, _ = queries.list_cases(
                        s, actor, f, now=now, per_page=per, sort=sort, seek=seek, with_total=False
                    )
                    if not rows:
                        break
                    back.append([c.id for c in rows])
                    seek = paging.parse(paging.token(rows[0], sort), sort, backward=True)
                ends = [plain[max(0, i - per) : i] for i in range(len(plain) - 1, 0, -per)]
                assert back == ends, (name, sort)
        assert seen_deep >= 24  # the four area roles, every sort: more than three pages


def test_position_tokens_round_trip_and_bad_ones_fall_back_to_the_page_number(container, clock):
    from gridloop.cases.services import paging
    from gridloop.cases.tables import CaseRow

    _bulk(container, clock, 60)
    with container.uow() as uow:
        case = uow.session.scalars(select(CaseRow).where(CaseRow.due_at.is_(None))).first()
        assert case is not None
        for sort in SORTS:
            seek = paging.parse(paging.token(case, sort), sort)
            assert seek is not None and seek.id == case.id
            assert seek.value == getattr(case, sort.lstrip("-")), sort
    for bad in ("", "x", "12_notadate", "12_2026-01-01T00:00:00", "_5"):
        assert paging.parse(bad, "-received_at") is None, bad


@pytest.mark.parametrize("user", ["supervisor", "gridworker", "admin"])
def test_pager_links_carry_the_position_and_show_the_same_rows_as_page_numbers(app_client, container, clock, user):
    _bulk(container, clock, 600)
    login(app_client, user)
    url = "/cases?per_page=5&sort=-updated_at"
    for n in range(1, 5):
        page = app_client.get(url)
        assert page.status_code == 200
        by_number = app_client.get(f"/cases?per_page=5&sort=-updated_at&page={n}")
        ids = re.findall(r'href="/cases/(\d+)"', page.text)
        assert ids and ids == re.findall(r'href="/cases/(\d+)"', by_number.text), n
        nxt = re.search(r'<a href="(/cases\?[^"]+)" rel="next">', page.text)
        assert nxt is not None, n
        url = unescape(nxt.group(1))
        assert "after=" in url and f"page={n + 1}" in url
    prev = re.search(r'<a href="(/cases\?[^"]+)" rel="prev">', app_client.get(url).text)
    assert prev is not None and "before=" in unescape(prev.group(1))
    back = app_client.get(unescape(prev.group(1)))
    assert re.findall(r'href="/cases/(\d+)"', back.text) == ids  # page 4 again


def test_api_next_after_walks_the_same_pages_as_page_numbers(app_client, container, clock):
    _bulk(container, clock, 300)
    login(app_client, "supervisor")
    params = {"per_page": 9, "sort": "due_at", "status": ["in_progress", "signed", "closed"]}
    after = None
    for n in range(1, 6):
        body = app_client.get("/api/v1/cases", params={**params, **({"after": after} if after else {})}).json()
        by_number = app_client.get("/api/v1/cases", params={**params, "page": n}).json()
        assert [c["id"] for c in body["items"]] == [c["id"] for c in by_number["items"]], n
        assert len(body["items"]) == 9 and body["next_after"]
        after = body["next_after"]
    assert app_client.get("/api/v1/cases", params={"after": "not-a-position"}).status_code == 422
