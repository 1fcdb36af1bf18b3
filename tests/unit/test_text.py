from gridloop.kernel.text import MAX_CHARS, clean_text, is_mostly_foreign, judge_meaning


def test_html_and_control_characters_are_removed():
    assert clean_text("<script>alert(1)</script><b>路灯</b>坏了\x00\x07") == "路灯 坏了"


def test_very_long_text_is_cut():
    assert len(clean_text("路" * 30000)) == MAX_CHARS


def test_empty_and_emoji_only_are_meaningless_with_reason():
    assert judge_meaning("").reason == "empty text"
    assert judge_meaning("😀😀🙏").meaningless


def test_repeated_character_is_meaningless():
    assert judge_meaning("啊啊啊啊啊啊").meaningless


def test_real_complaint_is_meaningful():
    assert not judge_meaning("小区门口路灯坏了").meaningless


def test_english_is_detected_as_foreign():
    assert is_mostly_foreign("The street light is broken")
    assert not is_mostly_foreign("路灯坏了 please fix")
