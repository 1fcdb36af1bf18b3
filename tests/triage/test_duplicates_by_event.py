"""Duplicates by event: the same place, time window and problem, told in different words (issue 18)."""

from datetime import datetime, timedelta

from gridloop.triage.domain.duplicates import MERGE, NONE, SUGGEST, EventReport, extract_place, judge_event

T0 = datetime(2026, 6, 1, 9, 0)


def test_the_address_is_read_with_lane_number_and_building():
    place = extract_place("来电称普陀区宜川路210弄5号楼楼道里有积水")
    assert (place.road, place.number, place.building) == ("宜川路", "210弄", "5")


def test_a_second_caller_in_other_words_is_merged_and_explained():
    a = EventReport.of("宜川路210弄5号楼上人家漏水，我家天花板在滴水", when=T0)
    b = EventReport.of("市民反映宜川路210弄5号楼一户顶面渗水，要求协调", when=T0 + timedelta(minutes=40))
    verdict = judge_event(a, b)
    assert verdict.action == MERGE
    assert "同一地址 宜川路210弄" in verdict.reason
    assert "相隔40分钟" in verdict.reason and "均为渗漏水" in verdict.reason


def test_same_place_different_problem_is_not_merged():
    a = EventReport.of("宜川路210弄门口垃圾房满出来了", when=T0)
    b = EventReport.of("宜川路210弄的路灯坏了", when=T0 + timedelta(hours=1))
    assert judge_event(a, b).action != MERGE


def test_same_problem_different_place_is_not_merged():
    a = EventReport.of("宜川路210弄楼上漏水到我家", when=T0)
    b = EventReport.of("石泉路88弄楼上漏水到我家", when=T0 + timedelta(minutes=10))
    assert judge_event(a, b).action == NONE


def test_same_place_and_problem_days_apart_is_only_suggested():
    a = EventReport.of("宜川路210弄楼上漏水到我家", when=T0)
    b = EventReport.of("宜川路210弄楼上渗水，还是没人修", when=T0 + timedelta(hours=30))
    assert judge_event(a, b).action == SUGGEST


def test_the_batch_groups_a_reworded_second_report_by_event():
    from gridloop.triage.adapters.dedup import DuplicateIndex, SketchVectorizer
    from gridloop.triage.plug import shipped_conventions_value
    from gridloop.triage.services.batch import InputMessage, triage_chunk
    from gridloop.triage.services.duplicates import EventIndex
    from gridloop.triage.services.triage import TriageService

    class Flat:
        def scores(self, texts):
            return [{"城乡建设": 0.6, "环境保护": 0.4} for _ in texts]

    triage = TriageService(classifier=Flat, conventions=shipped_conventions_value)
    msgs = [
        InputMessage("a", "", "宜川路210弄5号楼上人家漏水，我家天花板在滴水", T0, None, None),
        InputMessage("b", "", "市民反映宜川路210弄5号楼一户顶面渗水，要求协调", T0 + timedelta(minutes=40), None, None),
    ]
    recs = triage_chunk(msgs, triage=triage, finder=DuplicateIndex(SketchVectorizer()), events=EventIndex())
    assert recs[1]["duplicate_action"] == MERGE
    assert recs[1]["duplicate_group"] == "a"
    assert "宜川路210弄" in recs[1]["duplicate_reason"]


def test_a_report_is_found_by_the_place_key_of_any_later_report_at_the_same_road_or_landmark():
    from gridloop.triage.domain.duplicates import place_key, place_keys

    earlier = place_keys("投诉：靠近中山公园东门，普陀区宜川路210弄5号楼楼道积水，另外石泉路88号也有")
    # the same road however it is introduced, at any of the addresses the earlier report names
    assert place_key(extract_place("市民反映宜川路210弄有积水")) in earlier
    assert place_key(extract_place("石泉路88号门口积水")) in earlier
    # a landmark named with other words before it
    assert place_key(extract_place("我家在中山公园旁边，积水很深")) in earlier
    # another road or landmark is another key
    assert place_key(extract_place("长寿路500弄积水")) not in earlier
    assert place_key(extract_place("鲁迅公园门口积水")) not in earlier


def test_a_place_with_no_key_is_left_to_a_search_by_its_words():
    from gridloop.triage.domain.duplicates import Place, place_key

    assert place_key(Place()) is None
    assert place_key(Place(road="X路", number="5号")) is None  # too short to match another road by


def test_the_index_of_places_names_the_open_reports_at_a_place_within_the_window():
    from gridloop.triage.domain.duplicates import place_key, place_keys
    from gridloop.triage.subscribers import OpenCaseIndex

    index = OpenCaseIndex(lambda refs: None, window=timedelta(days=30))  # type: ignore[arg-type, return-value]
    text = "宜川路210弄5号楼楼道积水"
    for i in range(5):
        index._add_places(f"N{i}", None, text, T0 + timedelta(hours=i))
    index._add_places("OTHER", None, "石泉路88号积水", T0)
    key = place_key(extract_place("宜川路210弄又积水了"))
    assert key is not None
    now = T0 + timedelta(hours=10)
    assert index.at_place(key, since=T0, before=T0 + timedelta(hours=3), now=now) == {"N0", "N1", "N2"}
    # merged reports leave it: an event reported again and again keeps one entry, its open case
    for i in range(1, 5):
        index._drop_places(f"N{i}", place_keys(text))
    assert index.at_place(key, since=T0, before=now, now=now) == {"N0"}
    # and entries older than the window are dropped
    assert index.at_place(key, since=T0, before=now, now=T0 + timedelta(days=31)) == set()
