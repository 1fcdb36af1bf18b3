"""The demo city: Shanghai's 16 districts, generated streets/communities/grids, departments, users for every
role, categories, and a few thousand generated cases spread over every lifecycle state.

Everything generated here is demo data (units carry is_demo); it needs nothing from ../shared.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.cases.services import Channel, RequestType, Status
from gridloop.cases.services.intake import NewCase, create_case
from gridloop.cases.services.lifecycle import ActionRequest, perform
from gridloop.dispatch.services.catalogue import DEFAULT_CATEGORIES
from gridloop.kernel.events import CaseReceived
from gridloop.kernel.org import Actor, Level, Role, UnitKind
from gridloop.platform.db.uow import UnitOfWorkFactory
from gridloop.platform.deps import ServiceDeps
from gridloop.platform.org.services import org
from gridloop.platform.org.tables import UnitRow, UserRow

DEMO_PASSWORD = "gridloop-demo"  # noqa: S105  (printed at start; demo only)

DISTRICTS: list[tuple[str, str]] = [
    ("310101", "黄浦区"),
    ("310104", "徐汇区"),
    ("310105", "长宁区"),
    ("310106", "静安区"),
    ("310107", "普陀区"),
    ("310109", "虹口区"),
    ("310110", "杨浦区"),
    ("310112", "闵行区"),
    ("310113", "宝山区"),
    ("310114", "嘉定区"),
    ("310115", "浦东新区"),
    ("310116", "金山区"),
    ("310117", "松江区"),
    ("310118", "青浦区"),
    ("310120", "奉贤区"),
    ("310151", "崇明区"),
]


#: District departments: code suffix, name, the category they lead on.
DISTRICT_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("FG", "房管局", "城乡建设"),
    ("HB", "生态环境局", "环境保护"),
    ("JT", "交通委", "交通运输"),
    ("WJ", "卫健委", "卫生计生"),
    ("JY", "教育局", "教育文体"),
    ("RS", "人社局", "劳动和社会保障"),
    ("SW", "商务委", "商贸旅游"),
    ("CG", "城管执法局", "城乡建设"),
]

CITY_DEPARTMENTS: list[tuple[str, str]] = [
    ("310000-ZJ", "市住房城乡建设管理委"),
    ("310000-HB", "市生态环境局"),
    ("310000-JT", "市交通委"),
    ("310000-WJ", "市卫生健康委"),
    ("310000-JY", "市教委"),
    ("310000-RS", "市人力资源社会保障局"),
    ("310000-SW", "市商务委"),
]

TEMPLATES: dict[str, list[str]] = {
    "城乡建设": [
        "{p}小区楼道墙面开裂渗水，物业一直不处理",
        "{p}附近道路破损坑洼，雨天积水严重",
        "{p}小区加装电梯进度缓慢，希望加快",
        "{p}有人私搭乱建违章建筑，影响消防通道",
    ],
    "环境保护": [
        "{p}河道发黑发臭，夏天气味很大",
        "{p}工地夜间施工噪音扰民，凌晨还在作业",
        "{p}餐饮店油烟直排，居民无法开窗",
        "{p}垃圾分类点满溢，长时间无人清运",
    ],
    "交通运输": [
        "{p}路口红绿灯故障，车辆乱行很危险",
        "{p}共享单车大量堆放占用人行道",
        "{p}公交站取消后出行不便，希望恢复",
        "{p}地铁站出口违法停车严重",
    ],
    "卫生计生": [
        "{p}社区卫生服务中心配药难，希望增加药品",
        "{p}附近诊所无证行医，请核查",
        "{p}家庭医生签约后联系不上",
        "{p}疫苗接种预约系统打不开",
    ],
    "教育文体": [
        "{p}学校周边交通拥堵，接送孩子不安全",
        "{p}社区文化活动室长期关闭",
        "{p}幼儿园入园登记政策咨询",
        "{p}健身苑点器材损坏无人维修",
    ],
    "劳动和社会保障": [
        "公司拖欠工资三个月，地址在{p}",
        "{p}退休人员养老金调整政策咨询",
        "{p}灵活就业人员社保缴费问题",
        "{p}用人单位不签劳动合同",
    ],
    "商贸旅游": [
        "{p}菜市场缺斤少两，希望加强监管",
        "{p}商场预付卡商家跑路无法退款",
        "{p}景区周边黑车拉客",
        "{p}网购商品质量问题投诉",
    ],
}

PLACES = ["长寿路", "曹杨新村", "五角场", "南京东路", "徐家汇", "陆家嘴", "中山公园", "七宝", "大宁", "虹桥"]

STREETS_PER_DISTRICT = 3
COMMUNITIES_PER_STREET = 2
GRIDS_PER_COMMUNITY = 2


@dataclass(frozen=True)
class DemoLogin:
    """A demo account to print at start."""

    username: str
    role: str
    unit: str


def simple_areas(session: Session, *, now: datetime) -> list[UnitRow]:
    """Codes and names only (no geometry): the city, 16 districts, 3 streets each, 2 communities each,
    2 duty grids each; codes by GB/T 30428 practice. Fast, so the tests use it."""

    def area(code: str, name: str, level: Level, parent: str | None, handling: int | None) -> UnitRow:
        demo = level not in (Level.CITY, Level.DISTRICT)
        return org.create_unit(
            session, code=code, name=name, kind=UnitKind.AREA, level=level, parent_code=parent, now=now,
            handling_level=handling, is_demo=demo,
        )  # fmt: skip

    area("310000", "上海市", Level.CITY, None, 1)
    leaves: list[UnitRow] = []
    for dcode, dname in DISTRICTS:
        area(dcode, dname, Level.DISTRICT, "310000", 2)
        for s in range(1, STREETS_PER_DISTRICT + 1):
            scode = f"{dcode}{s:03d}"
            area(scode, f"{dname[:-1]}第{s}街道（演示）", Level.STREET, dcode, 3)
            for c in range(1, COMMUNITIES_PER_STREET + 1):
                ccode = f"{scode}{c:03d}"
                area(ccode, f"第{s}街道第{c}居委（演示）", Level.COMMUNITY, scode, 4)
                for g in range(1, GRIDS_PER_COMMUNITY + 1):
                    leaves.append(area(f"{ccode}{g:02d}", f"第{c}居委{g}号网格（演示）", Level.GRID, ccode, None))
    return leaves


#: How the demo builds its area tree: `simple_areas` (codes only, fast, used by tests) or `real_areas`.
AreaBuilder = Callable[..., list[UnitRow]]


def real_areas(cells: int = 40_000, *, seed: int = 2026) -> AreaBuilder:
    """Shanghai's real district boundaries (registry package) with generated streets, communities, cells and
    duty grids at the given scale (40,000 cells ≈ Shanghai's 万米网格)."""

    def build(session: Session, *, now: datetime) -> list[UnitRow]:
        from gridloop.geo.services.generate import generate_demo_city

        generate_demo_city(session, now=now, cells_target=cells, seed=seed)
        grids = session.scalars(
            select(UnitRow).where(UnitRow.kind == "area", UnitRow.level == Level.GRID.value).order_by(UnitRow.code)
        ).all()
        return list(grids)

    return build


def build_org(session: Session, *, now: datetime, area_builder: AreaBuilder | None = None) -> list[DemoLogin]:
    """Areas, departments, categories and one demo user per role; returns the logins."""
    leaves = (area_builder or simple_areas)(session, now=now)
    org.ensure_categories(session, list(DEFAULT_CATEGORIES))
    for code, name in CITY_DEPARTMENTS:
        org.create_unit(
            session,
            code=code,
            name=name,
            kind=UnitKind.DEPARTMENT,
            level=Level.CITY,
            parent_code="310000",
            now=now,
            handling_level=2,
            is_demo=True,
        )
    for dcode, dname in DISTRICTS:
        for suffix, name, _cat in DISTRICT_DEPARTMENTS:
            org.create_unit(
                session,
                code=f"{dcode}-{suffix}",
                name=f"{dname}{name}",
                kind=UnitKind.DEPARTMENT,
                level=Level.DISTRICT,
                parent_code=dcode,
                now=now,
                handling_level=3,
                is_demo=True,
            )
    putuo_grid = next((u for u in leaves if u.code.startswith("310107")), leaves[0])
    putuo_street = session.get(UnitRow, int(putuo_grid.path.strip("/").split("/")[2]))
    assert putuo_street is not None and putuo_street.level == Level.STREET.value
    logins = [
        DemoLogin("admin", Role.ADMIN.value, "310000"),
        DemoLogin("operator", Role.OPERATOR.value, "310000"),
        DemoLogin("dispatcher", Role.DISPATCHER.value, "310000"),
        DemoLogin("analyst", Role.ANALYST.value, "310000"),
        DemoLogin("kb_editor", Role.KB_EDITOR.value, "310000"),
        DemoLogin("supervisor", Role.SUPERVISOR.value, "310107"),
        DemoLogin("putuo_housing", Role.HANDLER.value, "310107-FG"),
        DemoLogin("putuo_street", Role.HANDLER.value, putuo_street.code),
        DemoLogin("yangpu_housing", Role.HANDLER.value, "310110-FG"),
        DemoLogin("gridworker", Role.GRID_WORKER.value, putuo_grid.code),
    ]
    hashed = org.hash_password(DEMO_PASSWORD)  # hashed once: Argon2 is slow on purpose
    for login in logins:
        unit = org.get_unit(session, login.unit)
        # everyone by a name of their own: the unit and the role (two handlers never read alike)
        name = (
            f"{Role(login.role).zh}（演示）" if unit.parent_id is None else f"{unit.name}{Role(login.role).zh}（演示）"
        )
        org.create_user(
            session,
            username=login.username,
            role=Role(login.role),
            unit_code=login.unit,
            now=now,
            display_name=name[:100],
            password_hash=hashed,
        )
    return logins


# The path each generated case walks; the last action decides the state it is left in.
PATHS: list[tuple[float, list[str]]] = [
    (0.05, []),
    (0.05, ["answer_directly"]),
    (0.08, ["dispatch"]),
    (0.03, ["dispatch", "return"]),
    (0.07, ["dispatch", "sign"]),
    (0.12, ["dispatch", "sign", "first_contact"]),
    (0.02, ["dispatch", "sign", "first_contact", "suspend"]),
    (0.05, ["dispatch", "sign", "first_contact", "reply"]),
    (0.06, ["dispatch", "sign", "first_contact", "reply", "approve_reply"]),
    (0.04, ["dispatch", "sign", "first_contact", "reply", "approve_reply", "callback"]),
    (0.38, ["dispatch", "sign", "first_contact", "reply", "approve_reply", "callback", "close"]),
    (0.02, ["cancel"]),
    (0.03, ["merge"]),
]


def generate_cases(
    session: Session,
    *,
    deps: ServiceDeps,
    count: int,
    start: datetime,
    end: datetime,
    seed: int = 2026,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Generate `count` cases received between start and end, each driven along a lifecycle path."""
    from gridloop.kernel.clock import FakeClock

    rng = random.Random(seed)
    users = {
        u.username: org.actor_for(u) for u in (org.get_user(session, n) for n in ("operator", "dispatcher", "admin"))
    }
    grids = session.scalars(select(UnitRow).where(UnitRow.kind == "area", UnitRow.level == "grid")).all()
    cells = _cell_boxes(session)
    depts = {u.code: u for u in session.scalars(select(UnitRow).where(UnitRow.kind == "department"))}
    handlers: dict[str, Actor] = {}
    demo_hash = org.get_user(session, "operator").password_hash
    clock = FakeClock(start)
    # generated texts need no classifier nor intake subscribers; generated history sends no notices
    sim = replace(deps, clock=clock, events=deps.events.without(CaseReceived), outbox=deps.outbox.muted(), triage=None)
    weights = [w for w, _ in PATHS]
    span = (end - start).total_seconds()
    opened: list[str] = []
    for i in range(count):
        received = start + timedelta(seconds=span * i / max(count, 1) + rng.random() * 600)
        clock.set(received)
        category = rng.choice(list(TEMPLATES))
        grid = rng.choice(grids)
        text = rng.choice(TEMPLATES[category]).format(p=rng.choice(PLACES))
        point = _point_in(cells, rng) if cells else None
        phone = f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}"
        case, _ = create_case(
            session,
            users["operator"],
            NewCase(
                text=text,
                category=category,
                area_code=None if point else grid.area_code,
                lng=point[0] if point else None,
                lat=point[1] if point else None,
                crs="wgs84" if point else None,
                channel=rng.choice(list(Channel)).value,
                request_type=rng.choice(
                    [RequestType.COMPLAINT, RequestType.HELP, RequestType.INQUIRY, RequestType.SUGGESTION]
                ).value,
                reporter_name=rng.choice("张王李赵刘陈杨黄") + rng.choice(["先生", "女士", "阿姨", "师傅"]),
                reporter_phone=phone,
            ),
            deps=sim,
        )
        path = rng.choices([p for _, p in PATHS], weights=weights)[0]
        dept_code = f"{case.district_code}-{_dept_for(category)}"
        for action in path:
            clock.advance(hours=rng.uniform(0.5, 30))
            actor = users["dispatcher"] if action in ("dispatch", "uphold_return") else users["operator"]
            req = ActionRequest(action=action)
            if action in ("sign", "return", "first_contact", "reply", "suspend"):
                actor = _handler_actor(session, handlers, depts[dept_code], now=received, password_hash=demo_hash)
            if action == "suspend":
                actor = users["dispatcher"]
            if action == "dispatch":
                req = ActionRequest(action=action, unit=dept_code)
            elif action == "return":
                req = ActionRequest(action=action, reason="不属于本单位职责，建议转属地街道")
            elif action == "first_contact":
                req = ActionRequest(action=action, note="已电话联系市民，约定上门查看")
            elif action == "reply":
                req = ActionRequest(action=action, reply="经现场核查，已协调相关单位处理完毕。")
            elif action == "answer_directly":
                req = ActionRequest(action=action, reply="已按政策口径直接答复市民。")
            elif action == "callback":
                sat = rng.choices(["satisfied", "basically_satisfied", "dissatisfied"], [70, 20, 10])[0]
                req = ActionRequest(action=action, satisfaction=sat, solved=sat != "dissatisfied")
            elif action == "cancel":
                req = ActionRequest(action=action, reason="无效来电")
            elif action == "suspend":
                req = ActionRequest(action=action, reason="需等待上级政策出台")
            elif action == "merge":
                if not opened:
                    break
                req = ActionRequest(action=action, parent=rng.choice(opened[-50:]))
            perform(session, actor, case.id, req, deps=sim)
        if Status(case.status) not in (Status.CLOSED, Status.CANCELLED, Status.MERGED):
            opened.append(case.number)
        if progress is not None:
            progress(1)
        if i % 200 == 199:  # commit in batches and keep the identity map small (autoflush cost grows with it)
            session.commit()
            session.expunge_all()
    return count


def _dept_for(category: str) -> str:
    return next(suffix for suffix, _n, cat in DISTRICT_DEPARTMENTS if cat == category)


def _handler_actor(
    session: Session, cache: dict[str, Actor], unit: UnitRow, *, now: datetime, password_hash: str | None
) -> Actor:
    """A demo handler of a unit (created on first use)."""
    if unit.code not in cache:
        name = f"h_{unit.code.replace('-', '_').lower()}"
        user = session.scalar(select(UserRow).where(UserRow.unit_id == unit.id, UserRow.role == Role.HANDLER.value))
        if user is None:
            user = org.create_user(
                session,
                username=name,
                role=Role.HANDLER,
                unit_code=unit.code,
                now=now,
                display_name=f"{unit.name}承办人（演示）",
                password_hash=password_hash,
            )
        cache[unit.code] = org.actor_for(user)
    return cache[unit.code]


def _cell_boxes(session: Session) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of the stored unit cells (WGS-84), for placing generated reports."""
    from gridloop.geo.services.geography import cell_boxes

    return cell_boxes(session)


def _point_in(cells: list[tuple[float, float, float, float]], rng: random.Random) -> tuple[float, float]:
    """A point near the middle of a random cell."""
    a, b, c, d = rng.choice(cells)
    return (a + (c - a) * rng.uniform(0.3, 0.7), b + (d - b) * rng.uniform(0.3, 0.7))


def is_empty(uow_factory: UnitOfWorkFactory) -> bool:
    """Whether the database has no organisation yet (a demo is only built into an empty city)."""
    with uow_factory() as uow:
        return not org.has_units(uow.session)


def build_demo_city(
    uow_factory: UnitOfWorkFactory,
    *,
    deps: ServiceDeps,
    cases: int,
    days: int,
    cells: int,
    seed: int,
    progress: Callable[[int], None] | None = None,
) -> list[DemoLogin]:
    """The whole demo city, committed step by step: organisation and areas, the starter catalogue, then `cases`
    cases walked through the real lifecycle over the last `days` days; returns the demo logins."""
    from gridloop.dispatch.services.starter import load_demo_catalogue

    now = deps.clock.now()
    with uow_factory() as uow:
        builder = real_areas(cells, seed=seed) if cells else simple_areas
        logins = build_org(uow.session, now=now - timedelta(days=days + 1), area_builder=builder)
        uow.commit()
        load_demo_catalogue(uow, now=now - timedelta(days=days + 1))
        generate_cases(
            uow.session,
            deps=deps,
            count=cases,
            start=now - timedelta(days=days),
            end=now,
            seed=seed,
            progress=progress,
        )
        uow.commit()
    return logins
