"""The container: everything an entrypoint needs, built once per process (or per test) by the wiring."""

from __future__ import annotations

from dataclasses import dataclass

from gridloop.config import Settings
from gridloop.platform.db.uow import UnitOfWorkFactory
from gridloop.platform.deps import ServiceDeps


@dataclass
class Container:
    """Settings, the unit-of-work factory and the service dependencies of one process."""

    settings: Settings
    uow: UnitOfWorkFactory
    deps: ServiceDeps
