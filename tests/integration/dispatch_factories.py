"""Plain factories for dispatch tests: a temporary SQLite schema, a unit of work, a small organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gridloop.org.tables import UnitRow
from gridloop.platform.db.engine import build_engine, session_factory

T0 = datetime(2026, 9, 1, tzinfo=UTC)


class Work:
    """A minimal unit of work over one session (same shape as the lead's UnitOfWork)."""

    def __init__(self, engine: Engine) -> None:
        self._factory = session_factory(engine)
        self.session: Session

    def __enter__(self) -> Work:
        self.session = self._factory()
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.session.commit()


def make_engine(url: str) -> Engine:
    """An engine on a fresh migrated empty database (the `empty_db_url` fixture)."""
    return build_engine(url)


@dataclass
class Org:
    units: dict[str, UnitRow] = field(default_factory=dict)

    def id(self, code: str) -> int:
        return self.units[code].id


def _unit(
    s: Session,
    code: str,
    name: str,
    kind: str,
    level: str,
    parent: UnitRow | None,
    area_code: str | None = None,
) -> UnitRow:
    row = UnitRow(
        code=code,
        name=name,
        kind=kind,
        level=level,
        parent_id=parent.id if parent else None,
        path="",
        area_code=area_code,
        is_demo=True,
        created_at=T0,
    )
    s.add(row)
    s.flush()
    row.path = f"{parent.path if parent else '/'}{row.id}/"
    return row


def make_org(session: Session) -> Org:
    """City ops centre; 普陀区 and 黄浦区 with a street each and district departments."""
    org = Org()
    city = _unit(session, "310000", "上海市城运中心", "area", "city", None, "310000")
    org.units["310000"] = city
    for dcode, dname, scode, sname in (
        ("310107", "普陀区", "310107014", "长征镇"),
        ("310101", "黄浦区", "310101002", "南京东路街道"),
    ):
        d = _unit(session, dcode, f"{dname}城运中心", "area", "district", city, dcode)
        org.units[dcode] = d
        org.units[scode] = _unit(session, scode, f"{sname}城运中心", "area", "street", d, scode)
        for suffix, name in (
            ("FG", "区房管局"),
            ("CG", "区城管执法局"),
            ("HB", "区生态环境局"),
            ("JT", "区交通委"),
        ):
            code = f"{dcode}-{suffix}"
            org.units[code] = _unit(session, code, dname + name[1:], "department", "district", d)
    session.commit()
    return org


class FakeNotifier:
    """Collects notices."""

    def __init__(self) -> None:
        self.notices: list = []

    def notify(self, notice) -> None:
        self.notices.append(notice)


_seq = {"n": 0}


def make_case(session: Session, **overrides):
    """A case row with overridable defaults (status received, complaint, in 普陀区)."""
    from gridloop.cases.tables import CaseRow

    _seq["n"] += 1
    values = dict(
        number=f"T{_seq['n']:07d}",
        title="t",
        text="t",
        channel="phone",
        request_type="complaint",
        urgency="normal",
        category="城乡建设",
        category_confidence=0.9,
        status="received",
        district_code="310107",
        street_code="310107014",
        received_at=T0,
        updated_at=T0,
        attachments=[],
        tags=[],
        return_count=0,
        reopen_count=0,
        supervised=False,
        version=1,
    )
    values.update(overrides)
    row = CaseRow(**values)
    session.add(row)
    session.flush()
    return row


def drop_engine(engine: Engine) -> None:
    """Dispose of a test engine (the `empty_db_url` fixture drops its database)."""
    engine.dispose()
