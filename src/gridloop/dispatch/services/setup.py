"""Seed data every city starts with (idempotent): case categories and the duty roles of 多格合一."""

from __future__ import annotations

from gridloop.dispatch.services.catalogue import DEFAULT_CATEGORIES, category_codes
from gridloop.geo.services.geography import ensure_duty_roles
from gridloop.org.services.org import ensure_categories
from gridloop.platform.db.uow import UnitOfWork


def seed_reference_data(uow: UnitOfWork) -> int:
    """Add the default categories and duty roles that are missing; returns how many rows were added."""
    before = len(category_codes(uow.session))
    ensure_categories(uow.session, list(DEFAULT_CATEGORIES))
    added = len(category_codes(uow.session)) - before + ensure_duty_roles(uow.session)
    uow.commit()
    return added
