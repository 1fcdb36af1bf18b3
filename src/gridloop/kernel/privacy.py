"""Personal data in free text: phones, ID numbers, bank cards, licence plates, e-mails; and masking.

Standard library only. ID numbers are checked with the GB 11643 checksum, bank cards with Luhn, so ordinary
long numbers (order numbers, dates) are not masked as personal data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"

_TRIGGER = re.compile(r"[0-9@]")
"""Every kind we detect contains a digit or an @ (plates of letters only are too rare to pay for a scan)."""
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_ID = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])"
)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(?:0\d{2,3}[- ]?)?[2-8]\d{6,7}(?!\d)")
_PLATE = re.compile(
    rf"[{_PROVINCES}][A-HJ-NP-Z][·\s]?(?:[A-HJ-NP-Z0-9]{{5}}|[DF][A-HJ-NP-Z0-9]{{5}}|[A-HJ-NP-Z0-9]{{5}}[DF])(?![A-Za-z0-9])"
)


@dataclass(frozen=True)
class PersonalData:
    """One piece of personal data found in a text."""

    kind: str  # phone | id_number | bank_card | plate | email
    start: int
    end: int
    value: str


def id_checksum_ok(number: str) -> bool:
    """Whether an 18-character mainland ID number has a valid GB 11643 check character."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    """Whether a digit string passes the Luhn check."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


_ID_LABEL = re.compile(r"身份证|证件号|公民身份号码|ID\s*(?:No|number)", re.IGNORECASE)


def _labelled_id(text: str, start: int) -> bool:
    """The caller labelled the number as an ID number just before it (身份证号：…): masked even when its check
    character is wrong (a typo is still someone's ID)."""
    return bool(_ID_LABEL.search(text[max(0, start - 12) : start]))


def find_personal_data(text: str) -> list[PersonalData]:
    """Non-overlapping personal data in the text, in order of position."""
    if not _TRIGGER.search(text):
        return []
    found: list[PersonalData] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    def add(kind: str, m: re.Match[str]) -> None:
        if free(m.start(), m.end()):
            found.append(PersonalData(kind, m.start(), m.end(), m.group()))
            taken.append((m.start(), m.end()))

    for m in _EMAIL.finditer(text):
        add("email", m)
    for m in _ID.finditer(text):
        if id_checksum_ok(m.group()) or _labelled_id(text, m.start()):
            add("id_number", m)
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        if 16 <= len(digits) <= 19 and luhn_ok(digits):
            add("bank_card", m)
    for m in _MOBILE.finditer(text):
        add("phone", m)
    for m in _LANDLINE.finditer(text):
        add("phone", m)
    for m in _PLATE.finditer(text):
        add("plate", m)
    return sorted(found, key=lambda p: p.start)


def _mask_value(item: PersonalData) -> str:
    v = item.value
    if item.kind == "email":
        name, _, domain = v.partition("@")
        return f"{name[:1]}***@{domain}"
    if item.kind == "plate":
        return v[:2] + "*" * (len(v) - 3) + v[-1]
    keep_head = {"phone": 3, "id_number": 6, "bank_card": 4}.get(item.kind, 2)
    out, seen = [], 0
    digits_total = sum(c.isalnum() for c in v)
    for c in v:
        if c.isalnum():
            seen += 1
            out.append(c if seen <= keep_head or seen > digits_total - 4 else "*")
        else:
            out.append(c)
    return "".join(out)


def mask_personal_data(text: str, *, found: list[PersonalData] | None = None) -> str:
    """The text with personal data masked (kinds kept readable: 138****5678, 310101********1234, 沪A****5)."""
    items = find_personal_data(text) if found is None else found
    if not items:
        return text
    parts, pos = [], 0
    for item in items:
        parts.append(text[pos : item.start])
        parts.append(_mask_value(item))
        pos = item.end
    parts.append(text[pos:])
    return "".join(parts)
