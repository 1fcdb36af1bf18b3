"""`gridloop export-control …`: screen a case, batch-screen shipments, import control lists, confirm settings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption, container_for, parse_day

app = typer.Typer(
    name="export-control",
    help="Rare-earth export-control screening (MOFCOM 2025 No. 61 and related). Advisory, not legal advice.",
    no_args_is_help=True,
)
lists_app = typer.Typer(help="Control-list snapshots (管控名单 / 关注名单).", no_args_is_help=True)
settings_app = typer.Typer(help="Administrator settings the answers rely on.", no_args_is_help=True)
app.add_typer(lists_app, name="lists")
app.add_typer(settings_app, name="settings")

ByOption = Annotated[str, typer.Option("--by", help="Who runs this (recorded for audit).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of the readable report.")]


def register(root: typer.Typer) -> None:
    """Attach the `export-control` commands to the main CLI."""
    root.add_typer(app, name="export-control")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def _calendar(container: Any) -> tuple[Any, str]:
    from gridloop.exportcontrol.services.screening import calendar_of

    return calendar_of(container.deps.deadlines)


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


@app.command("screen")
def screen(
    input: Annotated[Path, typer.Option("--input", "-i", help="The case as JSON (see docs/examples).")],
    as_json: JsonFlag = False,
    by: ByOption = "cli",
    db: DbOption = None,
) -> None:
    """Screen one shipment against Nos. 61, 62, 18, 57 on its export date; the screening is stored for audit."""
    from gridloop.exportcontrol.render import render_text
    from gridloop.exportcontrol.services.screening import screen_and_record

    payload = _read_json(input)
    if not isinstance(payload, dict):
        raise InvalidInput(f"{input}: the case must be a JSON object")
    container = container_for(db)
    calendar, name = _calendar(container)
    with container.uow() as uow:
        answer = screen_and_record(
            uow, payload, now=container.deps.clock.now(), by=by, source="cli", calendar=calendar, calendar_name=name
        )
    if as_json:
        _print_json(answer)
    else:
        print(render_text(answer))


@app.command("batch")
def batch(
    input: Annotated[Path, typer.Option("--input", "-i", help="Shipments CSV (one row per shipment).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Results, one JSON object per line.")],
    by: ByOption = "cli",
    db: DbOption = None,
) -> None:
    """Screen every shipment of a CSV, store each screening, write JSONL, print a summary."""
    from gridloop.exportcontrol.services.batch import run_batch

    text = input.read_text(encoding="utf-8-sig")
    container = container_for(db)
    calendar, name = _calendar(container)
    with output.open("w", encoding="utf-8") as sink:

        def emit(record: dict[str, Any]) -> None:
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")

        summary = run_batch(
            container.uow, text, now=container.deps.clock.now(), by=by, calendar=calendar, calendar_name=name,
            emit=emit,
        )  # fmt: skip
    _print_json(summary.as_dict())
    print(f"wrote {output}", file=sys.stderr)


@app.command("regimes")
def regimes(
    on: Annotated[str | None, typer.Option("--on", help="Day to evaluate (YYYY-MM-DD; default today).")] = None,
    as_json: JsonFlag = False,
    db: DbOption = None,
) -> None:
    """The regime table: dates, the No. 70 window, and each regime's status on a day."""
    from gridloop.exportcontrol.services.screening import regime_table

    container = container_for(db)
    day = parse_day(on, "--on") if on else container.deps.clock.now().astimezone(ZoneInfo("Asia/Shanghai")).date()
    with container.uow() as uow:
        rows = regime_table(uow.session, on=day)
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        window = f"suspended {r['suspended_from']} – {r['suspended_until']}" if r["suspended_from"] else "no suspension"
        print(f"{r['regime']:9} {r['announcement']:24} effective {r['effective']}  {window:36} {r['status_zh']} "
              f"{r['status']} on {r['on']}")  # fmt: skip
    print("仅供参考，不构成法律意见。Advisory, not legal advice.")


@lists_app.command("import")
def lists_import(
    file: Annotated[Path, typer.Argument(help="CSV with name (名称), aliases (别名, |-separated), country, …")],
    kind: Annotated[str, typer.Option("--list", help="control (管控名单) or watch (关注名单).")],
    as_of: Annotated[str, typer.Option("--as-of", help="Date of the snapshot (YYYY-MM-DD).")],
    source: Annotated[str, typer.Option(help="Where the list comes from (URL or announcement).")] = "",
    by: ByOption = "admin",
    db: DbOption = None,
) -> None:
    """Import one dated snapshot of a control list (replaces a snapshot of the same list and date)."""
    from gridloop.exportcontrol.services.lists import import_list_csv, parse_kind

    parsed = parse_kind(kind)
    day = parse_day(as_of, "--as-of")
    text = file.read_text(encoding="utf-8-sig")
    container = container_for(db)
    with container.uow() as uow:
        count = import_list_csv(
            uow, text, kind=parsed, as_of=day, source=source or str(file), by=by, now=container.deps.clock.now()
        )
    print(f"imported {count} entries into the {parsed.value} list as of {day.isoformat()}")


@lists_app.command("show")
def lists_show(db: DbOption = None) -> None:
    """The snapshots held."""
    from gridloop.exportcontrol.services.lists import list_summary

    container = container_for(db)
    with container.uow() as uow:
        _print_json(list_summary(uow.session))


@settings_app.command("show")
def settings_show(db: DbOption = None) -> None:
    """Every stored setting, with who confirmed it."""
    from gridloop.exportcontrol.services.settings import after_suspension_settings, valuation_settings

    container = container_for(db)
    with container.uow() as uow:
        _print_json(
            {
                "after_suspension": [s.as_dict() for s in after_suspension_settings(uow.session).values()],
                "valuation": valuation_settings(uow.session).as_dict(),
            }
        )


@settings_app.command("after-suspension")
def settings_after_suspension(
    value: Annotated[str, typer.Argument(help="resumed, still_suspended or unconfirmed.")],
    by: Annotated[str, typer.Option("--by", help="Administrator confirming it.")],
    suspension: Annotated[str, typer.Option(help="Suspension window id.")] = "mofcom-gac-2025-70",
    note: Annotated[str, typer.Option(help="Source or reason (e.g. the announcement that decided it).")] = "",
    db: DbOption = None,
) -> None:
    """Confirm what applies after a suspension window ends (not known from the sources read)."""
    from gridloop.exportcontrol.services.settings import set_after_suspension

    container = container_for(db)
    with container.uow() as uow:
        setting = set_after_suspension(uow, suspension, value=value, by=by, now=container.deps.clock.now(), note=note)
    _print_json(setting.as_dict())


@settings_app.command("valuation")
def settings_valuation(
    by: Annotated[str, typer.Option("--by", help="Administrator confirming it.")],
    basis: Annotated[str, typer.Option(help="transaction_value, fob, cif, ex_works, customs_value, …")] = (
        "transaction_value"
    ),
    currency: Annotated[str, typer.Option(help="Reference currency of the ratio.")] = "CNY",
    rate: Annotated[list[str] | None, typer.Option(help="CODE=RATE (reference units per unit), repeatable.")] = None,
    rates_as_of: Annotated[str, typer.Option(help="Date of the rates.")] = "",
    rates_source: Annotated[str, typer.Option(help="Where the rates come from.")] = "",
    db: DbOption = None,
) -> None:
    """Set the valuation basis and the currency rates used by the de-minimis ratio."""
    from gridloop.exportcontrol.services.settings import set_valuation

    rates: dict[str, str] = {}
    for item in rate or []:
        code, sep, value = item.partition("=")
        if not sep:
            raise typer.BadParameter(f"{item!r}: write CODE=RATE, e.g. USD=7.1", param_hint="--rate")
        rates[code.strip()] = value.strip()
    container = container_for(db)
    with container.uow() as uow:
        settings = set_valuation(
            uow, basis=basis, reference_currency=currency, rates=rates, rates_as_of=rates_as_of,
            rates_source=rates_source, by=by, now=container.deps.clock.now(),
        )  # fmt: skip
    _print_json(settings.as_dict())
