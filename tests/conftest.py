"""Shared fixtures: an isolated, migrated database per test (SQLite by default, PostgreSQL when
GRIDLOOP_TEST_PG_URL is set), the demo organisation seeded once into a template, API clients per role."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gridloop.bootstrap import Container, build_container
from gridloop.config import Settings
from gridloop.kernel.clock import FakeClock
from gridloop.platform.db.engine import build_engine
from gridloop.platform.db.migrate import upgrade

PG_URL = os.environ.get("GRIDLOOP_TEST_PG_URL")
#: A Thursday, so "one working day later" is a Friday.
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def _seed(url: str) -> None:
    from gridloop.demo import city as demo

    engine = build_engine(url)
    upgrade(engine)
    container = build_container(Settings(database_url=url), clock=FakeClock(T0))
    with container.uow() as uow:
        demo.build_org(uow.session, now=T0)
        uow.commit()
    engine.dispose()
    container.uow.engine.dispose()


class _PgDatabases:
    """Creates databases from a seeded template (CREATE DATABASE … TEMPLATE is a fast file copy)."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = make_url(admin_url)
        self.template = f"gl_tmpl_{uuid.uuid4().hex[:8]}"

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create_template(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        _seed(self.url(self.template))

    def new(self) -> str:
        name = f"gl_t_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return name

    def drop(self, name: str) -> None:
        """Best-effort cleanup: an autovacuum worker (another role) may hold the database for a moment."""
        import time

        from sqlalchemy.exc import DBAPIError

        for attempt in range(10):
            try:
                with self.admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                return
            except DBAPIError:
                time.sleep(0.2 * (attempt + 1))


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if PG_URL:
        pg = _PgDatabases(PG_URL)
        pg.create_template()
        yield pg
        pg.drop(pg.template)
        pg.admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _seed(f"sqlite:///{path}")
        yield path


@pytest.fixture
def db_url(_template: object, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database holding the demo organisation (no cases)."""
    if isinstance(_template, _PgDatabases):
        name = _template.new()
        yield _template.url(name)
        _template.drop(name)
    else:
        assert isinstance(_template, Path)
        target = tmp_path / "test.db"
        shutil.copy(_template, target)
        yield f"sqlite:///{target}"


@pytest.fixture
def clock() -> FakeClock:
    """A clock fixed at T0 that tests move."""
    return FakeClock(T0)


@pytest.fixture
def container(db_url: str, clock: FakeClock) -> Iterator[Container]:
    """Services wired to the test database and the fake clock."""
    c = build_container(Settings(database_url=db_url, triage_enabled=False), clock=clock)
    yield c
    c.uow.engine.dispose()


@dataclass
class Api:
    """A TestClient that acts as one user."""

    client: object
    token: str

    def _h(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, **kw: object) -> object:
        return self.client.get(url, headers=self._h(kw.pop("headers", None)), **kw)  # type: ignore[attr-defined]

    def post(self, url: str, **kw: object) -> object:
        return self.client.post(url, headers=self._h(kw.pop("headers", None)), **kw)  # type: ignore[attr-defined]


@pytest.fixture
def app_client(container: Container) -> Iterator[object]:
    """A TestClient of the app bound to the test container."""
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import create_app

    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def as_user(container: Container, app_client: object, clock: FakeClock):  # type: ignore[no-untyped-def]
    """as_user("dispatcher") → an Api client acting as that demo user."""
    from gridloop.org.services import org

    made: dict[str, Api] = {}

    def make(username: str) -> Api:
        if username not in made:
            with container.uow() as uow:
                token = org.create_token(uow.session, username=username, now=clock.now())
                uow.commit()
            made[username] = Api(app_client, token)
        return made[username]

    return make
