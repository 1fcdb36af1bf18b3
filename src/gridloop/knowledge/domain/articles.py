"""Articles and their versions; the review workflow as a transition table; which version may be answered from."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from gridloop.kernel.errors import Conflict


class Status(StrEnum):
    """Review status of one article version. Labels: STATUS_LABELS."""

    DRAFT = "draft"
    REVIEWED = "reviewed"
    PUBLISHED = "published"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: dict[Status, tuple[str, str]] = {
    Status.DRAFT: ("草稿", "Draft"),
    Status.REVIEWED: ("已审核", "Reviewed"),
    Status.PUBLISHED: ("已发布", "Published"),
    Status.EXPIRED: ("已失效", "Expired"),
    Status.WITHDRAWN: ("已撤回", "Withdrawn"),
}


class Action(StrEnum):
    """What an editor or reviewer does to a version."""

    REVIEW = "review"
    REJECT = "reject"
    PUBLISH = "publish"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.REVIEW): Status.REVIEWED,
    (Status.DRAFT, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.REVIEWED, Action.REJECT): Status.DRAFT,
    (Status.REVIEWED, Action.PUBLISH): Status.PUBLISHED,
    (Status.REVIEWED, Action.WITHDRAW): Status.WITHDRAWN,
    (Status.PUBLISHED, Action.EXPIRE): Status.EXPIRED,
    (Status.PUBLISHED, Action.WITHDRAW): Status.WITHDRAWN,
}
TERMINAL: frozenset[Status] = frozenset({Status.EXPIRED, Status.WITHDRAWN})


class InvalidTransition(Conflict):
    """The action is not allowed from the version's status."""


def next_status(status: Status, action: Action) -> Status:
    """The status after the action, or InvalidTransition."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise InvalidTransition(f"cannot {action.value} a {status.value} version") from None


@dataclass(frozen=True)
class Version:
    """One version of an article's text, with its validity window and review status."""

    number: int
    title: str
    body: str
    status: Status = Status.DRAFT
    effective_from: date | None = None
    expires_on: date | None = None  # last day the text is valid; None = no expiry
    published_at: datetime | None = None

    def apply(self, action: Action, *, now: datetime) -> Version:
        """The version after a workflow action (publishing stamps `published_at`)."""
        status = next_status(self.status, action)
        stamp = now if status is Status.PUBLISHED else self.published_at
        return replace(self, status=status, published_at=stamp)


@dataclass(frozen=True)
class Article:
    """A knowledge-base article: stable id, owning department, source and citation, and its versions."""

    article_id: str
    department: str = ""
    source: str = ""
    citation: str = ""
    versions: tuple[Version, ...] = field(default_factory=tuple)


def is_valid_on(version: Version, day: date) -> bool:
    """Whether the version's validity window contains the day."""
    if version.effective_from is not None and day < version.effective_from:
        return False
    return not (version.expires_on is not None and day > version.expires_on)


def answerable_version(article: Article, *, today: date) -> Version | None:
    """The version answers may be drawn from: published and valid today, the highest number wins; else None."""
    ok = [v for v in article.versions if v.status is Status.PUBLISHED and is_valid_on(v, today)]
    return max(ok, key=lambda v: v.number, default=None)
