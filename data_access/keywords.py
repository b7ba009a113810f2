"""Ranked keywords of Chinese complaint texts, with jieba (precise mode) and a stop-word list:
place names (ns), numbers, measure words, pronouns, adverbs, time and direction words and
punctuation are dropped by the part of speech jieba's dictionary gives them, function and
filler words by the list.

Identical texts are tokenised once and counted with their multiplicity, and each distinct text's
tokens are kept (LRU), so a year of case descriptions costs about a second the first time and
little after; the caller (data_access.image) memoizes the ranking as well.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable

_lock = threading.Lock()
_ready = False

# Words of city management that jieba's general dictionary splits; more words to keep whole,
# not a list to rank from (any token can rank).
DOMAIN_WORDS = ("占道经营", "乱张贴", "小广告", "户外广告", "违法建设", "私搭乱建", "露天烧烤", "油烟扰民",
                "噪声扰民", "渣土车", "余泥渣土", "乱堆杂物", "暴露垃圾", "垃圾满溢", "店外经营", "流动摊贩",
                "共享单车", "乱停放", "施工扰民", "井盖", "城管", "执法人员", "牌匾", "积水", "遗撒", "扬尘")
# Function words, fillers of report phrasing and generic words that say nothing about the problem.
STOP_WORDS = frozenset("""
的 了 和 与 及 或 是 在 有 被 把 对 为 于 从 向 将 也 都 就 又 还 很 太 更 最 不 没 没有 无 未 已 已经 仍 仍然
一直 经常 多次 每天 每晚 晚上 白天 早上 夜间 凌晨 今天 昨天 近日 近期 目前 现在 一个 一些 这个 那个 这里 那里
这些 那些 此 该 其 等 等等 之 以 及其 以及 而且 但是 但 因为 所以 如果 然后 并 并且 导致 造成 影响 存在 出现
发生 进行 要求 希望 请 请求 尽快 及时 处理 解决 反映 反应 投诉 举报 市民 群众 居民 来电 来电人 称 表示 问题
情况 相关 部门 有关 严重 强烈 需 需要 能否 是否 安全隐患 隐患 附近 周边 门口 路段 路口 一带 位置 地方 区域
只能 容易 无人 无法 不能 可以 没人 很多 一些 号 号附近 南路 北路 东路 西路 中路 大道 大街 影响市容 市容 群众反映 市民反映 居民反映 栋 楼 室 村 社区 街道 镇 路 街 巷 市 区 东莞 东莞市 記者 记者 报道 网友 曝光 热线 12345
""".split())
_KEEP = re.compile(r"[\u4e00-\u9fff]{2,}|[\u4e00-\u9fff][A-Za-z0-9]+")


def _init():
    global _ready
    with _lock:
        if _ready:
            return
        import jieba

        jieba.setLogLevel(logging.WARNING)
        for word in DOMAIN_WORDS:
            jieba.add_word(word, freq=20000, tag="n")
        jieba.initialize()
        from jieba import posseg

        posseg.dt.makesure_userdict_loaded()  # the domain words' tags join the dictionary's
        _ready = True


# Part-of-speech tags (jieba / ICTCLAS) that never make a complaint keyword.
DROP_TAGS = frozenset(("ns", "m", "mq", "q", "x", "r", "p", "c", "u", "uj", "ul", "uz", "ud", "ug", "uv", "e", "y",
                       "o", "w", "t", "tg", "f", "d", "dg", "zg"))


def tokens(text: str) -> list[str]:
    """The content words of one text: tagged jieba tokens of two or more characters, place names,
    numbers and function words dropped by tag, stop words removed."""
    return list(_tokens(text or ""))


@functools.lru_cache(maxsize=100_000)
def _tokens(text: str) -> tuple[str, ...]:
    # Segment with the HMM on (new words such as 盲道 stay whole), then drop words by the
    # part of speech the dictionary gives them; a word the dictionary lacks counts as a noun.
    _init()
    import jieba
    from jieba import posseg

    tags = posseg.dt.word_tag_tab
    return tuple(w for w in jieba.lcut(text, HMM=True)
                 if tags.get(w, "n") not in DROP_TAGS and _KEEP.fullmatch(w) and w not in STOP_WORDS)


def rank(texts: Iterable[str], top: int = 40, stop_words: frozenset | None = None) -> list[tuple[str, int]]:
    """The `top` terms by frequency over `texts`, ties broken by the term (stable)."""
    stop = STOP_WORDS if stop_words is None else stop_words
    counts: Counter = Counter()
    for text, n in Counter(t for t in texts if t).items():
        for word in tokens(text):
            if word not in stop:
                counts[word] += n
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
