"""R3 lists: exact and possible matches, dated snapshots, and the 50 % control chain."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from exportcontrol_factories import lists

from gridloop.exportcontrol.domain.answer import GapKind
from gridloop.exportcontrol.domain.lists import ListEntry, ListKind, ListSnapshot, check_end_user, snapshot_for
from gridloop.exportcontrol.domain.model import EndUser, Owner

DAY = date(2026, 1, 5)


def _owned(*pcts: str | None, listed_top: bool = True) -> EndUser:
    chain = tuple(Owner(f"Holding {i}", None if p is None else Decimal(p)) for i, p in enumerate(pcts))
    return EndUser(name="Widget Ltd", is_military=False, parent_chain=chain)


def test_listed_end_user_is_a_hit() -> None:
    check = check_end_user(EndUser(name="Widget Ltd"), snapshots=lists("Widget Ltd"), on=DAY)
    assert [h["party"] for h in check.hits] == ["Widget Ltd"]


def test_names_match_after_width_case_and_punctuation_normalisation() -> None:
    check = check_end_user(EndUser(name="ＷＩＤＧＥＴ，ltd"), snapshots=lists("Widget Ltd."), on=DAY)
    assert len(check.hits) == 1


def test_owner_holding_exactly_fifty_percent_of_the_end_user_counts() -> None:
    check = check_end_user(_owned("50"), snapshots=lists("Holding 0"), on=DAY)
    assert [h["party"] for h in check.hits] == ["Holding 0"]


def test_owner_holding_just_below_fifty_percent_does_not_count() -> None:
    check = check_end_user(_owned("49.99"), snapshots=lists("Holding 0"), on=DAY)
    assert check.hits == []
    assert check.findings[0]["controls_end_user"] is False


def test_control_chain_breaks_at_a_link_below_fifty_percent() -> None:
    check = check_end_user(_owned("60", "40", "100"), snapshots=lists("Holding 2"), on=DAY)
    assert check.hits == [], check.findings


def test_control_chain_through_links_of_fifty_percent_or_more_reaches_the_top() -> None:
    check = check_end_user(_owned("60", "50", "100"), snapshots=lists("Holding 2"), on=DAY)
    assert [h["ownership_chain_pct"] for h in check.hits] == [["60", "50", "100"]]


def test_listed_owner_behind_a_link_of_unknown_size_is_an_ownership_gap() -> None:
    check = check_end_user(_owned(None, "100"), snapshots=lists("Holding 1"), on=DAY)
    assert check.hits == []
    assert [g.kind for g in check.gaps] == [GapKind.OWNERSHIP]


def test_unknown_ownership_structure_is_a_gap() -> None:
    user = EndUser(name="Widget Ltd", ownership_known=False)
    check = check_end_user(user, snapshots=lists(), on=DAY)
    assert "end_user.parent_chain" in {g.field for g in check.gaps}


def test_similar_name_is_a_possible_match_to_confirm() -> None:
    check = check_end_user(EndUser(name="Widget Ltd Europe GmbH"), snapshots=lists("Widget Ltd"), on=DAY)
    assert check.hits == []
    assert [g.kind for g in check.gaps] == [GapKind.END_USER]


def test_snapshot_dated_after_the_export_is_not_used() -> None:
    later = lists("Widget Ltd", as_of=date(2026, 2, 1))
    check = check_end_user(EndUser(name="Widget Ltd"), snapshots=later, on=DAY)
    assert check.hits == []
    assert {g.field for g in check.gaps} == {"lists.control", "lists.watch"}


def test_newest_snapshot_on_or_before_the_export_date_is_used() -> None:
    old = ListSnapshot(ListKind.WATCH, date(2025, 1, 1), (ListEntry("Widget Ltd"),))
    new = ListSnapshot(ListKind.WATCH, DAY, ())
    assert snapshot_for((old, new), kind=ListKind.WATCH, on=DAY) is new
    assert snapshot_for((old, new), kind=ListKind.WATCH, on=date(2026, 1, 4)) is old


def test_watch_list_hit_counts_like_control_list_hit() -> None:
    check = check_end_user(EndUser(name="Widget Ltd"), snapshots=lists("Widget Ltd", kind=ListKind.WATCH), on=DAY)
    assert [h["list"] for h in check.hits] == ["watch"]


def test_unnamed_end_user_is_a_gap() -> None:
    check = check_end_user(EndUser(), snapshots=lists(), on=DAY)
    assert "end_user.name" in {g.field for g in check.gaps}
