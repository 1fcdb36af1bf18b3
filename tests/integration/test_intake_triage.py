"""Intake with triage on: category and urgency stored, emergencies announced and dispatched at once,
a second report of the same event merged, personal data masked for roles without the permission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gridloop.bootstrap import Container, build_container
from gridloop.config import Settings
from gridloop.dispatch.services.starter import load_demo_catalogue
from gridloop.kernel.ports import Notice
from gridloop.platform.delivery import dispatcher_for
from tests.conftest import Api
from tests.factories import PUTUO_GRID
from tests.pipeline import triage_on_kick


class FakeNotifier:
    """Keeps notices instead of sending them."""

    def __init__(self) -> None:
        self.notices: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.notices.append(notice)


@pytest.fixture(scope="session")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small seed classifier (built-in Shanghai examples), saved once per test session."""
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


@pytest.fixture
def triaged(db_url: str, clock, seed_model: Path) -> Iterator[tuple[Container, FakeNotifier]]:
    settings = Settings(database_url=db_url, triage_enabled=True, model_path=seed_model, auto_dispatch_threshold=0.0)
    container = triage_on_kick(build_container(settings, clock=clock))
    notifier = FakeNotifier()
    container.deps.outbox.channels = {"fake": notifier}
    with container.uow() as uow:
        load_demo_catalogue(uow, now=clock.now())
    yield container, notifier
    container.uow.engine.dispose()


@pytest.fixture
def api(triaged, clock):
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import create_app
    from gridloop.platform.org.services import org

    container, _ = triaged
    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:

        def make(username: str) -> Api:
            with container.uow() as uow:
                token = org.create_token(uow.session, username=username, now=clock.now())
                uow.commit()
            return Api(client, token)

        yield make


def _report(api, text: str, **extra):
    r = api("operator").post("/api/v1/cases", json={"text": text, "area_code": PUTUO_GRID, **extra})
    assert r.status_code == 201, r.text
    return r.json()


def test_emergency_report_is_announced_and_dispatched_at_once(api, triaged):
    container, notifier = triaged
    case = _report(api, "小区3号楼楼道里闻到很浓的煤气味，怀疑燃气泄漏，请马上派人来")
    assert case["urgency"] == "emergency", case
    assert case["status"] == "dispatched", case
    assert not notifier.notices, "nothing is sent from inside the intake: the announcement waits in the outbox"
    dispatcher_for(container).deliver_pending()
    assert any(n.kind == "emergency" and n.case_number == case["number"] for n in notifier.notices)
    detail = api("operator").get(f"/api/v1/cases/{case['id']}").json()
    assert detail["triage"]["urgency_reason"], "the flag is explained"


def test_classifier_category_and_confidence_are_stored(api):
    case = _report(api, "地铁站出口共享单车乱停乱放，堵住了人行道，希望整治")
    assert case["category"] and 0 < case["category_confidence"] <= 1


def test_second_report_of_the_same_event_is_merged_into_the_first(api, clock):
    text = "长寿路188弄门口的窨井盖不见了，晚上路过很危险，已经有人差点掉下去"
    first = _report(api, text, title="长寿路188弄窨井盖缺失")
    clock.advance(hours=2)
    second = _report(api, text + "，请尽快处理", title="长寿路188弄井盖丢失")
    assert (
        second["status"] == "merged"
        or "duplicate_suggestion" in api("operator").get(f"/api/v1/cases/{second['id']}").json()["triage"]
    ), second
    detail = api("operator").get(f"/api/v1/cases/{second['id']}").json()
    if second["status"] == "merged":
        assert detail["parent_case_id"] == first["id"]


def test_phone_in_text_is_masked_for_roles_without_privacy_permission(api):
    case = _report(api, "小区门口垃圾堆积很久没人清运，请联系我13912345678")
    assert "13912345678" in api("operator").get(f"/api/v1/cases/{case['id']}").json()["text"]
    shown = api("supervisor").get(f"/api/v1/cases/{case['id']}").json()["text"]
    assert "13912345678" not in shown and "139" in shown


def test_meaningless_report_is_kept_but_not_forced_into_a_category(api):
    case = _report(api, "啊啊啊啊啊啊")
    detail = api("operator").get(f"/api/v1/cases/{case['id']}").json()
    assert detail["category"] is None and detail["triage"].get("meaningless")


def test_a_complaint_with_terminal_colour_codes_is_accepted_cleaned_and_triaged_like_the_cli(api, triaged):
    container, _ = triaged
    raw = "小区3号楼\x1b[31m楼道里闻到很浓的煤气味\x1b[0m，请马上派人来"
    case = _report(api, raw)
    detail = api("operator").get(f"/api/v1/cases/{case['id']}").json()
    assert "\x1b" not in detail["text"] and "[31m" not in detail["text"]
    batch = container.deps.triage.analyse(title="", text=raw)  # what `gridloop triage` decides for the same line
    assert (case["urgency"], case["category"]) == (batch.urgency, batch.category) and case["urgency"] == "emergency"


def test_a_labelled_id_number_failing_its_checksum_is_masked_through_the_api(api):
    case = _report(api, "楼上漏水三天了物业不管，我的身份证号：310101199001011235，请回电")
    shown = api("supervisor").get(f"/api/v1/cases/{case['id']}").json()["text"]
    assert "310101199001011235" not in shown and "3101" in shown
