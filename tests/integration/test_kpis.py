"""KPIs for a small month of data match a hand calculation."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from dispatch_factories import Work, drop_engine, make_case, make_engine, make_org

from gridloop.cases.domain.metrics import Kpi, KpiCounts, change, compute, rank, rate
from gridloop.cases.services.kpis import GroupBy, Period, kpi_counts, kpi_report, ranking, year_on_year
from gridloop.cases.tables import CaseEventRow, SupervisionRow

SH = ZoneInfo("Asia/Shanghai")
OCT = Period(date(2026, 10, 1), date(2026, 10, 31))


def sh(m: int, d: int, hh: int = 0, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def eod(m: int, d: int) -> datetime:
    return datetime(2026, m, d, 23, 59, 59, tzinfo=SH)


@pytest.fixture
def month(empty_db_url: str):
    engine = make_engine(empty_db_url)
    try:
        yield from _world(engine)
    finally:
        drop_engine(engine)


def _world(engine):
    with Work(engine) as w:
        org = make_org(w.session)
        s = w.session
        fg, hb = org.id("310107-FG"), org.id("310101-HB")

        def case(disp: datetime | None, **kw):
            base = dict(
                lead_unit_id=fg,
                received_at=kw.pop("received", None) or disp,
                dispatched_at=disp,
                status="in_progress",
            )
            base.update(kw)
            return make_case(s, **base)

        c1 = case(
            sh(10, 9, 10),
            sign_due_at=eod(10, 10),
            signed_at=sh(10, 9, 15),
            contact_due_at=eod(10, 10),
            first_contact_at=sh(10, 10, 9),
            reply_due_at=eod(10, 16),
            replied_at=sh(10, 14, 10),
            satisfaction="satisfied",
            solved=True,
            status="closed",
        )
        c2 = case(
            sh(10, 12, 10),
            sign_due_at=eod(10, 13),
            signed_at=sh(10, 14, 9),
            contact_due_at=eod(10, 13),
            first_contact_at=sh(10, 14, 10),
            reply_due_at=eod(10, 19),
            replied_at=sh(10, 20, 10),
            satisfaction="dissatisfied",
            solved=False,
            return_count=1,
            status="called_back",
        )
        c3 = case(
            sh(10, 20, 10),
            sign_due_at=eod(10, 21),
            signed_at=sh(10, 20, 11),
            contact_due_at=eod(10, 21),
            reply_due_at=eod(10, 27),
        )
        case(
            sh(10, 28, 10),
            sign_due_at=eod(10, 29),
            contact_due_at=eod(10, 29),
            reply_due_at=eod(11, 4),
            status="dispatched",
        )
        case(None, received=sh(10, 15, 8), parent_case_id=c1.id, status="merged")
        c6 = case(sh(9, 30, 10), received=sh(9, 29, 10), sign_due_at=eod(10, 8), reply_due_at=eod(10, 14))
        case(
            sh(10, 21, 10),
            sign_due_at=eod(10, 22),
            signed_at=sh(10, 21, 11),
            contact_due_at=eod(10, 22),
            first_contact_at=sh(10, 21, 14),
            reply_due_at=eod(10, 28),
            replied_at=sh(10, 23, 10),
            satisfaction="basically_satisfied",
            solved=True,
            status="closed",
        )
        case(
            sh(10, 5, 10),
            lead_unit_id=hb,
            district_code="310101",
            street_code="310101002",
            category="环境保护",
            sign_due_at=eod(10, 8),
            signed_at=sh(10, 8, 9),
        )
        for _ in range(2):
            case(None, received=sh(10, 10, 9, y=2025), status="closed")
        s.add(SupervisionRow(case_id=c2.id, opened_at=sh(10, 14, 0), step="sign", level=1))
        s.add(SupervisionRow(case_id=c6.id, opened_at=sh(10, 2, 0), step="sign", level=1))
        s.add(SupervisionRow(case_id=c6.id, opened_at=sh(9, 30, 12), step="sign", level=1))  # outside
        s.add(
            CaseEventRow(
                case_id=c3.id,
                at=sh(10, 22, 9),
                actor_name="x",
                actor_role="supervisor",
                action="approve_extension",
                from_status="in_progress",
                to_status="in_progress",
                payload={},
            )
        )
        w.commit()
        yield w


def test_unit_counts_match_hand_calculation(month: Work) -> None:
    counts = kpi_counts(month.session, by=GroupBy.UNIT, period=OCT)
    assert counts["310107-FG"] == KpiCounts(
        received=6,
        dispatched=5,
        signed_on_time=3,
        contacted_on_time=2,
        due_for_completion=4,
        completed_on_time=2,
        returned=1,
        callbacks=3,
        satisfied=1,
        basically_satisfied=1,
        solved=2,
        repeats=1,
        supervisions=2,
        extended=1,
        handled=3,
        handling_hours_total=pytest.approx(360.0),
    )


def test_unit_kpis_match_hand_calculation(month: Work) -> None:
    row = next(r for r in kpi_report(month.session, by=GroupBy.UNIT, period=OCT) if r["scope"] == "310107-FG")
    expected = {
        "on_time_signing_rate": 0.6,
        "first_contact_rate": 0.4,
        "on_time_completion_rate": 0.5,
        "return_rate": 0.2,
        "resolution_rate": 0.6667,
        "satisfaction_rate": 0.6667,
        "repeat_report_rate": 0.1667,
        "supervision_count": 2.0,
        "extension_rate": 0.2,
        "mean_handling_hours": 120.0,
    }
    assert {k: row[k] for k in expected} == expected
    assert row["name"] == "普陀区房管局"


def test_district_grouping_and_filter(month: Work) -> None:
    rows = kpi_report(month.session, by=GroupBy.DISTRICT, period=OCT, key="310101")
    assert [(r["scope"], r["n_dispatched"], r["on_time_signing_rate"]) for r in rows] == [("310101", 1, 1.0)]


def test_ranking_puts_best_first(month: Work) -> None:
    rows = ranking(month.session, by=GroupBy.UNIT, kpi=Kpi.ON_TIME_SIGNING_RATE, period=OCT)
    assert [(r["rank"], r["scope"]) for r in rows] == [(1, "310101-HB"), (2, "310107-FG")]


def test_year_on_year_per_category(month: Work) -> None:
    rows = {r["category"]: r for r in year_on_year(month.session, period=OCT)}
    assert (rows["城乡建设"]["current"], rows["城乡建设"]["previous"], rows["城乡建设"]["change"]) == (
        6,
        2,
        2.0,
    )
    assert rows["环境保护"]["change"] is None


def test_rates_without_denominator_are_none() -> None:
    assert rate(0, 0) is None
    assert compute(KpiCounts())[Kpi.SATISFACTION_RATE] is None
    assert change(75.2, 100) == pytest.approx(-0.248)


def test_rank_ties_share_a_position() -> None:
    got = rank([("a", 0.9), ("b", 0.9), ("c", 0.5), ("d", None)], value=lambda x: x[1])
    assert [(p, x[0]) for p, x in got] == [(1, "a"), (1, "b"), (3, "c"), (0, "d")]
