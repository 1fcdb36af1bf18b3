"""The console's labels: one table, both languages, every key used by a template exists."""

from __future__ import annotations

import re
from pathlib import Path

from gridloop.platform.web import i18n

WEB = Path(__file__).resolve().parents[2] / "src" / "gridloop" / "entrypoints" / "web"
KEY = re.compile(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]""")


def test_every_label_has_chinese_and_english():
    for key, (zh, en) in i18n.TEXT.items():
        assert zh.strip() and en.strip(), key


def test_every_literal_key_used_in_templates_and_pages_is_in_the_table():
    used = set()
    for path in [*WEB.glob("templates/*.html"), *WEB.glob("*.py")]:
        used |= set(KEY.findall(path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in i18n.TEXT and not k.endswith("."))
    assert not missing, missing


def test_keys_built_from_names_exist():
    from gridloop.cases.domain.lifecycle import Field
    from gridloop.cases.services.console import QUEUE_TABS

    built = [f"queue.{t}" for t in QUEUE_TABS]
    built += [f"inbox.{s}" for s in ("to_sign", "overdue", "due_soon", "in_progress")]
    built += [f"field.{f.value}" for f in Field] + ["field.co_units"]
    built += [f"board.{k}" for k in ("open", "overdue", "received_today", "closed_30d", "satisfaction_30d")]
    built += ["board.supervised_open"] + [f"error.{s}" for s in (403, 404, 409, 422, 500)]
    assert [k for k in built if k not in i18n.TEXT] == []


def test_missing_key_shows_the_key_instead_of_failing():
    assert i18n.t("no.such.key", "zh") == "no.such.key"


def test_service_field_messages_are_translated_to_chinese():
    assert i18n.field_message("is not a phone number; use digits", "zh").startswith("不是有效的电话号码")
    assert i18n.field_message("is not a phone number; use digits", "en") == "is not a phone number; use digits"


def test_unknown_language_falls_back_to_chinese():
    assert i18n.pick_lang("fr") == "zh" and i18n.pick_lang("en") == "en"
