"""The batch CLI and the API decide the same for the same message (issue 18): over every message of the Shanghai
evaluation set, fed in time order to `gridloop triage` and to `POST /api/v1/cases` on one database — category,
urgency, incident type, masked text and the duplicate decision of the event judge (action and group)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from gridloop.bootstrap import Container, build_container
from gridloop.config import Settings
from gridloop.triage.services.quality import read_eval
from tests.conftest import Api
from tests.factories import PUTUO_GRID
from tests.pipeline import triage_on_kick

EVAL = Path(__file__).parents[1] / "data" / "shanghai_eval.csv"
pytestmark = pytest.mark.slow
FIRST = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def seed_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from gridloop.triage.adapters.models import train_seed

    path = tmp_path_factory.mktemp("model") / "seed.joblib"
    train_seed().save(path)
    return path


@pytest.fixture
def container(db_url: str, clock, seed_model: Path) -> Iterator[Container]:
    # threshold 1.0: nothing is auto-dispatched, so every case stays open and comparable with the batch
    settings = Settings(database_url=db_url, triage_enabled=True, model_path=seed_model, auto_dispatch_threshold=1.0)
    c = triage_on_kick(build_container(settings, clock=clock))  # POST answers once triage is stored
    yield c
    c.uow.engine.dispose()


@pytest.fixture
def api(container: Container, clock) -> Iterator[Api]:
    from fastapi.testclient import TestClient

    from gridloop.bootstrap import create_app
    from gridloop.platform.org.services import org

    clock.set(FIRST)  # the token is made when the evaluation set's month starts
    with TestClient(create_app(container=container), raise_server_exceptions=False) as client:
        with container.uow() as uow:
            token = org.create_token(uow.session, username="operator", now=clock.now())
            uow.commit()
        yield Api(client, token)


def test_batch_cli_and_api_decide_the_same_for_every_evaluation_message(container, api, clock, tmp_path):
    from gridloop.cases.tables import CaseRow
    from gridloop.triage.cli.batch import run_batch

    rows = sorted((r for r in read_eval(EVAL) if r.reported_at), key=lambda r: (r.reported_at, r.id))
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text(
        "".join(
            json.dumps(
                {"id": r.id, "title": "", "text": r.text, "reported_at": r.reported_at.replace(tzinfo=UTC).isoformat()}
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    run_batch(src, dst, triage=container.deps.triage)
    batch = {rec["id"]: rec for rec in map(json.loads, dst.read_text(encoding="utf-8").splitlines())}

    number_of: dict[str, str] = {}
    for r in rows:
        clock.set(r.reported_at.replace(tzinfo=UTC))
        resp = api.post("/api/v1/cases", json={"text": r.text, "area_code": PUTUO_GRID})
        assert resp.status_code == 201, resp.text
        number_of[resp.json()["number"]] = r.id
    with container.uow() as uow:
        cases = {number_of[c.number]: c for c in uow.session.scalars(select(CaseRow)) if c.number in number_of}
        differ = []
        for r in rows:
            b, c = batch[r.id], cases[r.id]
            got = (c.category, c.urgency, c.incident_type, c.masked_text or c.text)
            want = (b["category"], b["urgency"], b["incident_type"], b["masked_text"])
            if got != want:
                differ.append(f"{r.id}: api {got} ≠ batch {want}")
            # the event judge decides the same in both, for the same group of reports (intake names the group's
            # open case, the batch the group's latest report: merged reports are no longer open cases)
            if "同一" in (b.get("duplicate_reason") or "") and b["duplicate_action"] in ("merge", "suggest"):
                other = number_of.get(c.duplicate_of.number) if c.duplicate_of is not None else None
                root = batch[other]["duplicate_group"] if other else None
                if (c.duplicate_action, root) != (b["duplicate_action"], batch[b["duplicate_of"]]["duplicate_group"]):
                    differ.append(
                        f"{r.id}: api duplicate {(c.duplicate_action, other)} ≠ batch "
                        f"{(b['duplicate_action'], b['duplicate_of'])} ({b['duplicate_reason']})"
                    )
    assert not differ, "\n".join(differ[:20])
