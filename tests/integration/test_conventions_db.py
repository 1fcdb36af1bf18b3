from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import sessionmaker

from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.platform.db.engine import build_engine
from gridloop.triage.adapters.models import shipped_examples, shipped_rules
from gridloop.triage.plug import db_conventions
from gridloop.triage.services import conventions as svc

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def sf(db_url):
    engine = build_engine(db_url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def test_added_rule_takes_effect_on_next_load(sf):
    load = db_conventions(sf)
    with sf() as s:
        svc.add_rule(s, category="交通运输", phrases="渡口", mode="override", now=NOW)
    assert load().decide("渡口排队太长", {"城乡建设": 1.0}).category == "交通运输"


def test_removed_rule_no_longer_applies(sf):
    with sf() as s:
        rule = svc.add_rule(s, category="交通运输", phrases="渡口", mode="override", now=NOW)
        svc.remove_rule(s, rule.rule_id, now=NOW)
        assert svc.list_rules(s) == []


def test_bad_rule_is_rejected(sf):
    with sf() as s, pytest.raises(InvalidInput):
        svc.add_rule(s, category="交通运输", phrases=" , ", now=NOW)


def test_removing_unknown_example_is_not_found(sf):
    with sf() as s, pytest.raises(NotFound):
        svc.remove_example(s, 99, now=NOW)


def test_seed_loads_shipped_defaults_once(sf):
    with sf() as s:
        n = svc.seed_rules(s, shipped_rules(), shipped_examples(), now=NOW)
        assert n == len(shipped_rules()) + len(shipped_examples())
        assert svc.seed_rules(s, shipped_rules(), shipped_examples(), now=NOW) == 0


def test_empty_tables_fall_back_to_shipped_conventions(sf):
    assert db_conventions(sf)().decide("地铁很挤", {"城乡建设": 1.0}).category == "交通运输"


def test_a_running_triage_service_picks_up_a_rule_added_by_another_process(db_url, sf):
    from gridloop.config import Settings
    from gridloop.triage.plug import build_triage
    from gridloop.triage.services.triage import TriageService

    running = build_triage(Settings(database_url=db_url, reload_check_seconds=0), session_factory=sf)
    assert isinstance(running, TriageService)
    text = "渡口的轮渡排队太长，希望增加班次"
    before = running.analyse(title="", text=text).category
    with sf() as s:  # the administrator's `gridloop model rule-add`, in another process
        svc.add_rule(s, category="劳动和社会保障", phrases="渡口+轮渡", mode="override", now=NOW)
    after = running.analyse(title="", text=text)
    assert after.category == "劳动和社会保障", f"was {before}; the new rule was not picked up: {after}"


def test_a_rule_added_while_the_server_runs_is_effective_within_seconds_and_keeps_the_shipped_rules(db_url, sf):
    import time

    from gridloop.config import Settings
    from gridloop.triage.plug import build_triage

    settings = Settings(database_url=db_url)  # the shipped reload interval
    running = build_triage(settings, session_factory=sf)
    text = "渡口的轮渡排队太长，希望增加班次"
    running.analyse(title="", text=text)
    with sf() as s:  # `gridloop model rule-add` in another process
        svc.add_rule(s, category="劳动和社会保障", phrases="渡口+轮渡", mode="override", now=NOW)
    started = time.monotonic()
    while running.analyse(title="", text=text).category != "劳动和社会保障":
        assert time.monotonic() - started < settings.reload_check_seconds + 3, "the new rule never arrived"
        time.sleep(0.2)
    assert time.monotonic() - started <= settings.reload_check_seconds + 3
    assert running.analyse(title="", text="地铁站里太挤了").category == "交通运输", "shipped rules still apply"
