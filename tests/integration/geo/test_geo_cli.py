"""`gridloop geo` commands against a temporary SQLite database."""

from __future__ import annotations

import json

import pytest
import typer
from geo_helpers import square, write_geojson
from typer.testing import CliRunner

from gridloop.geo import cli as geo
from gridloop.kernel.errors import InvalidInput


@pytest.fixture
def cli(empty_db_url):
    url = empty_db_url
    app = typer.Typer()
    app.command("noop")(lambda: None)
    geo.register(app)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, ["geo", *args, "--db", url])

    return run


def test_import_then_locate_a_point_and_a_text(cli, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [square("310101", "黄浦区", 121.45, 31.20, 0.06)])
    result = cli("import", str(path), "--level", "district", "--crs", "wgs84")
    assert result.exit_code == 0 and "imported 1 district" in result.output, result.output
    located = cli("locate", "121.4905,31.2397", "--crs", "gcj02")
    assert json.loads(located.stdout)[0]["district_code"] == "310101", located.output
    text = cli("locate", "外滩附近")
    assert json.loads(text.stdout)[0]["district_code"] == "310101"


def test_import_of_a_bad_file_raises_the_domain_error_listing_problems(cli, tmp_path):
    path = write_geojson(tmp_path / "bad.geojson", [square("31010", "短码区", 121.45, 31.20, 0.06)])
    result = cli("import", str(path), "--level", "district", "--crs", "wgs84")
    assert isinstance(result.exception, InvalidInput) and "digits" in result.exception.errors[0].message


def test_unknown_crs_is_a_bad_parameter(cli, tmp_path):
    path = write_geojson(tmp_path / "d.geojson", [square("310101", "黄浦区", 121.45, 31.20, 0.06)])
    result = cli("import", str(path), "--level", "district", "--crs", "mars")
    assert result.exit_code == 2 and "not a CRS" in result.output


@pytest.mark.slow
def test_demo_command_builds_a_small_city(cli):
    result = cli("demo", "--cells", "200")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["districts"] == 16 and report["cells"] >= 200


def test_role_add_refuses_a_malformed_code_and_adds_a_good_one(cli):
    bad = cli("role-add", "City Mgmt", "--zh", "城管", "--en", "City management")
    assert isinstance(bad.exception, InvalidInput)
    good = cli("role-add", "city_mgmt", "--zh", "城管", "--en", "City management")
    assert good.exit_code == 0 and "added" in good.stdout
    again = cli("role-add", "city_mgmt", "--zh", "城管", "--en", "City management")
    assert "already exists" in again.stdout


def test_assign_unknown_user_is_not_found(cli):
    from gridloop.kernel.errors import NotFound

    result = cli("assign", "--duty-grid", "310101001001G01", "--role", "police", "--user", "nobody")
    assert isinstance(result.exception, NotFound)
