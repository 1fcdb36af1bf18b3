"""Intake judges duplicates by event against the database: a second caller at the same address in other words is
merged (explained in Chinese), the same problem at another address is not, and a report stored by another process
(not through this process's index) is found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gridloop.bootstrap import Container, build_container
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from tests.conftest import Api
from tests.factories import PUTUO_GRID
from tests.pipeline import triage_on_kick


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


def _container(db_url: str, clock, model: Path) -> Container:
    settings = Settings(database_url=db_url, triage_enabled=True, model_path=model, auto_dispatch_threshold=0.0)
    return triage_on_kick(build_container(settings, clock=clock))  # POST answers once triage is stored


@pytest.fixture
def two_processes(db_url: str, clock, seed_model: Path) -> Iterator[tuple[Container, Container]]:
    """Two containers on one database: like two API processes, each with its own memory."""
    a, b = _container(db_url, clock, seed_model), _container(db_url, clock, seed_model)
    with a.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
    yield a, b
    a.uow.engine.dispose()
    b.uow.engine.dispose()


def _api(container: Container, clock) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import create_app
    from gridloop.platform.org.services import org

    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        with container.uow() as uow:
            token = org.create_token(uow.session, username="operator", now=clock.now())
            uow.commit()
        yield Api(client, token)


@pytest.fixture
def apis(two_processes, clock) -> Iterator[tuple[Api, Api]]:
    a, b = two_processes
    ga, gb = _api(a, clock), _api(b, clock)
    yield next(ga), next(gb)
    for g in (ga, gb):
        g.close()


def _report(api: Api, text: str) -> dict:
    r = api.post("/api/v1/cases", json={"text": text, "area_code": PUTUO_GRID})
    assert r.status_code == 201, r.text
    return r.json()


def test_a_second_caller_in_other_words_through_another_process_is_merged_and_explained(apis, clock):
    first_api, second_api = apis
    second_api.post(
        "/api/v1/cases", json={"text": "先让这个进程建好索引：武宁路100号门口路灯不亮", "area_code": PUTUO_GRID}
    )
    first = _report(first_api, "长寿路500弄3号楼楼上人家漏水，我家天花板一直在滴水，墙皮都泡起来了")
    clock.advance(minutes=40)
    second = _report(second_api, "来电人反映长寿路500弄3号楼一户顶面渗水严重，要求尽快协调处理")
    detail = second_api.get(f"/api/v1/cases/{second['id']}").json()
    assert second["status"] == "merged", detail
    assert detail["parent_case_id"] == first["id"]
    reason = str(detail["triage"])
    assert "同一地址" in reason and "长寿路500弄" in reason and "相隔40分钟" in reason and "渗" in reason


def test_the_same_problem_at_another_address_is_not_merged(apis, clock):
    first_api, second_api = apis
    _report(first_api, "长寿路500弄3号楼楼上人家漏水，我家天花板一直在滴水")
    clock.advance(minutes=10)
    other = _report(second_api, "石泉路88弄5号楼楼上人家漏水，我家天花板一直在滴水")
    assert other["status"] != "merged"


def test_same_address_other_problem_is_at_most_suggested(apis, clock):
    first_api, second_api = apis
    _report(first_api, "长寿路500弄门口垃圾房满出来了，臭得不得了")
    clock.advance(minutes=30)
    other = _report(second_api, "长寿路500弄门口的路灯坏了好几天，晚上一片漆黑")
    assert other["status"] != "merged"
