"""The review workflow table and the rule that only valid, published versions are answered from."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gridloop.knowledge.domain.articles import (
    TERMINAL,
    TRANSITIONS,
    Action,
    Article,
    InvalidTransition,
    Status,
    Version,
    answerable_version,
    next_status,
)

NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


def test_every_status_is_reachable_from_draft() -> None:
    seen = {Status.DRAFT}
    frontier = [Status.DRAFT]
    while frontier:
        s = frontier.pop()
        for (src, _), dst in TRANSITIONS.items():
            if src is s and dst not in seen:
                seen.add(dst)
                frontier.append(dst)
    assert seen == set(Status)


def test_terminal_statuses_have_no_way_out() -> None:
    assert not [k for k in TRANSITIONS if k[0] in TERMINAL]


def test_a_draft_cannot_be_published_without_review() -> None:
    with pytest.raises(InvalidTransition):
        next_status(Status.DRAFT, Action.PUBLISH)


def test_publishing_a_reviewed_version_stamps_the_time() -> None:
    v = Version(1, "t", "b").apply(Action.REVIEW, now=NOW).apply(Action.PUBLISH, now=NOW)
    assert (v.status, v.published_at) == (Status.PUBLISHED, NOW)


def test_the_newest_valid_published_version_is_answered_from() -> None:
    art = Article(
        "sh-reg-0001",
        versions=(
            Version(1, "旧", "b", Status.PUBLISHED, date(2018, 11, 22)),
            Version(2, "新", "b", Status.PUBLISHED, date(2024, 12, 31)),
            Version(3, "草稿", "b", Status.DRAFT, date(2025, 1, 1)),
        ),
    )
    assert answerable_version(art, today=date(2026, 1, 1)).number == 2  # type: ignore[union-attr]


def test_a_version_not_yet_in_force_is_not_answered_from() -> None:
    art = Article("a", versions=(Version(1, "t", "b", Status.PUBLISHED, effective_from=date(2027, 1, 1)),))
    assert answerable_version(art, today=date(2026, 12, 5)) is None


def test_an_expired_version_is_not_answered_from() -> None:
    art = Article("a", versions=(Version(1, "t", "b", Status.PUBLISHED, expires_on=date(2017, 8, 1)),))
    assert answerable_version(art, today=date(2026, 12, 5)) is None


def test_a_withdrawn_version_is_not_answered_from_even_when_in_force() -> None:
    art = Article("a", versions=(Version(1, "t", "b", Status.WITHDRAWN),))
    assert answerable_version(art, today=date(2026, 12, 5)) is None
