"""Complaint keywords: jieba tokens (not characters, not a fixed list), stop words and place names out."""
from __future__ import annotations

from data_access import keywords

FIXTURE = [
    "东城街道主山社区有流动摊贩占道经营，晚上摆卖到很晚，严重影响通行",
    "南城街道鸿福路夜市占道经营，油烟扰民，希望城管尽快处理",
    "万江街道餐馆油烟直排，油烟扰民，楼上住户无法开窗",
    "渣土车沿路遗撒泥土，道路很脏，占道经营的摊贩也很多",
    "小区门口垃圾满溢无人清运，气味难闻，垃圾满溢已经三天",
]


def test_fixture_text_gives_the_expected_top_terms():
    ranked = keywords.rank(FIXTURE, top=5)
    assert ranked[:3] == [("占道经营", 3), ("垃圾满溢", 2), ("油烟扰民", 2)]  # ties in term order
    terms = dict(keywords.rank(FIXTURE, top=100))
    assert terms["摊贩"] == 1 and terms["流动摊贩"] == 1 and terms["油烟"] == 1
    assert "渣土车" in terms and "遗撒" in terms


def test_words_not_characters_and_no_stop_words_or_places():
    terms = [t for t, _ in keywords.rank(FIXTURE, top=100)]
    assert all(len(t) >= 2 for t in terms)
    for dropped in ("的", "希望", "尽快", "处理", "严重", "晚上", "东城", "南城", "万江", "三天", "街道", "社区", "无法"):
        assert dropped not in terms, dropped


def test_any_word_can_rank_not_only_a_fixed_list():
    ranked = keywords.rank(["共享单车堆满人行道", "共享单车挡住盲道", "盲道被共享单车占用"], top=3)
    assert ranked[0] == ("共享单车", 3)
    assert ("盲道", 2) in ranked


def test_repeated_texts_count_with_their_multiplicity_and_ties_are_stable():
    once = dict(keywords.rank(["井盖缺失", "路灯不亮"], top=10))
    twice = dict(keywords.rank(["井盖缺失", "井盖缺失", "路灯不亮"], top=10))
    assert twice["井盖"] == 2 * once["井盖"]
    assert keywords.rank(["乙丙", "甲乙"]) == keywords.rank(["甲乙", "乙丙"])
    assert keywords.rank([]) == [] and keywords.rank(["", "的了"]) == []
