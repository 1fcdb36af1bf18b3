"""`gridloop emergency replay`: a readings CSV in, one CAP file per message and a warning log out."""

from __future__ import annotations

import json

from lxml import etree
from typer.testing import CliRunner

from gridloop.emergency.adapters.cap_checks import NS, CapSchema, conformance_problems

SHANGHAI = "sensors/shanghai_pm25_precip_hourly_2013-06_2013-10.csv"


def run(*args):
    from gridloop.cli import _register, app

    _register()
    return CliRunner().invoke(app, ["emergency", "replay", *map(str, args)])


def log_lines(out):
    return [json.loads(line) for line in (out / "warnings.jsonl").read_text(encoding="utf-8").splitlines()]


def test_replay_writes_one_valid_cap_file_and_one_log_line_per_message(emergency_data, tmp_path):
    out = tmp_path / "out"
    result = run(emergency_data / SHANGHAI, "--out", out, "--xsd", emergency_data / "cap/CAP-v1.2.xsd")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    lines = log_lines(out)
    assert summary["messages"] == len(lines) == 16 and summary["readings"] == 14688
    schema = CapSchema.load(emergency_data / "cap/CAP-v1.2.xsd")
    for line in lines:
        xml = (out / f"{line['identifier']}.xml").read_bytes()
        assert schema.problems(xml) == [] and conformance_problems(xml, gbt35965=True, offset="+08:00") == []
        root = etree.fromstring(xml)
        assert root.findtext("cap:msgType", namespaces=NS) == line["msgType"]
        assert root.findtext("cap:sent", namespaces=NS) == line["sent"]
        assert {"identifier", "msgType", "sent", "station_id", "event", "level", "colour"} <= set(line)
        assert line["station_id"] == "SH_MET" and line["event"] == "暴雨" and 1 <= line["level"] <= 4
    assert len(list(out.glob("*.xml"))) == len(lines)
    assert [(x["sent"][:13], x["colour"]) for x in lines if x["msgType"] != "Cancel" and x["level"] <= 2] == [
        ("2013-08-01T16", "orange"),
        ("2013-09-13T16", "orange"),
        ("2013-10-08T06", "orange"),
    ]


def test_replay_refuses_a_folder_that_already_holds_warnings(emergency_data, tmp_path):
    (tmp_path / "warnings.jsonl").write_text("", encoding="utf-8")
    result = run(emergency_data / SHANGHAI, "--out", tmp_path)
    assert result.exit_code != 0 and "already holds warnings" in str(result.exception)


def test_a_signal_table_csv_can_replace_the_rainstorm_steps(emergency_data, tmp_path):
    table = tmp_path / "strict.csv"
    table.write_text("level,window_hours,threshold_mm\n2,3,60\n", encoding="utf-8")
    result = run(emergency_data / SHANGHAI, "--out", tmp_path / "out", "--rules", table)
    assert result.exit_code == 0, result.output
    raised = [x for x in log_lines(tmp_path / "out") if x["msgType"] == "Alert" and x["rule_id"] == "rainstorm"]
    assert [x["sent"][:10] for x in raised] == ["2013-08-01", "2013-09-13"], "only 3 h ≥ 60 mm: 66.2 and 71.4"


def test_a_rule_file_in_toml_drives_the_replay(tmp_path):
    readings = tmp_path / "co.csv"
    readings.write_text(
        "ts_local,station_id,metric,value,unit\n"
        + "".join(f"2004-03-10T{h:02d}:00:00,IT,co,{v},mg/m3\n" for h, v in enumerate([1, 9, 9, 9, 2, 2, 2]))
    )
    rules = tmp_path / "co.toml"
    rules.write_text(
        '[[rule]]\nid = "co-high"\nevent = "一氧化碳超标"\nmetric = "co"\nunit = "mg/m3"\nkind = "threshold"\n'
        'hold = "1h"\nclear_hold = "2h"\ncategory = "Env"\nsteps = [{ level = 3, threshold = 8 }]\n'
        '[[area]]\nsubject = "IT"\ndescription = "路边监测站周边"\npolygon = [[45.0, 9.0], [45.0, 9.1], [45.1, 9.1]]\n'
    )
    result = run(readings, "--out", tmp_path / "out", "--rules", rules, "--tz", "Europe/Rome", "--exercise")
    assert result.exit_code == 0, result.output
    lines = log_lines(tmp_path / "out")
    assert [(x["msgType"], x["sent"]) for x in lines] == [
        ("Alert", "2004-03-10T09:00:00+08:00"),  # 02:00 in Rome, held one hour
        ("Cancel", "2004-03-10T13:00:00+08:00"),  # clear from 04:00, two hours later
    ]
    xml = (tmp_path / "out" / f"{lines[0]['identifier']}.xml").read_bytes()
    assert b"<status>Exercise</status>" in xml
    assert "<areaDesc>路边监测站周边</areaDesc>" in xml.decode()
    assert (
        "<polygon>45.000000,9.000000 45.000000,9.100000 45.100000,9.100000 45.000000,9.000000</polygon>" in xml.decode()
    )


def test_an_unknown_rule_kind_is_one_clear_error(tmp_path):
    rules = tmp_path / "bad.toml"
    rules.write_text(
        '[[rule]]\nid="x"\nevent="e"\nmetric="m"\nunit="u"\nkind="median"\nsteps=[{level=1,threshold=1}]\n'
    )
    readings = tmp_path / "r.csv"
    readings.write_text("ts,station_id,metric,value,unit\n")
    result = run(readings, "--out", tmp_path / "out", "--rules", rules)
    assert result.exit_code != 0 and "median" in str(result.exception)


def test_replay_with_db_stores_every_message_once(emergency_data, tmp_path, db_url):
    from sqlalchemy import create_engine, text

    from gridloop.cli import _register, app

    _register()
    args = ["emergency", "replay", str(emergency_data / SHANGHAI), "--db", db_url]
    first = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["stored"] == 16
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT msg_type, level, status FROM emergency_warning_messages")).all()
    engine.dispose()
    assert len(rows) == 16 and {r.status for r in rows} == {"Actual"}
    again = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert again.exit_code != 0 and "already stored" in str(again.exception)
