"""The petition lifecycle as a table: TRANSITIONS[(status, action)] -> status, and one next_status()."""

from __future__ import annotations

from gridloop.kernel.errors import Conflict
from gridloop.petitions.domain.model import Action, Status

TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.REGISTERED, Action.ACCEPT): Status.ACCEPTED,
    (Status.REGISTERED, Action.REJECT): Status.NOT_ACCEPTED,
    (Status.REGISTERED, Action.GUIDE_LEGAL): Status.GUIDED_TO_LEGAL,
    (Status.ACCEPTED, Action.EXTEND): Status.ACCEPTED,
    (Status.ACCEPTED, Action.GUIDE_LEGAL): Status.GUIDED_TO_LEGAL,
    (Status.ACCEPTED, Action.ANSWER): Status.ANSWERED,
    (Status.ANSWERED, Action.REQUEST_REVIEW): Status.UNDER_REVIEW,
    (Status.ANSWERED, Action.CLOSE): Status.CLOSED,
    (Status.UNDER_REVIEW, Action.DECIDE_REVIEW): Status.REVIEWED,
    (Status.REVIEWED, Action.REQUEST_REREVIEW): Status.UNDER_REREVIEW,
    (Status.REVIEWED, Action.CLOSE): Status.CLOSED,
    (Status.UNDER_REREVIEW, Action.DECIDE_REREVIEW): Status.CLOSED_FINAL,
}

TERMINAL: frozenset[Status] = frozenset(
    {Status.NOT_ACCEPTED, Status.GUIDED_TO_LEGAL, Status.CLOSED, Status.CLOSED_FINAL}
)


def next_status(status: Status, action: Action) -> Status:
    """The status after `action`, or Conflict naming what is allowed from `status`."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        allowed = ", ".join(a.value for (s, a) in TRANSITIONS if s is status) or "nothing (final)"
        raise Conflict(
            f"A petition that is '{status.value}' ({status.zh}) cannot '{action.value}'; allowed: {allowed}."
        ) from None


def allowed_actions(status: Status) -> list[Action]:
    """The actions the table allows from a status, in table order."""
    return [a for (s, a) in TRANSITIONS if s is status]


#: The time limit that starts when a petition enters a status (the clock the office watches there).
STATUS_LIMIT: dict[Status, str] = {
    Status.REGISTERED: "acceptance",
    Status.ACCEPTED: "handling",
    Status.ANSWERED: "review_request",
    Status.UNDER_REVIEW: "review_decision",
    Status.REVIEWED: "rereview_request",
    Status.UNDER_REREVIEW: "rereview_decision",
}

#: Statuses whose running limit is a window for the PETITIONER (late requests are refused), not the office's duty.
PETITIONER_WINDOWS: frozenset[Status] = frozenset({Status.ANSWERED, Status.REVIEWED})
