"""Wiring: every capability's tables, so `Base.metadata` is complete (migration checks, autogenerate)."""

from __future__ import annotations

from sqlalchemy import MetaData


def metadata() -> MetaData:
    """The complete metadata: imports each capability's table module, then returns the shared Base's."""
    from gridloop.cases import tables as cases_tables  # noqa: F401
    from gridloop.citizen import tables as citizen_tables  # noqa: F401
    from gridloop.dispatch import tables as dispatch_tables  # noqa: F401
    from gridloop.drills import tables as drills_tables  # noqa: F401
    from gridloop.emergency import tables as emergency_tables  # noqa: F401
    from gridloop.exportcontrol import tables as exportcontrol_tables  # noqa: F401
    from gridloop.fieldwork import tables as fieldwork_tables  # noqa: F401
    from gridloop.geo import tables as geo_tables  # noqa: F401
    from gridloop.interchange import tables as interchange_tables  # noqa: F401
    from gridloop.knowledge import tables as knowledge_tables  # noqa: F401
    from gridloop.notices import tables as notices_tables  # noqa: F401
    from gridloop.open311 import tables as open311_tables  # noqa: F401
    from gridloop.participation import tables as participation_tables  # noqa: F401
    from gridloop.petitions import tables as petitions_tables  # noqa: F401
    from gridloop.platform.db import outbox as outbox_table  # noqa: F401
    from gridloop.platform.db import stamps  # noqa: F401
    from gridloop.platform.db.base import Base
    from gridloop.platform.org import tables as org_tables  # noqa: F401
    from gridloop.triage import tables as triage_tables  # noqa: F401

    return Base.metadata
