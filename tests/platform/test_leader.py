"""One supervision tick at a time across processes: the PostgreSQL advisory lock, with failover."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine

from gridloop.platform.db.leader import SingletonLock, lock_key

PG_URL = os.environ.get("GRIDLOOP_TEST_PG_URL")


def test_sqlite_is_one_process_and_always_holds(tmp_path):
    lock = SingletonLock(create_engine(f"sqlite:///{tmp_path / 'x.db'}"), "gridloop.supervision")
    assert lock.held() and not lock.shared


def test_lock_keys_are_stable_and_distinct():
    assert lock_key("a") == lock_key("a") != lock_key("b")


@pytest.mark.db
@pytest.mark.skipif(not PG_URL, reason="GRIDLOOP_TEST_PG_URL not set")
def test_only_one_process_holds_the_lock_and_another_takes_over_when_it_dies():
    name = f"test.leader.{os.getpid()}"
    first, second = (SingletonLock(create_engine(PG_URL), name) for _ in range(2))  # type: ignore[arg-type]
    try:
        assert first.held() and first.held(), "the holder keeps it"
        assert not second.held(), "one holder at a time"
        first.release()  # the holder stops: it unlocks and its connection closes
        assert second.held(), "failover on the next try"
        assert not first.held()
    finally:
        first.release()
        second.release()
