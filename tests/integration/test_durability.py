"""An acknowledged report is stored; a failed one leaves nothing behind; numbers stay unique under load."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from gridloop.cases.services import intake
from gridloop.cases.services.intake import NewCase, receive
from gridloop.cases.tables import CaseEventRow, CaseRow
from gridloop.org.services import org
from tests.factories import case_body


def _count(container, table) -> int:
    with container.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table))


def test_failure_after_the_insert_leaves_no_half_written_case(container, as_user, monkeypatch):
    def broken(*_args):
        raise RuntimeError("downstream failure")

    monkeypatch.setattr(intake, "_receive_payload", broken)  # fails after the case row is flushed
    r = as_user("operator").post("/api/v1/cases", json=case_body())
    assert r.status_code == 500 and "Traceback" not in r.text and r.json()["title"] == "Internal error"
    assert _count(container, CaseRow) == 0 and _count(container, CaseEventRow) == 0


def test_acknowledged_case_is_readable_from_a_new_connection(container, as_user):
    number = as_user("operator").post("/api/v1/cases", json=case_body()).json()["number"]
    container.uow.engine.dispose()
    with container.uow() as uow:
        assert uow.session.scalar(select(CaseRow.number)) == number


def test_concurrent_intake_gives_unique_sequential_numbers(container, clock):
    with container.uow() as uow:
        actor = org.actor_for(org.get_user(uow.session, "operator"))

    def submit(i: int) -> str:
        with container.uow() as uow:
            case, _ = receive(uow, actor, NewCase(text=f"第{i}号路灯不亮", area_code="310107"), deps=container.deps)
            return case.number

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(submit, range(24)))
    assert len(set(numbers)) == 24
    assert sorted(int(n[-5:]) for n in numbers) == list(range(1, 25))


def test_admin_adds_a_unit_and_a_user_but_an_operator_cannot(as_user):
    admin = as_user("admin")
    r = admin.post(
        "/api/v1/units",
        json={
            "code": "310107-SW2",
            "name": "普陀区水务所",
            "kind": "department",
            "level": "district",
            "parent": "310107",
            "handling_level": 3,
        },
    )
    assert r.status_code == 201, r.text
    r = admin.post("/api/v1/users", json={"username": "water1", "role": "handler", "unit": "310107-SW2"})
    assert r.status_code == 201 and r.json()["unit"] == "310107-SW2"
    assert "water1" in [u["username"] for u in admin.get("/api/v1/users").json()["items"]]
    r = as_user("operator").post("/api/v1/users", json={"username": "x", "role": "admin", "unit": "310000"})
    assert r.status_code == 403


def test_openapi_and_docs_are_served(app_client):
    spec = app_client.get("/openapi.json").json()
    assert "/api/v1/cases" in spec["paths"] and "/api/v1/cases/{case_id}/actions" in spec["paths"]
    assert app_client.get("/docs").status_code == 200
