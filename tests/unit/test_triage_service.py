from gridloop.platform.script import to_simplified
from gridloop.triage.plug import shipped_conventions_value
from gridloop.triage.services.triage import TriageService


class FakeClassifier:
    """Says 城乡建设 for everything, like a model that overfits to the biggest class."""

    labels = ("城乡建设", "交通运输", "环境保护")

    def __init__(self):
        self.calls = 0

    def scores(self, texts):
        self.calls += 1
        return [{"城乡建设": 0.7, "交通运输": 0.2, "环境保护": 0.1} for _ in texts]


def _service(**kw):
    fake = FakeClassifier()
    svc = TriageService(classifier=lambda: fake, conventions=shipped_conventions_value, simplify=to_simplified, **kw)
    return svc, fake


def test_classifier_is_not_built_until_first_use():
    built = []
    svc = TriageService(classifier=lambda: built.append(1) or FakeClassifier())
    assert built == []
    svc.analyse(title="", text="路灯坏了")
    assert built == [1]


def test_shanghai_rule_overrides_model_for_metro():
    svc, _ = _service()
    r = svc.analyse(title="", text="地铁站出口的扶梯停了一周")
    assert r.category == "交通运输"
    assert "地铁" in r.reason


def test_emergency_is_flagged_with_incident_type_and_masked_phone():
    svc, _ = _service()
    r = svc.analyse(title="煤气", text="楼道里有很浓的煤气味，我的电话13812345678")
    assert (r.urgency, r.incident_type) == ("emergency", "accident")
    assert "13812345678" not in r.masked_text
    assert r.extra["personal_data"] == ["phone"]


def test_bad_inputs_never_crash_and_meaningless_are_marked():
    svc, _ = _service()
    bad = ["", "😀😀😀", "\x00\x01\x02", "<img src=x onerror=alert(1)>", "路" * 25000, "....!!!"]
    results = svc.analyse_many([("", b) for b in bad])
    assert [r.meaningless for r in results] == [True, True, True, True, True, True]
    assert all(r.category is None and r.reason for r in results)


def test_traditional_chinese_is_converted_before_rules():
    svc, _ = _service()
    r = svc.analyse(title="", text="這條馬路的紅綠燈壞了三天")
    assert r.category == "交通运输"
    assert "红绿灯" in r.masked_text


def test_english_message_goes_to_a_person():
    svc, _ = _service()
    r = svc.analyse(title="Hello", text="The street light outside my home has been broken for a week")
    assert r.category is None and not r.meaningless
    assert r.extra["needs_review"] is True


def test_html_is_stripped_and_text_still_classified():
    svc, _ = _service()
    r = svc.analyse(title="", text="<p>小区旁边的<b>河道</b>发黑发臭</p><script>x()</script>")
    assert r.category == "环境保护"
    assert "<" not in r.masked_text


def test_batch_calls_classifier_once():
    svc, fake = _service()
    svc.analyse_many([("", "路灯坏了"), ("", "小区道路破损"), ("", "")])
    assert fake.calls == 1


def test_low_confidence_needs_review():
    svc, _ = _service(review_threshold=0.95)
    assert svc.analyse(title="", text="小区道路破损").extra["needs_review"] is True


def test_personal_data_gate_never_hides_what_the_detector_finds():
    from gridloop.kernel.privacy import find_personal_data
    from gridloop.triage.services.triage import _MAYBE_PERSONAL

    samples = [
        "电话13812345678",
        "+86 138-1234-5678",
        "021-12345678",
        "身份证11010519491231002X",
        "卡号6222 0202 0000 1234 567",
        "沪A12345",
        "京A·D12345",
        "粤BD12345",
        "写信到 a.b@example.cn",
        "6-2-2-2-0-2-0-2-0-0-0-0-1-2-3-4",
    ]
    for text in samples:
        if find_personal_data(text):
            assert _MAYBE_PERSONAL.search(text), text
    assert not _MAYBE_PERSONAL.search("A市A3区 2019-01-01 反映")
