"""The knowledge pages' labels: both languages, and every key a template uses exists."""

from __future__ import annotations

import re
from pathlib import Path

from gridloop.knowledge.pages.text import TEXT, message, translator
from gridloop.platform.web import i18n

PKG = Path(__file__).resolve().parents[2] / "src" / "gridloop" / "knowledge"
KEY = re.compile(r"""\bt\(\s*['"]([a-z0-9_.]+)['"]""")


def test_every_label_has_chinese_and_english():
    assert all(zh.strip() and en.strip() for zh, en in TEXT.values())


def test_every_literal_key_in_the_knowledge_templates_and_pages_exists():
    used: set[str] = set()
    for path in [*PKG.glob("templates/*.html"), *PKG.glob("pages/*.py")]:
        used |= set(KEY.findall(path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in TEXT and k not in i18n.TEXT and not k.endswith("."))
    assert not missing, missing


def test_field_messages_are_chinese_for_chinese_users():
    assert message("required", "zh") == "必填" and message("no column 'x'", "zh") == "文件中没有列 'x'"
    assert translator("en")("kb.saved", n=3).startswith("Version 3")
