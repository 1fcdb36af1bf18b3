"""The lifecycle table: reachability, terminal states, roles, refusals."""

from __future__ import annotations

import pytest

from gridloop.cases.domain.lifecycle import ACTIONS, TERMINAL, TRANSITIONS, Action, Status, allowed_actions, next_status
from gridloop.kernel.errors import Conflict
from gridloop.kernel.org import Role


def test_every_status_is_reachable_from_receive():
    reached, frontier = set(), [None]
    while frontier:
        current = frontier.pop()
        for (src, _action), dst in TRANSITIONS.items():
            if src is current and dst not in reached:
                reached.add(dst)
                frontier.append(dst)
    assert reached == set(Status), f"unreachable: {set(Status) - reached}"


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_states_have_no_way_out(status):
    assert allowed_actions(status) == []


def test_every_action_has_roles_and_appears_in_the_table():
    used = {a for (_s, a) in TRANSITIONS}
    assert used == set(Action)
    assert all(ACTIONS[a].roles for a in Action)


def test_illegal_transition_names_current_state_and_allowed_actions():
    with pytest.raises(Conflict) as err:
        next_status(Status.RECEIVED, Action.SIGN)
    assert "'received'" in err.value.detail and "dispatch" in err.value.detail


def test_a_handler_cannot_dispatch_and_a_dispatcher_cannot_sign():
    assert Action.DISPATCH not in allowed_actions(Status.RECEIVED, Role.HANDLER)
    assert Action.SIGN not in allowed_actions(Status.DISPATCHED, Role.DISPATCHER)


def test_callback_leads_to_close_or_reopen():
    assert next_status(Status.AWAITING_CALLBACK, Action.CALLBACK) is Status.CALLED_BACK
    assert next_status(Status.CALLED_BACK, Action.REOPEN) is Status.IN_PROGRESS
    assert next_status(Status.CALLED_BACK, Action.CLOSE) is Status.CLOSED


def test_supervise_keeps_the_state():
    assert all(next_status(s, Action.SUPERVISE) is s for (s, a) in TRANSITIONS if a is Action.SUPERVISE)
