"""Highlight of the passages of an article that match a query."""

from __future__ import annotations

from gridloop.knowledge.domain.highlight import highlight, mark

TEXT = "您好！居住证可以在微信公众号申领。办理需要身份证和居住登记卡。其他问题请拨打12345。"


def test_the_sentence_sharing_most_bigrams_comes_first() -> None:
    best = highlight(TEXT, query="居住证怎么申领", limit=1)
    assert best[0].text == "居住证可以在微信公众号申领。"


def test_a_query_sharing_nothing_highlights_nothing() -> None:
    assert highlight(TEXT, query="养犬") == []


def test_matched_terms_are_wrapped_and_overlaps_merged() -> None:
    assert mark("居住证和居住登记", terms=("居住", "住证")) == "【居住证】和【居住】登记"
