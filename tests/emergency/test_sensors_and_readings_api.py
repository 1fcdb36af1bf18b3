"""Sensors registered over the API; readings ingested in batches, validated, idempotent, through the rules."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from gridloop.emergency.services.warnings import WARNING_NOTICE
from gridloop.emergency.tables import ReadingRow, WarningMessageRow
from gridloop.platform.db.outbox import OutboxRow
from tests.conftest import T0

SENSORS = "/api/v1/emergency/sensors"
READINGS = "/api/v1/emergency/readings"


def _gauge(api, station="SH_TEST_1", **over):  # type: ignore[no-untyped-def]
    body = {"station_id": station, "metric": "precip_1h", "unit": "mm", "sensor_type": "rain_gauge",
            "name": "测试雨量站", "place": "普陀区长寿路", "lng": 121.4, "lat": 31.24, **over}  # fmt: skip
    r = api.post(SENSORS, json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _rain(station, start, amounts):  # type: ignore[no-untyped-def]
    return [{"ts": (start + timedelta(hours=i)).isoformat(), "station_id": station, "metric": "precip_1h",
             "value": v, "unit": "mm"} for i, v in enumerate(amounts)]  # fmt: skip


def test_a_sensor_is_registered_listed_changed_and_removed(as_user):
    sup = as_user("supervisor")
    s = _gauge(sup)
    assert s["sensor_type_zh"] == "雨量计" and s["active"] is True
    assert sup.post(SENSORS, json={**s, "id": None}).status_code == 409
    listed = sup.get(SENSORS, params={"sensor_type": "rain_gauge"}).json()
    assert [x["station_id"] for x in listed["items"]] == ["SH_TEST_1"]
    h = sup._h()
    r = sup.client.patch(f"{SENSORS}/{s['id']}", json={"active": False, "place": "长寿路 1 号"}, headers=h)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["place"] == "长寿路 1 号"
    assert sup.client.delete(f"{SENSORS}/{s['id']}", headers=h).status_code == 204
    assert sup.get(f"{SENSORS}/{s['id']}").status_code == 404


def test_a_sensor_without_a_place_or_with_a_bad_type_is_refused_with_the_field(as_user):
    sup = as_user("supervisor")
    r = sup.post(SENSORS, json={"station_id": "X1", "metric": "precip_1h", "unit": "mm", "sensor_type": "rain_gauge"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert any(e["field"] == "grid_code" for e in r.json()["errors"])
    bad = sup.post(SENSORS, json={"station_id": "X 1", "metric": "p", "unit": "mm", "sensor_type": "radar"})
    assert bad.status_code == 422
    assert (
        as_user("putuo_street")
        .post(
            SENSORS, json={"station_id": "X2", "metric": "p", "unit": "mm", "sensor_type": "gas", "grid_code": "310107"}
        )
        .status_code
        == 403
    )


def test_a_batch_with_unknown_stations_is_refused_naming_every_row_and_stores_nothing(as_user, container):
    sup = as_user("supervisor")
    _gauge(sup)
    rows = _rain("SH_TEST_1", T0 - timedelta(hours=3), [1, 2]) + _rain("NOPE", T0 - timedelta(hours=3), [1, 2])
    r = sup.post(READINGS, json={"readings": rows})
    assert r.status_code == 422, r.text
    fields = [e["field"] for e in r.json()["errors"]]
    assert fields == ["readings[2].station_id", "readings[3].station_id"]
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 0
    future = _rain("SH_TEST_1", T0 + timedelta(hours=1), [1])
    assert sup.post(READINGS, json={"readings": future}).json()["errors"][0]["field"] == "readings[0].ts"


def test_readings_raise_upgrade_and_clear_a_rainstorm_warning_published_through_the_outbox(as_user, container):
    sup = as_user("supervisor")
    _gauge(sup)
    start = T0 - timedelta(hours=20)
    # 6 h of 10 mm (60 mm in 6 h: yellow), then 20 mm/h for 3 h (60 mm in 3 h: orange), then dry
    amounts = [10] * 6 + [20] * 3 + [0] * 10
    first = sup.post(READINGS, json={"readings": _rain("SH_TEST_1", start, amounts[:7])}).json()
    second = sup.post(READINGS, json={"readings": _rain("SH_TEST_1", start + timedelta(hours=7), amounts[7:])})
    assert first["stored"] == 7 and second.status_code == 200, second.text
    kinds = [(m["transition"], m["colour"]) for m in first["messages"] + second.json()["messages"]]
    assert kinds[0] == ("issue", "yellow") and ("upgrade", "orange") in kinds
    assert kinds[-1][0] in ("downgrade", "cancel")
    with container.uow() as uow:
        stored = uow.session.scalars(select(WarningMessageRow.identifier)).all()
        notices = uow.session.scalars(select(OutboxRow.payload).where(OutboxRow.topic == WARNING_NOTICE)).all()
    assert len(stored) == len(kinds) and stored[0].startswith("310000001")
    assert {n["payload"]["identifier"] for n in notices} == set(stored)
    assert all("<alert" in n["payload"]["cap_xml"] for n in notices)
    feed = sup.get("/api/v1/cap/feed.atom")
    assert stored[0] in feed.text
    assert sup.get(f"/api/v1/cap/{stored[0]}.xml").status_code == 200


def test_the_same_batch_posted_twice_is_stored_and_evaluated_once(as_user, container):
    sup = as_user("supervisor")
    _gauge(sup)
    batch = _rain("SH_TEST_1", T0 - timedelta(hours=8), [20, 20, 20])
    once = sup.post(READINGS, json={"readings": batch + batch[:1]}).json()
    again = sup.post(READINGS, json={"readings": batch}).json()
    assert (once["stored"], once["duplicates"]) == (3, 1) and once["messages"]
    assert (again["stored"], again["duplicates"], again["messages"]) == (0, 3, [])
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReadingRow)) == 3


def test_a_batch_partly_stored_before_stores_and_evaluates_only_its_new_readings(as_user, container):
    sup = as_user("supervisor")
    _gauge(sup)
    start = T0 - timedelta(hours=10)
    first = sup.post(READINGS, json={"readings": _rain("SH_TEST_1", start, [20, 20])}).json()
    # the same two hours again (a redelivery overlapping new data) and two new hours of heavy rain
    overlap = sup.post(READINGS, json={"readings": _rain("SH_TEST_1", start, [20, 20, 20, 20])}).json()
    assert (first["stored"], overlap["stored"], overlap["duplicates"], overlap["late"]) == (2, 2, 2, 0), overlap
    with container.uow() as uow:
        values = uow.session.scalars(select(ReadingRow.value).order_by(ReadingRow.ts)).all()
        issued = uow.session.scalars(select(WarningMessageRow.transition)).all()
    assert values == [20, 20, 20, 20]
    assert issued.count("issue") == 1, f"one warning issued for the series, got {issued}"


def test_a_reading_older_than_the_rules_clock_is_stored_but_counted_late(as_user):
    sup = as_user("supervisor")
    _gauge(sup)
    sup.post(READINGS, json={"readings": _rain("SH_TEST_1", T0 - timedelta(hours=2), [0, 0])})
    late = sup.post(READINGS, json={"readings": _rain("SH_TEST_1", T0 - timedelta(hours=5), [1])}).json()
    assert (late["stored"], late["late"]) == (1, 1)


def test_ingestion_needs_a_command_role_and_a_bounded_batch(as_user):
    assert as_user("putuo_street").post(READINGS, json={"readings": _rain("A", T0, [1])}).status_code == 403
    too_many = _rain("A", T0 - timedelta(days=300), [1] * 5001)
    assert as_user("supervisor").post(READINGS, json={"readings": too_many}).status_code == 422
