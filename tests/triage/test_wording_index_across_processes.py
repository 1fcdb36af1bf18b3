"""The wording index of open cases is kept per process but caught up with the database before every report (by case
id), so duplicate search by wording finds a report another process stored, and a report whose transaction
committed after a newer one's is still read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import make_transient

from gridloop.bootstrap import Container, build_container
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseRow
from gridloop.config import Settings
from gridloop.platform.org.services import org
from gridloop.triage.subscribers import OpenCaseIndex
from tests.factories import PUTUO_GRID
from tests.pipeline import triage_on_kick

TEXT = "我家楼下那家餐馆的油烟太大了，每天晚上熏得窗户都打不开，家里全是油烟味，希望有关部门管一管"


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


@pytest.fixture
def two_processes(db_url: str, clock: Any, seed_model: Path) -> Iterator[tuple[Container, Container]]:
    settings = Settings(database_url=db_url, triage_enabled=True, model_path=seed_model)
    a = triage_on_kick(build_container(settings, clock=clock))
    b = triage_on_kick(build_container(settings, clock=clock))
    yield a, b
    a.uow.engine.dispose()
    b.uow.engine.dispose()


def _receive(container: Container, text: str) -> int:
    with container.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))
    with container.uow() as uow:
        case, _ = receive(uow, actor, NewCase(text=text, area_code=PUTUO_GRID), deps=container.deps)
        return case.id


def test_a_report_another_process_stored_is_found_by_its_wording(two_processes, clock):
    a, b = two_processes
    _receive(b, "武宁路100号门口路灯不亮，晚上很黑")  # b's index is built now, before a stores anything
    clock.advance(minutes=20)
    first = _receive(a, TEXT)
    clock.advance(minutes=20)
    second = _receive(b, "来电反映：" + TEXT)
    with b.uow() as uow:
        found, of = uow.session.get(CaseRow, second), uow.session.get(CaseRow, first)
        assert found.duplicate_of_id == of.id, (found.duplicate_of_id, found.duplicate_action, found.status)


class _Names:
    """A stand-in index that remembers which reports were added."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def sketches(self, items: Any) -> list[None]:
        return [None for _ in items]

    def add(self, key: str, sketch: Any, **_: Any) -> None:
        self.keys.append(key)


def _copy(session: Any, template: CaseRow, *, case_id: int, number: str) -> None:
    session.expunge(template)
    make_transient(template)
    template.id, template.number = case_id, number
    session.add(template)
    session.commit()


def test_a_report_committed_after_a_newer_one_is_still_indexed(container):
    names = _Names()
    index = OpenCaseIndex(lambda refs: names)  # type: ignore[arg-type, return-value]
    now = datetime.now(UTC)
    first = _receive(container, "长寿路口的窨井盖不见了")
    with container.uow() as uow:
        index.finder(uow.session, now=now)
        row = uow.session.get(CaseRow, first)
        _copy(uow.session, row, case_id=first + 2, number="LATE-2")  # committed first, the newer id
    with container.uow() as uow:
        index.finder(uow.session, now=now)
    assert names.keys == ["LATE-2"]
    with container.uow() as uow:
        row = uow.session.get(CaseRow, first)
        _copy(uow.session, row, case_id=first + 1, number="LATE-1")  # the older id, committed after
    with container.uow() as uow:
        index.finder(uow.session, now=now)
        index.finder(uow.session, now=now)
    assert names.keys == ["LATE-2", "LATE-1"], "the late report is read once, and nothing twice"
