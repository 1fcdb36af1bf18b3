"""Bad input from real callers (issue 18): terminal colour codes, ID numbers with a wrong check character."""

from gridloop.kernel.privacy import find_personal_data, mask_personal_data
from gridloop.kernel.text import clean_text


def test_terminal_colour_codes_are_removed_whole():
    assert clean_text("\x1b[31m楼道里\x1b[0m有煤气味\x1b[1;32m！\x1b]0;title\x07") == "楼道里有煤气味！"


def test_a_labelled_id_number_is_masked_even_when_its_checksum_fails():
    text = "本人身份证号：310101199001011235，要求回电"
    assert [d.kind for d in find_personal_data(text)] == ["id_number"]
    assert "310101199001011235" not in mask_personal_data(text)


def test_an_unlabelled_number_that_fails_the_checksum_is_left_alone():
    assert find_personal_data("快递单号310101199001011235已签收") == []
