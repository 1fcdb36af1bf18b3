"""Work pages: the dispatcher's queue, the handling unit's inbox, and the supervisor's operations board."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from gridloop.cases.pages.cases import action_forms
from gridloop.cases.services import board, console, naming, queries, returns
from gridloop.cases.services.board_cache import BoardCache
from gridloop.kernel.org import Role
from gridloop.platform.web.auth import PageActor, require_role
from gridloop.platform.web.deps import DepsDep, PageQuery, UowDep
from gridloop.platform.web.render import has_route, lang_of, render

router = APIRouter(include_in_schema=False)
PER_PAGE = 50


def _dicts(session: Any, rows: list[Any], actor: Any, now: Any) -> list[dict[str, Any]]:
    units = queries.unit_codes(session, rows)
    out = []
    for case in rows:
        d = queries.case_to_dict(case, actor, units=units, now=now, full=False)
        d.update(console.dispatch_suggestion(case))
        d["co_unit_count"] = sum(1 for cu in case.units if cu.active and cu.role == "co")
        out.append(d)
    return out


@router.get("/queue")
def queue_page(
    request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, tab: str = "new", q: str = "", page: PageQuery = 1
) -> Response:
    """New, low-confidence, returned and cross-cutting cases, each with the dispatch form inline."""
    require_role(actor, Role.DISPATCHER)
    threshold = deps.auto_dispatch_threshold
    tab = tab if tab in console.QUEUE_TABS else console.QueueTab.NEW
    now = deps.clock.now()
    page = max(1, min(page, 100_000))
    rows = console.queue(uow.session, actor, tab=tab, threshold=threshold, text=q[:100], page=page, per_page=PER_PAGE)
    counts = console.queue_counts(uow.session, actor, threshold=threshold)
    items = _dicts(uow.session, rows, actor, now)
    ctx = {
        "tab": tab,
        "q": q[:100],
        "page": page,
        "pages": max(1, -(-min(counts[tab], console.QUEUE_COUNT_CAP) // PER_PAGE)),
        # a capped count ("999+"): the pager offers the next page while this one is full
        "more": counts[tab] > console.QUEUE_COUNT_CAP and len(rows) == PER_PAGE,
        "count_cap": console.QUEUE_COUNT_CAP,
        "tabs": console.QUEUE_TABS,
        "counts": counts,
        "items": items,
        "returns": returns.latest_returns(uow.session, [c.id for c in rows if c.status == "return_review"]),
        "targets": console.dispatch_targets(uow.session),
        "now": now,
    }
    ctx["reason"] = naming.reason_teller(
        uow.session, [*(i["suggest_reason"] for i in items), *(i["suggested_unit"] for i in items)],
        lang=lang_of(request),
    )  # fmt: skip
    return render(request, "queue.html", ctx)


@router.get("/inbox")
def inbox_page(request: Request, actor: PageActor, uow: UowDep, deps: DepsDep) -> Response:
    """To sign, overdue, due within a day, in progress: the unit's work, coloured by time left."""
    require_role(actor, Role.HANDLER, Role.GRID_WORKER)
    now = deps.clock.now()
    box = console.inbox(uow.session, actor, now=now)

    def rows(cases: list[Any]) -> list[dict[str, Any]]:
        # what inbox.html shows of a case (up to 400 rows: no units, no dispatch suggestion, no masking needed)
        keys = ("id", "number", "title", "status", "due_at", "supervised")
        return [{k: getattr(c, k) for k in keys} for c in cases]

    sections = [
        ("to_sign", rows(box.to_sign)),
        ("overdue", rows(box.overdue)),
        ("due_soon", rows(box.due_soon)),
        ("in_progress", rows(box.in_progress)),
    ]
    ctx = {"sections": sections, "now": now, "action_forms": action_forms}
    return render(request, "inbox.html", ctx)


#: Simplification of map shapes per level, in metres (coarse shapes for big areas keep the layer small).
TOLERANCE = {"district": 100, "street": 40, "community": 15, "grid": 5}


def _geo_url(level: str, area: board.AreaRef) -> str:
    """The geography layer of the areas below `area` (served by the geography feature when installed)."""
    within = "" if area.is_top else f"&within={area.area_code}"
    return f"/api/v1/geo/{level}?tolerance={TOLERANCE.get(level, 10)}{within}"


@router.get("/board")
def board_page(request: Request, actor: PageActor, uow: UowDep, deps: DepsDep, area: str | None = None) -> Response:
    """KPI cards, open/overdue per area below (map and table), trend with the year before, unit rankings."""
    require_role(actor, Role.SUPERVISOR, Role.ANALYST, Role.DISPATCHER)
    now = deps.clock.now()
    b = board.board(uow.session, actor, now=now, area_code=area, cache=_board_cache(request), tz=deps.tz)
    geo_level = {"city": "district", "district": "street", "street": "community", "community": "grid"}.get(b.area.level)
    has_geo = has_route(request, "/api/v1/geo/district")
    ctx = {
        "b": b,
        "children": [asdict(c) for c in b.children],
        "open_here": _dicts(uow.session, b.open_here, actor, now) if b.open_here else [],
        "geo_url": _geo_url(geo_level, b.area) if has_geo and geo_level else None,
        "tile_url": request.app.state.container.settings.map_tile_url,
        "now": now,
    }
    return render(request, "board.html", ctx)


def _board_cache(request: Request) -> BoardCache[board.Board] | None:
    """The board views reused per scope (GRIDLOOP_BOARD_CACHE_SECONDS; 0 turns it off), made on first use."""
    state = request.app.state
    if not hasattr(state, "board_cache"):
        seconds = state.container.settings.board_cache_seconds
        state.board_cache = BoardCache(ttl_seconds=seconds) if seconds > 0 else None
    cache: BoardCache[board.Board] | None = state.board_cache
    return cache
