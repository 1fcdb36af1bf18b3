"""`gridloop kb`: import FAQ, KB and regulation files; search one question or a JSONL batch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from gridloop.kernel.errors import InvalidInput

app = typer.Typer(help="Policy knowledge base (政策知识库): import and search.", no_args_is_help=True)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: GRIDLOOP_DATABASE_URL or sqlite:///var/gridloop.db)."),
]


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from gridloop.knowledge.adapters.store import FileStore, store_dir
    from gridloop.platform.cli.common import settings_for

    return FileStore(store_dir(settings_for(db).database_url))


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV, JSONL or regulations JSONL file.")],
    fmt: Annotated[str, typer.Option("--format", help="csv | jsonl | regulations")] = "csv",
    id_col: Annotated[str, typer.Option("--id-col")] = "id",
    title_col: Annotated[str, typer.Option("--title-col")] = "title",
    body_col: Annotated[str, typer.Option("--body-col")] = "body",
    unit_col: Annotated[str | None, typer.Option("--unit-col")] = None,
    db: DbOption = None,
) -> None:
    """Import articles (a re-import with the same id replaces the article)."""
    from gridloop.knowledge.adapters.sources import read_regulations, read_table
    from gridloop.knowledge.services.search import import_records

    if fmt == "regulations":
        records = read_regulations(file)
    else:
        records = read_table(file, fmt=fmt, id_col=id_col, title_col=title_col, body_col=body_col, unit_col=unit_col)
    report = import_records(records, store=_store(db))
    typer.echo(f"imported {report.read} articles ({report.added} new, {report.replaced} replaced)")


@app.command("search")
def search_cmd(
    query: Annotated[str | None, typer.Argument(help="One question (or use --input).")] = None,
    input_file: Annotated[Path | None, typer.Option("--input", help='JSONL of {"id", "query"}.')] = None,
    output: Annotated[Path | None, typer.Option("--output", help="JSONL of results (default: stdout).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=1000)] = 10,
    db: DbOption = None,
) -> None:
    """Search the imported articles: one question for people, or a JSONL batch for checks."""
    from gridloop.knowledge.services.search import hits_as_json, search_many

    if (query is None) == (input_file is None):
        raise InvalidInput("give either a question or --input FILE")
    index = _store(db).index()
    if query is not None:
        hits = index.search(query, top=top)
        if output is None:
            for n, h in enumerate(hits, 1):
                typer.echo(f"{n:>2}. {h.source_id}  {h.score:.2f}  {h.title}")
            if not hits:
                typer.echo("no match")
            return
        items = iter([{"id": None, "query": query, "results": hits_as_json(hits)}])
    else:
        assert input_file is not None
        items = search_many(_read_queries(input_file), index=index, top=top)
    out = output.open("w", encoding="utf-8") if output else None
    try:
        for row in items:
            line = json.dumps(row, ensure_ascii=False)
            if out:
                out.write(line + "\n")
            else:
                typer.echo(line)
    finally:
        if out:
            out.close()


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
