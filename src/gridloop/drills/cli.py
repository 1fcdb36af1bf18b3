"""`gridloop drill validate|run|report`: check a scenario, run it (optionally with the scripted responder), report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from gridloop.drills.adapters.scenario_file import load
from gridloop.drills.services import auto, report, runs, scoring
from gridloop.kernel.clock import FakeClock
from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption, container_for, group
from gridloop.platform.org.services.org import actor_for, get_user


def register(root: typer.Typer) -> None:
    """Add the `drill` commands."""
    app = group(root, "drill", help="Drills and tabletop exercises (演练): scenarios, runs, scores, reports.")

    @app.command("validate")
    def validate(scenario: Annotated[str, typer.Argument(help="A shipped scenario id or a YAML/JSON file.")]) -> None:
        """Check a scenario against the schema and the drill rules; every problem on its own line with its path."""
        try:
            s, _ = load(scenario)
        except InvalidInput as exc:
            for e in exc.errors:  # one line per problem, with its path; then the one-line summary (exit 2)
                typer.echo(f"{e.field}: {e.message}", err=True)
            raise InvalidInput(str(exc)) from None
        typer.echo(f"ok: {s.id} v{s.version} — {len(s.roles)} roles, {len(s.injects)} injects, "
                   f"{len(s.expected)} expected actions")  # fmt: skip

    @app.command("list")
    def list_scenarios() -> None:
        """The shipped scenarios."""
        from gridloop.drills.adapters.scenario_file import shipped_ids

        for sid in shipped_ids():
            s, _ = load(sid)
            typer.echo(f"{sid}\t{s.title}")

    @app.command("run")
    def run(
        scenario: Annotated[str, typer.Argument(help="A shipped scenario id or a YAML/JSON file.")],
        speed: Annotated[float, typer.Option("--speed", min=0, max=3600, help="Run time per real time (×N).")] = 60.0,
        auto_: Annotated[
            bool, typer.Option("--auto", help="A scripted responder plays every role (repeatable).")
        ] = False,
        facilitator: Annotated[str, typer.Option("--as", help="The facilitator's username.")] = "admin",
        db: DbOption = None,
    ) -> None:
        """Run a scenario as an exercise and print its score (JSON). Without --auto, people act in the console."""
        c = container_for(db)
        with c.uow() as work:
            actor = actor_for(get_user(work.session, facilitator))
        req = runs.StartRequest(scenario=scenario, mode=runs.EXERCISE, speed=speed)
        if auto_:
            clock = FakeClock(c.deps.clock.now().replace(microsecond=0))
            done = auto.run_auto(c.uow, actor, req, deps=c.deps, clock=clock, speed=speed if speed < 3600 else 0)
        else:
            with c.uow() as work:
                run_id = runs.start(work, actor, req, now=c.deps.clock.now()).id
            typer.echo(f"drill run {run_id} started; participants act in the console (/drills/{run_id})", err=True)
            from gridloop.cases.services import triage_queue

            while True:
                with c.uow() as work:
                    runs.advance(work, run_id, deps=c.deps)
                triage_queue.drain(c.uow, deps=c.deps, worker=f"drill-{run_id}")  # no worker thread in a CLI
                with c.uow() as work:
                    r = runs.get_run(work.session, run_id)
                    over = r.status != runs.RUNNING or runs.sim_minutes(r, c.deps.clock.now()) >= (
                        runs.scenario_of(r).duration_minutes
                    )
                if over:
                    break
                time.sleep(1.0)
            with c.uow() as work:
                done = scoring.end(work, None, run_id, now=c.deps.clock.now())
        with c.uow() as work:
            out = scoring.summary(work.session, runs.get_run(work.session, done.id))
        out["run_id"] = out.pop("id")
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        typer.echo(f"score {out['score']} — {out['conclusion']}", err=True)

    @app.command("report")
    def report_cmd(
        run_id: Annotated[int, typer.Argument(min=1)],
        fmt: Annotated[str, typer.Option("--format", help="html or pdf")] = "html",
        out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout for html)")] = None,
        db: DbOption = None,
    ) -> None:
        """The after-action report of a run, as HTML (with its timeline chart) or printable PDF."""
        if fmt not in ("html", "pdf"):
            raise typer.BadParameter("html or pdf", param_hint="--format")
        if fmt == "pdf" and out is None:
            raise typer.BadParameter("a PDF needs --out FILE", param_hint="--out")
        c = container_for(db)
        with c.uow() as work:
            data = report.report_data(work.session, run_id)
            body = report.render_pdf(data) if fmt == "pdf" else report.render_html(data).encode("utf-8")
        if out is None:
            typer.echo(body.decode("utf-8"))
        else:
            out.write_bytes(body)
            typer.echo(f"wrote {out} ({len(body)} bytes)", err=True)
