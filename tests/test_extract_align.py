"""The aligner on its own: alternating, reversed, block, 1:2 and caption cases."""
from __future__ import annotations

from harvester.extract.align import align, anchors
from tests.extract_fixtures import SEED_BODY

EN = [t for k, t in SEED_BODY if k == "p" and not any("\u4e00" <= c <= "\u9fff" for c in t)]
ZH = [t for k, t in SEED_BODY if k == "p" and any("\u4e00" <= c <= "\u9fff" for c in t)][:10]
CAPTIONS = [t for k, t in SEED_BODY if k == "cap"]


def _p(text: str, lang: str, role: str = "body") -> tuple[str, str, str]:
    return text, lang, role


def _expected() -> list[tuple[str, str]]:
    return list(zip(EN, ZH))


def test_seed_lists_are_parallel():
    assert len(EN) == len(ZH) == 10


def test_alternating():
    paras = [x for e, z in zip(EN, ZH) for x in (_p(e, "en"), _p(z, "zh"))]
    assert align(paras) == _expected()


def test_reversed_alternating():
    paras = [x for e, z in zip(EN, ZH) for x in (_p(z, "zh"), _p(e, "en"))]
    assert align(paras) == _expected()


def test_block_order():
    paras = [_p(e, "en") for e in EN] + [_p(z, "zh") for z in ZH]
    assert align(paras) == _expected()


def test_block_order_with_unpaired_captions():
    """Two untranslated captions inside the English block must not shift the pairing."""
    paras = ([_p(e, "en") for e in EN[:2]] + [_p(CAPTIONS[0], "en", "caption")] + [_p(e, "en") for e in EN[2:4]]
             + [_p(CAPTIONS[1], "en", "caption")] + [_p(e, "en") for e in EN[4:]] + [_p(z, "zh") for z in ZH])
    assert align(paras) == _expected()


def test_alternating_with_captions():
    paras = []
    for k, (e, z) in enumerate(zip(EN, ZH)):
        if k in (2, 4):
            paras.append(_p(CAPTIONS[k // 2 - 1], "en", "caption"))
        paras += [_p(e, "en"), _p(z, "zh")]
    assert align(paras) == _expected()


def test_one_to_two_joins_the_chinese_halves():
    long_zh = ZH[4]
    cut = long_zh.index("。") + 1
    zh = ZH[:4] + [long_zh[:cut], long_zh[cut:]] + ZH[5:]
    paras = [x for x in ([_p(e, "en") for e in EN] + [_p(z, "zh") for z in zh])]
    assert align(paras) == _expected()


def test_two_to_one_joins_the_english_halves():
    aichi = EN[9]
    first, second = aichi.split(" During the event, ")
    en = EN[:9] + [first, "During the event, " + second]
    paras = [x for e in en for x in [_p(e, "en")]] + [_p(z, "zh") for z in ZH]
    pairs = align(paras)
    assert pairs[:9] == _expected()[:9]
    assert pairs[9] == (first + " During the event, " + second, ZH[9])


def test_chinese_caption_not_paired_with_english_body():
    paras = [_p(EN[0], "en"), _p(ZH[0], "zh"), _p("开营仪式现场。", "zh", "caption"), _p(EN[2], "en"),
             _p(ZH[2], "zh")]
    assert align(paras) == [(EN[0], ZH[0]), (EN[2], ZH[2])]


def test_monolingual_gives_no_pairs():
    assert align([_p(e, "en") for e in EN]) == []
    assert align([]) == []


def test_anchors_survive_translation():
    assert {"6", "5"} <= anchors("An opening ceremony was held June 5 to kick off the camp.", "en")
    assert {"6", "5"} <= anchors("6月5日,创新城市国际交流营举行开营仪式。", "zh")
    assert "iphone" in anchors("苹果发布新iPhone 11", "zh")
