"""`gridloop kb`: import FAQ, KB and regulation files; search one question or a JSONL batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gridloop.kernel.errors import InvalidInput
from gridloop.platform.cli.common import DbOption

app = typer.Typer(help="Policy knowledge base (政策知识库): import and search.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or regulations JSONL file.")],
    fmt: Annotated[str, typer.Option("--format", help="csv | jsonl | regulations")] = "csv",
    id_col: Annotated[str, typer.Option("--id-col")] = "id",
    title_col: Annotated[str, typer.Option("--title-col")] = "title",
    body_col: Annotated[str, typer.Option("--body-col")] = "body",
    unit_col: Annotated[str | None, typer.Option("--unit-col")] = None,
    effective_col: Annotated[str | None, typer.Option("--effective-col", help="Column of the start date.")] = None,
    expires_col: Annotated[str | None, typer.Option("--expires-col", help="Column of the expiry date.")] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Import as drafts to review (not answered from).")] = False,
    no_embed: Annotated[bool, typer.Option("--no-embed", help="Do not compute sentence vectors now.")] = False,
    db: DbOption = None,
) -> None:
    """Import articles as published versions (a changed text with the same id becomes a new version)."""
    from gridloop.knowledge.adapters.sources import read_regulations, read_table
    from gridloop.knowledge.domain.articles import Status
    from gridloop.knowledge.services.search import import_articles
    from gridloop.platform.cli.common import container_for
    from gridloop.platform.db.migrate import upgrade

    if fmt == "regulations":
        items = read_regulations(file)
    else:
        items = read_table(
            file,
            fmt=fmt,
            id_col=id_col,
            title_col=title_col,
            body_col=body_col,
            unit_col=unit_col,
            effective_col=effective_col,
            expires_col=expires_col,
        )
    container = container_for(db)
    upgrade(container.uow.engine)
    now = container.deps.clock.now()
    status = Status.DRAFT if draft else Status.PUBLISHED
    report = import_articles(items, uow=container.uow, now=now, source=file.name, status=status)
    typer.echo(
        f"imported {report.read} articles ({report.added} new, {report.new_versions} new versions, "
        f"{report.unchanged} unchanged)"
    )
    if container.settings.kb_semantic and not no_embed:
        _embed(container)


def _embed(container: object) -> None:
    """Embed the answerable articles that have no vector yet (semantic re-ranking) and say how many."""
    import time

    from gridloop.knowledge.adapters.semantic import E5Encoder
    from gridloop.knowledge.services.search import embed_missing

    c: Any = container
    t0 = time.perf_counter()
    today = c.deps.clock.now().astimezone(c.deps.tz).date()
    # a command of its own: every core for the articles (serve's job uses one thread beside the server)
    n = embed_missing(uow=c.uow, today=today, now=c.deps.clock.now(), encoder=E5Encoder(batch_threads=None))
    typer.echo(f"embedded {n} article texts in {time.perf_counter() - t0:.1f} s")


@app.command("embed")
def embed_cmd(db: DbOption = None) -> None:
    """Compute the sentence vectors of answerable articles that have none (for semantic re-ranking)."""
    from gridloop.platform.cli.common import container_for
    from gridloop.platform.db.migrate import upgrade

    container = container_for(db)
    upgrade(container.uow.engine)
    _embed(container)


@app.command("search")
def search_cmd(
    query: Annotated[str | None, typer.Argument(help="One question (or use --input).")] = None,
    input_file: Annotated[Path | None, typer.Option("--input", help='JSONL of {"id", "query"}.')] = None,
    output: Annotated[Path | None, typer.Option("--output", help="JSONL of results (default: stdout).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=1000)] = 10,
    db: DbOption = None,
) -> None:
    """Search the valid, published articles: one question for people, or a JSONL batch for checks."""
    from gridloop.knowledge.adapters.store import cache_dir
    from gridloop.knowledge.services.search import current_index, hits_as_json, search_many
    from gridloop.platform.cli.common import container_for

    if (query is None) == (input_file is None):
        raise InvalidInput("give either a question or --input FILE")
    queries = _read_queries(input_file) if input_file is not None else []
    container = container_for(db)
    today = container.deps.clock.now().astimezone(container.deps.tz).date()
    with container.uow() as work:
        index = current_index(
            work.session,
            today=today,
            cache_root=cache_dir(container.settings.database_url),
            semantic=container.settings.kb_semantic,
        )
    if query is not None:
        hits = index.search(query, top=top)
        if output is None:
            from gridloop.knowledge.adapters.text import expansions
            from gridloop.knowledge.domain.highlight import highlight, mark

            wanted = " ".join([query, *(term for term, _ in expansions(query))])
            for n, h in enumerate(hits, 1):
                typer.echo(f"{n:>2}. {h.source_id}  {h.score:.2f}  {h.title}")
                for p in highlight(index.records[h.position].body, query=wanted, limit=1):
                    typer.echo(f"      {mark(p.text[:160], terms=p.matched)}")
            if not hits:
                typer.echo("no match")
            return
        rows = iter([{"id": None, "query": query, "results": hits_as_json(hits)}])
    else:
        rows = search_many(queries, index=index, top=top)
    if output is None:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    with output.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command("score-replies")
def score_replies_cmd(
    file: Annotated[Path, typer.Argument(help="CSV with 留言编号, 留言主题, 留言详情, 答复意见, 留言时间, 答复时间.")],
    output: Annotated[Path | None, typer.Option("--output", help="CSV of scores (default: stdout).")] = None,
    limit_days: Annotated[int, typer.Option("--limit-days", min=1, help="Days a reply counts as on time.")] = 15,
) -> None:
    """Score replies: relevance, completeness, interpretability, timeliness and their mean (0–1 each)."""
    import csv
    import sys

    from gridloop.knowledge.services.replies import score_rows

    csv.field_size_limit(sys.maxsize)
    with file.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(score_rows(csv.DictReader(fh), limit_days=limit_days))
    fields = ["留言编号", "relevance", "completeness", "interpretability", "timeliness", "overall"]
    out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    try:
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    finally:
        if output:
            out.close()


@app.command("versions")
def versions_cmd(source_id: Annotated[str, typer.Argument()], db: DbOption = None) -> None:
    """List an article's versions with status and validity."""
    from gridloop.knowledge.domain.articles import STATUS_LABELS
    from gridloop.knowledge.services.workflow import versions
    from gridloop.platform.cli.common import container_for

    for v in versions(source_id, uow=container_for(db).uow):
        window = f"{v.effective_from or '…'} – {v.expires_on or '…'}"
        typer.echo(f"v{v.number}  {STATUS_LABELS[v.status][0]}({v.status.value})  {window}  {v.title[:60]}")


@app.command("expiry-alerts")
def expiry_alerts_cmd(
    days: Annotated[int, typer.Option("--days", min=1, max=3650, help="Alert this many days ahead.")] = 30,
    db: DbOption = None,
) -> None:
    """Queue an outbox notice to the owning department of every published version expiring within N days (once)."""
    from gridloop.knowledge.services.editing import send_expiry_alerts
    from gridloop.platform.cli.common import container_for

    container = container_for(db)
    with container.uow() as uow:
        n = send_expiry_alerts(uow, container.deps, days=days)
    typer.echo(f"{n} expiry alert(s) queued")


def _action_command(action_name: str, doc: str) -> None:
    def command(
        source_id: Annotated[str, typer.Argument()],
        version: Annotated[int | None, typer.Option("--version", help="Version number (default: newest).")] = None,
        db: DbOption = None,
    ) -> None:
        from gridloop.knowledge.domain.articles import Action
        from gridloop.knowledge.services.workflow import apply_action
        from gridloop.platform.cli.common import container_for

        container = container_for(db)
        status = apply_action(
            source_id, action=Action(action_name), uow=container.uow, now=container.deps.clock.now(), number=version
        )
        typer.echo(f"{source_id}: {status.value}")

    command.__doc__ = doc
    app.command(action_name)(command)


for _name, _doc in (
    ("review", "Mark a draft version reviewed."),
    ("reject", "Send a reviewed version back to draft."),
    ("publish", "Publish a reviewed version (the previously published one expires)."),
    ("expire", "Expire a published version."),
    ("withdraw", "Withdraw a version (it is never answered from again)."),
):
    _action_command(_name, _doc)


def _read_queries(path: Path) -> list[dict[str, object]]:
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInput(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or "query" not in obj:
                raise InvalidInput(f'{path}:{n}: each line needs {{"id": …, "query": "…"}}')
            out.append(obj)
    return out


def register(root: typer.Typer) -> None:
    """Attach `gridloop kb`."""
    root.add_typer(app, name="kb")
