"""Use cases for a city's category conventions: add/list/remove rules and examples, activate a model.

Every change moves a change stamp (`CONVENTIONS`, `MODEL`) in its transaction; running processes see it within
seconds (`platform.db.stamps.StampWatcher`) and reload."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from gridloop.kernel.errors import InvalidInput, NotFound
from gridloop.platform.db.stamps import bump
from gridloop.triage.domain.conventions import MODES, CategoryRule, LabeledExample, parse_phrases
from gridloop.triage.services.triage import CONVENTIONS_STAMP as CONVENTIONS
from gridloop.triage.services.triage import MODEL_STAMP as MODEL
from gridloop.triage.tables import CategoryRuleRow, LabeledExampleRow, ModelArtifactRow


def add_rule(
    session: Session,
    *,
    category: str,
    phrases: str | list[str],
    mode: str = "boost",
    weight: float = 0.35,
    note: str = "",
    actor: str = "",
    now: datetime,
) -> CategoryRule:
    """Store a phrase rule; it takes effect on the next triage call."""
    parsed = parse_phrases(phrases)
    if not category.strip():
        raise InvalidInput("A rule needs a category.")
    if not parsed:
        raise InvalidInput("A rule needs at least one phrase.")
    if mode not in MODES:
        raise InvalidInput(f"Unknown rule mode {mode!r}; use one of {', '.join(MODES)}.")
    if not 0 < weight <= 1:
        raise InvalidInput("A rule's weight must be in (0, 1].")
    row = CategoryRuleRow(
        category=category.strip(),
        phrases=list(parsed),
        mode=mode,
        weight=weight,
        note=note,
        active=True,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    bump(session, CONVENTIONS, now=now)
    session.commit()
    return _rule(row)


def add_example(session: Session, *, category: str, text: str, actor: str = "", now: datetime) -> LabeledExample:
    """Store a labelled example; similar reports go to its category at once, retraining folds it in."""
    if not category.strip() or not text.strip():
        raise InvalidInput("An example needs a category and a text.")
    row = LabeledExampleRow(category=category.strip(), text=text.strip(), created_by=actor, created_at=now)
    session.add(row)
    bump(session, CONVENTIONS, now=now)
    session.commit()
    return LabeledExample(row.category, row.text, row.id)


def list_rules(session: Session) -> list[CategoryRule]:
    """Active rules, oldest first."""
    rows = session.scalars(select(CategoryRuleRow).where(CategoryRuleRow.active).order_by(CategoryRuleRow.id))
    return [_rule(r) for r in rows]


def list_examples(session: Session) -> list[LabeledExample]:
    """Labelled examples, oldest first."""
    rows = session.scalars(select(LabeledExampleRow).order_by(LabeledExampleRow.id))
    return [LabeledExample(r.category, r.text, r.id) for r in rows]


def remove_rule(session: Session, rule_id: int, *, now: datetime) -> None:
    """Delete a rule."""
    row = session.get(CategoryRuleRow, rule_id)
    if row is None:
        raise NotFound(f"No rule #{rule_id}.")
    session.delete(row)
    bump(session, CONVENTIONS, now=now)
    session.commit()


def remove_example(session: Session, example_id: int, *, now: datetime) -> None:
    """Delete a labelled example."""
    row = session.get(LabeledExampleRow, example_id)
    if row is None:
        raise NotFound(f"No example #{example_id}.")
    session.delete(row)
    bump(session, CONVENTIONS, now=now)
    session.commit()


def seed_rules(session: Session, rules: list[CategoryRule], examples: list[LabeledExample], *, now: datetime) -> int:
    """Load default rules and examples when the tables are empty; returns how many rows were added."""
    if session.scalar(select(CategoryRuleRow.id).limit(1)) is not None:
        return 0
    for r in rules:
        session.add(
            CategoryRuleRow(
                category=r.category,
                phrases=list(r.phrases),
                mode=r.mode,
                weight=r.weight,
                note=r.note,
                active=True,
                created_by="seed",
                created_at=now,
            )
        )
    for e in examples:
        session.add(LabeledExampleRow(category=e.category, text=e.text, created_by="seed", created_at=now))
    bump(session, CONVENTIONS, now=now)
    session.commit()
    return len(rules) + len(examples)


def activate_model(session: Session, *, path: Path, sha256: str, card: dict[str, object], now: datetime) -> int:
    """Make an artifact the active model for intake; returns its row id."""
    for row in session.scalars(select(ModelArtifactRow).where(ModelArtifactRow.active)):
        row.active = False
    row = ModelArtifactRow(path=str(path), sha256=sha256, card=dict(card), active=True, activated_at=now)
    session.add(row)
    bump(session, MODEL, now=now)
    session.commit()
    return row.id


def active_model_path(session: Session) -> Path | None:
    """Path of the active model artifact, if one was activated."""
    row = session.scalars(
        select(ModelArtifactRow).where(ModelArtifactRow.active).order_by(ModelArtifactRow.id.desc())
    ).first()
    return Path(row.path) if row else None


def _rule(row: CategoryRuleRow) -> CategoryRule:
    return CategoryRule(row.category, tuple(row.phrases), row.mode, row.weight, row.note, row.id)
