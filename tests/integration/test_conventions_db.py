from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import sessionmaker

from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.platform.db.base import Base
from gridloop.platform.db.engine import build_engine
from gridloop.triage.adapters.factory import db_conventions
from gridloop.triage.adapters.models import shipped_examples, shipped_rules
from gridloop.triage.services import conventions as svc
from gridloop.triage.tables import TRIAGE_TABLES

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def sf(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    Base.metadata.create_all(engine, tables=TRIAGE_TABLES)
    return sessionmaker(bind=engine, expire_on_commit=False)


def test_added_rule_takes_effect_on_next_load(sf):
    load = db_conventions(sf)
    with sf() as s:
        svc.add_rule(s, category="交通运输", phrases="渡口", mode="override", now=NOW)
    assert load().decide("渡口排队太长", {"城乡建设": 1.0}).category == "交通运输"


def test_removed_rule_no_longer_applies(sf):
    with sf() as s:
        rule = svc.add_rule(s, category="交通运输", phrases="渡口", mode="override", now=NOW)
        svc.remove_rule(s, rule.rule_id)
        assert svc.list_rules(s) == []


def test_bad_rule_is_rejected(sf):
    with sf() as s, pytest.raises(InvalidInput):
        svc.add_rule(s, category="交通运输", phrases=" , ", now=NOW)


def test_removing_unknown_example_is_not_found(sf):
    with sf() as s, pytest.raises(NotFound):
        svc.remove_example(s, 99)


def test_seed_loads_shipped_defaults_once(sf):
    with sf() as s:
        n = svc.seed_rules(s, shipped_rules(), shipped_examples(), now=NOW)
        assert n == len(shipped_rules()) + len(shipped_examples())
        assert svc.seed_rules(s, shipped_rules(), shipped_examples(), now=NOW) == 0


def test_empty_tables_fall_back_to_shipped_conventions(sf):
    assert db_conventions(sf)().decide("地铁很挤", {"城乡建设": 1.0}).category == "交通运输"
