"""The CAP feed and per-message XML from stored warnings; a stored warning opens an incident; the active board."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from typer.testing import CliRunner

from gridloop.emergency.adapters.cap_checks import CapSchema, conformance_problems
from tests.conftest import T0
from tests.emergency.helpers import store_warning

SHANGHAI = "sensors/shanghai_pm25_precip_hourly_2013-06_2013-10.csv"
ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_lists_every_replayed_message_and_each_link_serves_valid_cap(
    emergency_data, tmp_path, db_url, app_client, as_user
):
    from gridloop.cli import _register, app

    _register()
    args = ["emergency", "replay", str(emergency_data / SHANGHAI), "--db", db_url, "--out", str(tmp_path / "a")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stored"] == 16
    r = app_client.get("/api/v1/cap/feed.atom")  # public: no token
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(r.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 16
    updated = [e.findtext(f"{ATOM}updated") for e in entries]
    assert updated == sorted(updated, reverse=True) and all(u.endswith("+08:00") for u in updated)
    assert "暴雨" in entries[0].findtext(f"{ATOM}title")
    schema = CapSchema.load(emergency_data / "cap/CAP-v1.2.xsd")
    for entry in entries:
        href = entry.find(f"{ATOM}link").get("href")
        path = href.split("://", 1)[1].split("/", 1)[1]
        doc = app_client.get(f"/{path}")
        assert doc.status_code == 200 and doc.headers["content-type"].startswith("application/cap+xml")
        assert schema.problems(doc.content) == [] and conformance_problems(doc.content, gbt35965=True) == []
    assert app_client.get("/api/v1/cap/nope.xml").status_code == 404
    board = as_user("supervisor").get("/api/v1/emergency/warnings").json()
    assert len(board["recent"]) == 16
    assert all(w["msg_type"] != "Cancel" for w in board["active"])


def test_the_board_shows_the_newest_message_of_each_chain_unless_cancelled(container, as_user):
    from datetime import timedelta

    store_warning(container, identifier="A_1", sent_at=T0, level=3, subject="S1")
    store_warning(container, identifier="A_2", sent_at=T0 + timedelta(hours=1), level=2, subject="S1",
                  msg_type="Update")  # fmt: skip
    store_warning(container, identifier="B_1", sent_at=T0, level=4, subject="S2")
    store_warning(container, identifier="B_2", sent_at=T0 + timedelta(hours=2), level=4, subject="S2",
                  msg_type="Cancel")  # fmt: skip
    active = as_user("supervisor").get("/api/v1/emergency/warnings").json()["active"]
    assert [(w["identifier"], w["colour"]) for w in active] == [("A_2", "orange")]
