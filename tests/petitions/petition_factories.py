"""Units and people of a petition test: district and city petition offices, a housing bureau, a court."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from gridloop.kernel.org import Actor, Level, Role, UnitKind
from gridloop.petitions.services.petitions import PetitionIn
from gridloop.platform.org.services import org

SH = ZoneInfo("Asia/Shanghai")
#: A Monday morning in Shanghai.
T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)

UNITS = (
    ("310107-XF", "普陀区信访办", UnitKind.DEPARTMENT, Level.DISTRICT, "310107"),
    ("310107-GOV", "普陀区人民政府", UnitKind.AREA, Level.DISTRICT, "310107"),
    ("310000-XF", "市信访办", UnitKind.DEPARTMENT, Level.CITY, "310000"),
    ("310107-FY", "普陀区人民法院", UnitKind.DEPARTMENT, Level.DISTRICT, "310107"),
)
PEOPLE = (
    ("xf_putuo", Role.OPERATOR, "310107-XF"),
    ("gov_putuo", Role.HANDLER, "310107-GOV"),
    ("xf_city", Role.HANDLER, "310000-XF"),
    ("court_putuo", Role.HANDLER, "310107-FY"),
)


def seed(container: Any) -> dict[str, Actor]:
    """Create the units and people once; return each person's Actor by username (plus the housing handler)."""
    with container.uow() as uow:
        for code, name, kind, level, parent in UNITS:
            org.create_unit(uow.session, code=code, name=name, kind=kind, level=level, parent_code=parent, now=T0)
        for username, role, unit in PEOPLE:
            org.create_user(uow.session, username=username, role=role, unit_code=unit, now=T0, password="secret123")
        uow.commit()
        names = [p[0] for p in PEOPLE] + ["putuo_housing", "admin", "yangpu_housing"]
        return {n: org.actor_for(org.get_user(uow.session, n)) for n in names}


def petition_in(**overrides: Any) -> PetitionIn:
    """A claim about a leaking roof; override any field."""
    fields: dict[str, Any] = {
        "petition_class": "claim",
        "channel": "visit",
        "petitioner_name": "王建国",
        "petitioner_phone": "13812345678",
        "petitioner_id_number": "310107196501011234",
        "subject": "老旧小区屋顶漏水维修",
        "facts": "本人居住的曹杨新村老公房顶楼屋面漏水两年，多次向物业和房管所反映未解决，雨天室内无法居住。",
        "request": "要求房管部门尽快组织屋面大修。",
        "respondent": "普陀区房管局",
        "respondent_unit_code": "310107-FG",
    }
    fields.update(overrides)
    return PetitionIn(**fields)
