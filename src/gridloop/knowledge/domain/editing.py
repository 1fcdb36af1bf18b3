"""Editors' rules: which actions a version allows, the version diff, draft validation, gap keys (pure)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

from gridloop.kernel.errors import FieldError
from gridloop.knowledge.domain.articles import TRANSITIONS, Action, Status

ACTION_LABELS: dict[Action, tuple[str, str]] = {
    Action.REVIEW: ("审核通过", "Mark reviewed"),
    Action.REJECT: ("退回草稿", "Send back to draft"),
    Action.PUBLISH: ("发布", "Publish"),
    Action.EXPIRE: ("设为失效", "Expire"),
    Action.WITHDRAW: ("撤回", "Withdraw"),
}
SOURCE_ID = re.compile(r"^[^\s/?#<>\"'\\]{1,200}$")
MAX_TITLE, MAX_BODY, MAX_CITATION, MAX_DEPARTMENT = 500, 50_000, 500, 200


def allowed_actions(status: Status) -> list[Action]:
    """The workflow actions the transition table allows from a status, in table order."""
    return [action for (source, action) in TRANSITIONS if source is status]


@dataclass(frozen=True)
class DiffLine:
    """One line of a version diff: kind is 'same', 'added' or 'removed'."""

    kind: str
    text: str


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """A line diff of two texts (long lines are split at Chinese sentence ends first, so changes are local)."""

    def lines(text: str) -> list[str]:
        return [x for x in re.split(r"(?<=[。；！？\n])", text) if x.strip()]

    out: list[DiffLine] = []
    for row in difflib.ndiff(lines(old), lines(new)):
        tag, text = row[:2], row[2:].rstrip("\n")
        if tag == "  ":
            out.append(DiffLine("same", text))
        elif tag == "+ ":
            out.append(DiffLine("added", text))
        elif tag == "- ":
            out.append(DiffLine("removed", text))
    return out


@dataclass(frozen=True)
class Draft:
    """An editor's new version as typed (strings, parsed by `check_draft`)."""

    source_id: str
    title: str
    body: str
    department: str = ""
    citation: str = ""
    source: str = ""
    effective_from: str = ""
    expires_on: str = ""


def _day(raw: str, name: str, errors: list[FieldError]) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(FieldError(name, "not a date (YYYY-MM-DD)"))
        return None


def check_draft(draft: Draft) -> tuple[list[FieldError], date | None, date | None]:
    """Field errors of a draft, and its parsed dates."""
    errors: list[FieldError] = []
    if not SOURCE_ID.match(draft.source_id.strip()):
        errors.append(FieldError("source_id", "required: 1–200 characters without spaces, / ? # or quotes"))
    if not draft.title.strip():
        errors.append(FieldError("title", "required"))
    elif len(draft.title) > MAX_TITLE:
        errors.append(FieldError("title", f"at most {MAX_TITLE} characters"))
    if not draft.body.strip():
        errors.append(FieldError("body", "required"))
    elif len(draft.body) > MAX_BODY:
        errors.append(FieldError("body", f"at most {MAX_BODY} characters"))
    for name, value, limit in (
        ("department", draft.department, MAX_DEPARTMENT),
        ("citation", draft.citation, MAX_CITATION),
        ("source", draft.source, 300),
    ):
        if len(value) > limit:
            errors.append(FieldError(name, f"at most {limit} characters"))
    start = _day(draft.effective_from, "effective_from", errors)
    end = _day(draft.expires_on, "expires_on", errors)
    if start and end and end < start:
        errors.append(FieldError("expires_on", "must not be before the effective date"))
    return errors, start, end


_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def gap_key(query: str) -> str:
    """The key that groups the same unanswered question: lower-cased, without spaces and punctuation."""
    return _PUNCT.sub("", query.lower())[:200]


def iso_week(day: date) -> str:
    """ISO week of a day, e.g. 2026-W49."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
