"""Wiring: a TriageService with the resolved classifier, the city's conventions and OpenCC conversion."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from gridloop.config import Settings
from gridloop.platform.db.stamps import StampWatcher, read_stamps
from gridloop.platform.script import to_simplified
from gridloop.triage.adapters.classifier import TextClassifier
from gridloop.triage.adapters.models import DEFAULT_MODEL_PATH, resolve_model, shipped_examples, shipped_rules
from gridloop.triage.adapters.words import automaton_locator, segment
from gridloop.triage.domain.conventions import Conventions, merge_examples, merge_rules
from gridloop.triage.services.triage import TriageService

log = logging.getLogger(__name__)


def shipped_conventions_value() -> Conventions:
    """The shipped Shanghai conventions, compiled (rule phrases matched as words)."""
    return Conventions(shipped_rules(), shipped_examples(), segment=segment)


def db_conventions(session_factory: Callable[[], Session]) -> Callable[[], Conventions]:
    """A provider of the shipped rules and examples merged with the city's own from the database (a city rule
    overrides a shipped one by key, `overrides:KEY` in its note; it never switches the shipped set off)."""
    from gridloop.triage.services.conventions import list_examples, list_rules

    def load() -> Conventions:
        try:
            with session_factory() as s:
                rules, examples = list_rules(s), list_examples(s)
        except SQLAlchemyError as exc:  # tables not created yet: the shipped defaults apply
            log.warning("city rules unavailable (%s); using shipped defaults", type(exc).__name__)
            return shipped_conventions_value()
        return Conventions(
            merge_rules(shipped_rules(), rules), merge_examples(shipped_examples(), examples), segment=segment
        )

    return load


def classifier_provider(
    settings: Settings,
    *,
    session_factory: Callable[[], Session] | None = None,
    default_path: Path = DEFAULT_MODEL_PATH,
) -> Callable[[], TextClassifier]:
    """A provider that resolves the classifier on first call (explicit → active → var/ → train → seed)."""

    def build() -> TextClassifier:
        active = None
        if session_factory is not None:
            from gridloop.triage.services.conventions import active_model_path

            try:
                with session_factory() as s:
                    active = active_model_path(s)
            except SQLAlchemyError:  # tables absent (fresh DB): no active model
                active = None
        return resolve_model(
            explicit=settings.model_path,
            active=active,
            shared_data_dir=settings.shared_data_dir,
            default_path=default_path,
        )

    return build


def build_triage(
    settings: Settings,
    *,
    session_factory: Callable[[], Session] | None = None,
    classifier: Callable[[], TextClassifier] | None = None,
) -> TriageService:
    """A lazily-built TriageService for this deployment."""
    conventions = db_conventions(session_factory) if session_factory else shipped_conventions_value
    changes = None
    if session_factory is not None:
        factory = session_factory

        def read() -> dict[str, int]:
            with factory() as s:
                return read_stamps(s)

        changes = StampWatcher(read, every=settings.reload_check_seconds).changed
    return TriageService(
        classifier=classifier or classifier_provider(settings, session_factory=session_factory),
        conventions=conventions,
        simplify=to_simplified,
        review_threshold=settings.auto_dispatch_threshold,
        changes=changes,
        segment=segment,
        locator=automaton_locator,
    )
