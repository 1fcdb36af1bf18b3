"""Shared fixtures: an isolated, migrated database per test (SQLite by default, PostgreSQL when
GRIDLOOP_TEST_PG_URL is set), the demo organisation seeded once into a template, API clients per role."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
from tests.pipeline import triage_on_kick

PG_URL = os.environ.get("GRIDLOOP_TEST_PG_URL")
#: A Thursday, so "one working day later" is a Friday.
T0 = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)


def _seed(url: str, *, organisation: bool = True) -> None:
    engine = build_engine(url)
    upgrade(engine)
    engine.dispose()
    if not organisation:
        return
    from gridloop.demo import city as demo

    container = build_container(Settings(database_url=url), clock=FakeClock(T0))
    with container.uow() as uow:
        demo.build_org(uow.session, now=T0)
        uow.commit()
    container.uow.engine.dispose()


class _PgDatabases:
    """Creates databases from migrated templates (CREATE DATABASE … TEMPLATE is a fast file copy)."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.base = make_url(admin_url)
        self.template = f"gl_tmpl_{uuid.uuid4().hex[:8]}"

    def url(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create_template(self, *, organisation: bool) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.template}"'))
        _seed(self.url(self.template), organisation=organisation)

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


def _make_template(tmp_path_factory: pytest.TempPathFactory, *, organisation: bool) -> Iterator[object]:
    if PG_URL:
        pg = _PgDatabases(PG_URL)
        pg.create_template(organisation=organisation)
        yield pg
        pg.drop(pg.template)
        pg.admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        _seed(f"sqlite:///{path}", organisation=organisation)
        yield path


@contextmanager
def database_from(template: object, folder: Path) -> Iterator[str]:
    """A new database copied from a migrated template (a file copy on SQLite, TEMPLATE on PostgreSQL)."""
    if isinstance(template, Path):
        target = folder / f"test-{uuid.uuid4().hex[:6]}.db"
        shutil.copy(template, target)
        yield f"sqlite:///{target}"
    else:  # a _PgDatabases (compared by shape: this module may be imported twice, as conftest and tests.conftest)
        name = template.new()  # type: ignore[attr-defined]
        yield template.url(name)  # type: ignore[attr-defined]
        template.drop(name)  # type: ignore[attr-defined]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that uses a database (directly or through another fixture) with `db`."""
    for item in items:
        if {"db_url", "empty_db_url", "_empty_template"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session", autouse=True)
def _cli_container_factory() -> None:
    """CLI commands reach the database through the wiring's container, as `gridloop.cli.main` arranges."""
    from gridloop.platform.cli import common

    common.use_container_factory(build_container)


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The migrated database with the demo organisation, made once per test session."""
    yield from _make_template(tmp_path_factory, organisation=True)


@pytest.fixture(scope="session")
def _empty_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The migrated database with no rows, made once per test session."""
    yield from _make_template(tmp_path_factory, organisation=False)


@pytest.fixture
def db_url(_template: object, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database holding the demo organisation (no cases)."""
    with database_from(_template, tmp_path) as url:
        yield url


@pytest.fixture
def empty_db_url(_empty_template: object, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database (tests that build their own organisation or geography)."""
    with database_from(_empty_template, tmp_path) as url:
        yield url


@pytest.fixture
def clock() -> FakeClock:
    """A clock fixed at T0 that tests move."""
    return FakeClock(T0)


@pytest.fixture
def container(db_url: str, clock: FakeClock) -> Iterator[Container]:
    """Services wired to the test database and the fake clock."""
    c = triage_on_kick(build_container(Settings(database_url=db_url, triage_enabled=False), clock=clock))
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
    from gridloop.platform.org.services import org

    made: dict[str, Api] = {}

    def make(username: str) -> Api:
        if username not in made:
            with container.uow() as uow:
                token = org.create_token(uow.session, username=username, now=clock.now())
                uow.commit()
            made[username] = Api(app_client, token)
        return made[username]

    return make
