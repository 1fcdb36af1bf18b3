"""`gridloop model …`: train, evaluate, activate the classifier; manage city rules and examples."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from gridloop.platform.cli.common import DbOption, container_for

model_app = typer.Typer(help="Category classifier: train, eval, use; city rules and examples.", no_args_is_help=True)

DataOpt = Annotated[Path, typer.Option("--data", help="Labelled CSV (UTF-8, header row).")]
TextCol = Annotated[str, typer.Option("--text-col", help="Column holding the message text.")]
LabelCol = Annotated[str, typer.Option("--label-col", help="Column holding the category.")]


def _now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def _session(db: str | None) -> Iterator[Session]:
    """A session of the container's unit of work (the triage services commit)."""
    with container_for(db).uow() as uow:
        yield uow.session


def _check_data(path: Path) -> None:
    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}", param_hint="--data")


def print_metrics(m: dict[str, Any], title: str) -> None:
    """Per-class table, macro figures and confusion matrix on the terminal."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"{title}: macro-F1 {m['macro_f1']:.4f} · accuracy {m['accuracy']:.4f} · n={m['n']}")
    for col in ("category", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "category" else "right")
    for lab, pc in m["per_class"].items():
        table.add_row(lab, f"{pc['precision']:.3f}", f"{pc['recall']:.3f}", f"{pc['f1']:.3f}", str(pc["support"]))
    table.add_row(
        "macro",
        f"{m['macro_precision']:.3f}",
        f"{m['macro_recall']:.3f}",
        f"{m['macro_f1']:.3f}",
        str(m["n"]),
    )
    console.print(table)
    cm = Table(title="confusion matrix (rows = gold, columns = predicted)")
    cm.add_column("gold \\ pred")
    for i, _ in enumerate(m["labels"]):
        cm.add_column(str(i), justify="right")
    for i, (lab, row) in enumerate(zip(m["labels"], m["confusion"], strict=True)):
        cm.add_row(f"{i} {lab}", *[str(v) for v in row])
    console.print(cm)


@model_app.command("train")
def train_cmd(
    data: DataOpt,
    text_col: TextCol = "text_original",
    label_col: LabelCol = "一级分类",
    out: Annotated[Path, typer.Option("--out", help="Artifact path (a .json card is written next to it).")] = Path(
        "var/models/classifier.joblib"
    ),
    examples: Annotated[bool, typer.Option(help="Fold in the city's labelled examples from the database.")] = True,
    evaluate: Annotated[
        bool, typer.Option("--eval/--no-eval", help="Also run the holdout protocol for the card.")
    ] = True,
    db: DbOption = None,
) -> None:
    """Train on every labelled row (text and token rows) plus the city's examples; write the artifact."""
    from gridloop.triage.adapters.models import train_full

    _check_data(data)
    exs = []
    if examples:
        from gridloop.triage.services.conventions import list_examples

        with _session(db) as s:
            exs = list_examples(s)
    try:
        model = train_full(data, text_col=text_col, label_col=label_col, examples=exs, now=_now())
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if evaluate:
        model.card.metrics = _protocol_metrics(data, text_col=text_col, label_col=label_col)
    model.save(out)
    size = out.stat().st_size / 1e6
    typer.echo(
        f"trained on {model.card.train_rows} texts ({len(exs)} examples) in {model.card.train_seconds}s; "
        f"labels: {', '.join(model.labels)}; wrote {out} ({size:.1f} MB)"
    )


def _protocol_metrics(data: Path, *, text_col: str, label_col: str) -> dict[str, Any]:
    """Holdout metrics of the protocol for the model card (empty when the file has no text rows)."""
    from gridloop.triage.adapters import dataset as ds
    from gridloop.triage.adapters.classifier import train

    split = ds.protocol_split(ds.read_rows(data, text_col=text_col, label_col=label_col))
    if len(split.test) < 2:
        return {}
    probe = train([t for t, _ in split.train], [c for _, c in split.train], normalised=True)
    pred = [lab for lab, _ in probe.predict([t for t, _ in split.test], normalised=True)]
    m = ds.metrics([g for _, g in split.test], pred, labels=probe.labels)
    return {
        "protocol": "stratified 80/20, seed 2020, rows with text; train = 80 % + token rows",
        "macro_f1": m["macro_f1"],
        "accuracy": m["accuracy"],
        "n_test": m["n"],
        "per_class_f1": {k: v["f1"] for k, v in m["per_class"].items()},
    }


@model_app.command("eval")
def eval_cmd(
    data: DataOpt,
    text_col: TextCol = "text_original",
    label_col: LabelCol = "一级分类",
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Evaluate this artifact on every row instead of the protocol."),
    ] = None,
    cv: Annotated[int, typer.Option("--cv", help="Also run k-fold cross-validation (0 = off).")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    part: Annotated[
        str, typer.Option("--split", help="Evaluation set (tests/data/shanghai_eval.csv): holdout, tune or all.")
    ] = "holdout",
) -> None:
    """Evaluate: the protocol (stratified 80/20, seed 2020, train on 80 % + token rows) or a given model; an
    evaluation set with urgency, duplicate groups and a split (tests/data/shanghai_eval.csv) is scored whole:
    emergencies, duplicates, categories and auto-dispatch (issue 18's table)."""
    from gridloop.triage.adapters import dataset as ds
    from gridloop.triage.adapters.classifier import TextClassifier, train
    from gridloop.triage.adapters.text import normalise
    from gridloop.triage.services.quality import evaluate_file, is_eval_file

    _check_data(data)
    if is_eval_file(data):
        from gridloop.config import Settings

        scored = evaluate_file(data, model=model, shared_data_dir=Settings().shared_data_dir, split=part)
        if as_json:
            typer.echo(json.dumps(scored, ensure_ascii=False, indent=2))
        else:
            for key, value in scored["table"].items():
                typer.echo(f"{key:48} {value}")
        return
    try:
        rows = ds.read_rows(data, text_col=text_col, label_col=label_col)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    result: dict[str, Any] = {"data": str(data)}
    if model is not None:
        clf = TextClassifier.load(model)
        test = [(normalise(r.text), r.label) for r in rows if r.text]
        pred = [lab for lab, _ in clf.predict([t for t, _ in test], normalised=True)]
        labels = sorted(set(clf.labels) | {g for _, g in test})
        result["holdout"] = ds.metrics([g for _, g in test], pred, labels=labels)
        result["model"] = str(model)
    else:
        split = ds.protocol_split(rows)
        started = time.perf_counter()
        clf = train([t for t, _ in split.train], [c for _, c in split.train], normalised=True)
        result["train_seconds"] = round(time.perf_counter() - started, 2)
        pred = [lab for lab, _ in clf.predict([t for t, _ in split.test], normalised=True)]
        result["split"] = split.info
        result["holdout"] = ds.metrics([g for _, g in split.test], pred, labels=clf.labels)
    if cv:
        folds = []
        for fold in ds.cv_splits(rows, folds=cv):
            fc = train([t for t, _ in fold.train], [c for _, c in fold.train], normalised=True)
            fp = [lab for lab, _ in fc.predict([t for t, _ in fold.test], normalised=True)]
            folds.append(ds.metrics([g for _, g in fold.test], fp, labels=fc.labels)["macro_f1"])
        result["cv"] = {"folds": folds, "mean_macro_f1": round(sum(folds) / len(folds), 4)}
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print_metrics(result["holdout"], "holdout" if model is None else f"{model} on {data.name}")
    if "cv" in result:
        typer.echo(f"{cv}-fold CV macro-F1: {result['cv']['mean_macro_f1']:.4f} ({result['cv']['folds']})")


@model_app.command("use")
def use_cmd(
    path: Annotated[Path, typer.Argument(help="Artifact written by `gridloop model train`.")],
    db: DbOption = None,
) -> None:
    """Activate an artifact for intake and triage."""
    from gridloop.triage.adapters.classifier import TextClassifier, file_sha256
    from gridloop.triage.services.conventions import activate_model

    if not path.is_file():
        raise typer.BadParameter(f"no such file: {path}")
    try:
        clf = TextClassifier.load(path)
    except Exception as exc:
        raise typer.BadParameter(f"not a classifier artifact: {exc}") from None
    with _session(db) as s:
        activate_model(s, path=path.resolve(), sha256=file_sha256(path), card=clf.card.as_dict(), now=_now())
    typer.echo(f"active model: {path} (labels: {', '.join(clf.labels)})")


@model_app.command("rule-add")
def rule_add_cmd(
    category: Annotated[str, typer.Argument(help="Category, e.g. 交通运输.")],
    phrases: Annotated[str, typer.Argument(help="Comma-separated phrases; A+B means both must occur.")],
    mode: Annotated[str, typer.Option(help="override | boost")] = "boost",
    weight: Annotated[float, typer.Option(help="Boost added to the category's probability.")] = 0.35,
    note: Annotated[str, typer.Option(help="Why the rule exists.")] = "",
    db: DbOption = None,
) -> None:
    """Add a city rule (effective at once)."""
    from gridloop.triage.services.conventions import add_rule

    with _session(db) as s:
        rule = add_rule(s, category=category, phrases=phrases, mode=mode, weight=weight, note=note, now=_now())
    typer.echo(f"rule #{rule.rule_id}: {'/'.join(rule.phrases)} → {rule.category} ({rule.mode})")


@model_app.command("rules")
def rules_cmd(db: DbOption = None) -> None:
    """List city rules and examples."""
    from gridloop.triage.services.conventions import list_examples, list_rules

    with _session(db) as s:
        for r in list_rules(s):
            typer.echo(f"rule #{r.rule_id}\t{r.category}\t{r.mode}\t{r.weight:g}\t{', '.join(r.phrases)}")
        for e in list_examples(s):
            typer.echo(f"example #{e.example_id}\t{e.category}\t{e.text}")


@model_app.command("rule-rm")
def rule_rm_cmd(rule_id: int, db: DbOption = None) -> None:
    """Remove a city rule."""
    from gridloop.triage.services.conventions import remove_rule

    with _session(db) as s:
        remove_rule(s, rule_id, now=_now())
    typer.echo(f"removed rule #{rule_id}")


@model_app.command("example-add")
def example_add_cmd(category: str, text: str, db: DbOption = None) -> None:
    """Add a labelled example (similar reports follow it at once; `model train` folds it in)."""
    from gridloop.triage.services.conventions import add_example

    with _session(db) as s:
        ex = add_example(s, category=category, text=text, now=_now())
    typer.echo(f"example #{ex.example_id} → {ex.category}")


@model_app.command("example-rm")
def example_rm_cmd(example_id: int, db: DbOption = None) -> None:
    """Remove a labelled example."""
    from gridloop.triage.services.conventions import remove_example

    with _session(db) as s:
        remove_example(s, example_id, now=_now())
    typer.echo(f"removed example #{example_id}")


@model_app.command("seed-rules")
def seed_rules_cmd(db: DbOption = None) -> None:
    """Load the shipped Shanghai rules and examples into an empty rules table."""
    from gridloop.triage.adapters.models import shipped_examples, shipped_rules
    from gridloop.triage.services.conventions import seed_rules

    with _session(db) as s:
        n = seed_rules(s, shipped_rules(), shipped_examples(), now=_now())
    typer.echo(f"added {n} rules and examples" if n else "rules already present; nothing added")


def register(app: typer.Typer) -> None:
    """Attach `gridloop model …`."""
    app.add_typer(model_app, name="model")
