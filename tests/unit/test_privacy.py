from gridloop.kernel.privacy import find_personal_data, id_checksum_ok, luhn_ok, mask_personal_data

VALID_ID = "11010519491231002X"
INVALID_ID = "110105194912310021"
VALID_CARD = "6222021234567890128"  # Luhn-valid (computed in test_luhn_valid_card_passes)


def _luhn_complete(prefix: str) -> str:
    for d in "0123456789":
        if luhn_ok(prefix + d):
            return prefix + d
    raise AssertionError("no check digit")


def test_id_checksum_accepts_valid_and_rejects_wrong_check_character():
    assert id_checksum_ok(VALID_ID)
    assert not id_checksum_ok(INVALID_ID)


def test_luhn_valid_card_passes_and_off_by_one_fails():
    card = _luhn_complete("622202123456789012")
    assert luhn_ok(card)
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert not luhn_ok(wrong)


def test_mobile_and_landline_numbers_are_found_and_masked():
    text = "联系电话13812345678或021-64381234"
    kinds = [d.kind for d in find_personal_data(text)]
    assert kinds == ["phone", "phone"]
    assert mask_personal_data(text) == "联系电话138****5678或021-****1234"


def test_id_number_with_valid_checksum_is_masked_but_invalid_one_is_kept():
    assert "********" in mask_personal_data(f"身份证{VALID_ID}")
    assert INVALID_ID in mask_personal_data(f"编号{INVALID_ID}")


def test_bank_card_masked_only_when_luhn_valid():
    card = _luhn_complete("622202123456789012")
    assert card not in mask_personal_data(f"卡号{card}")
    bad = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert [d.kind for d in find_personal_data(f"订单{bad}")] == []


def test_plate_and_email_are_masked():
    masked = mask_personal_data("车牌沪A12345，邮箱zhang.san@example.com")
    assert "沪A12345" not in masked and "zhang.san" not in masked
    assert "@example.com" in masked


def test_text_without_personal_data_is_unchanged():
    text = "小区门口路灯坏了3天，2019年5月1日反映过"
    assert mask_personal_data(text) == text
