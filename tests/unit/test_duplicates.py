from datetime import UTC, datetime, timedelta

import pytest

from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer
from gridloop.triage.domain.duplicates import DuplicatePolicy, DuplicateVerdict, haversine_m, judge_pair
from gridloop.triage.services.duplicates import ReportRef, check_and_index, group_reports

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
def index():
    return DuplicateIndex(SketchVectorizer())


def test_same_event_reported_twice_is_merged(index):
    a = ReportRef("1", "丽发新城附近搅拌站噪音扰民", "丽发新城小区旁边百米建了搅拌站，每天噪音粉尘严重", T0)
    b = ReportRef(
        "2",
        "丽发新城小区旁搅拌站噪音大",
        "丽发新城小区附近的搅拌站噪音粉尘严重影响居民",
        T0 + timedelta(hours=5),
    )
    check_and_index(index, a)
    verdict = check_and_index(index, b)
    assert verdict.action == "merge", verdict
    assert verdict.other == "1"


def test_unrelated_reports_are_not_linked(index):
    check_and_index(index, ReportRef("1", "地铁太挤", "早高峰地铁2号线太挤，希望加车", T0))
    verdict = check_and_index(index, ReportRef("2", "学校收费", "某小学违规收取补课费", T0))
    assert verdict.action == "none"


def test_far_apart_in_time_is_not_a_duplicate():
    action, reason = judge_pair(0.9, hours_apart=24 * 90, distance_m=None)
    assert action == "none" and "days" in reason


def test_similar_text_far_apart_in_space_is_not_merged():
    assert judge_pair(0.9, hours_apart=1, distance_m=5000)[0] == "none"
    assert judge_pair(0.9, hours_apart=1, distance_m=800)[0] == "suggest"


def test_middle_similarity_is_suggested():
    policy = DuplicatePolicy()
    mid = (policy.merge_similarity + policy.suggest_similarity) / 2
    assert judge_pair(mid, hours_apart=2, distance_m=50)[0] == "suggest"


def test_haversine_one_degree_latitude_is_about_111_km():
    assert 110_000 < haversine_m(121.0, 31.0, 121.0, 32.0) < 112_000


def test_group_reports_puts_merged_reports_in_first_group(index):
    reps = [
        ReportRef("a", "丽发新城附近搅拌站噪音扰民", "丽发新城小区旁边百米建了搅拌站，每天噪音粉尘严重", T0),
        ReportRef("b", "地铁太挤", "早高峰地铁2号线太挤，希望加车", T0),
        ReportRef("c", "丽发新城小区旁搅拌站噪音大", "丽发新城小区附近的搅拌站噪音粉尘严重影响居民", T0),
    ]
    groups = {g.key: g.group for g in group_reports(index, reps)}
    assert groups == {"a": "a", "b": "b", "c": "a"}


def test_batch_judging_gives_the_verdicts_of_judging_one_by_one():
    texts = [
        ("丽发新城附近搅拌站噪音扰民", "丽发新城小区旁边百米建了搅拌站，每天噪音粉尘严重"),
        ("地铁太挤", "早高峰地铁2号线太挤，希望加车"),
        ("丽发新城小区旁搅拌站噪音大", "丽发新城小区附近的搅拌站噪音粉尘严重影响居民"),
        ("地铁2号线早高峰拥挤", "早高峰地铁2号线非常挤，希望增加班次"),
        ("学校收费", "某小学违规收取补课费"),
    ]
    reps = [
        ReportRef(str(i), *texts[i % len(texts)], T0 + timedelta(days=i % 40), 121.4 + (i % 3) * 0.001, 31.2)
        for i in range(60)
    ]
    reps += [ReportRef("x", *texts[0]), ReportRef("y", *texts[1], T0)]  # unknown time and place
    one_by_one = DuplicateIndex(SketchVectorizer())
    expected = [check_and_index(one_by_one, r) for r in reps]
    batch = DuplicateIndex(SketchVectorizer())
    for r in reps[:7]:
        check_and_index(batch, r)
    got = [g.verdict for g in group_reports(batch, reps[7:])]
    assert got == expected[7:]
    assert {"merge", "suggest"} <= {v.action for v in got}


class _ChainFinder:
    """Every report is judged a duplicate of the report added just before it."""

    def __init__(self):
        self.last = None

    def sketches(self, items, *, clean=False):
        return [None for _ in items]

    def judge(self, sketch, *, when=None, lng=None, lat=None):
        return DuplicateVerdict("merge", self.last, 0.9) if self.last else DuplicateVerdict("none")

    def add(self, key, sketch, *, when=None, lng=None, lat=None):
        self.last = key


def test_group_reports_carries_groups_between_chunks():
    finder, groups = _ChainFinder(), {}
    first = group_reports(finder, [ReportRef("a", "", "x"), ReportRef("b", "", "x")], known_groups=groups)
    second = group_reports(finder, [ReportRef("c", "", "x")], known_groups=groups)
    assert [g.group for g in first + second] == ["a", "a", "a"]
