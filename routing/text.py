"""Turning English and Chinese text into comparable tokens. Pure Python, no Django.

English words are lower-cased, stripped of stopwords and stemmed (Snowball), so "prisons"
and "prison" meet. Chinese runs are segmented with jieba's search mode, which also yields
the shorter words inside long ones ("煤矿安全" → 煤矿, 安全, 煤矿安全). NFKC folds full-width
letters and digits to half-width first.
"""
import logging
import re
import unicodedata
from functools import lru_cache

import jieba
import snowballstemmer

jieba.setLogLevel(logging.WARNING)

_STEMMER = snowballstemmer.stemmer("english")
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[\u3400-\u9fff\uf900-\ufaff]+")
CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

# Function words, and the words people wrap a matter in ("a citizen writes that…", "who handles…")
# which say nothing about whose matter it is.
ENGLISH_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can could did do does doing down during each etc few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over own
    same she should so some such than that the their theirs them themselves then there these they this
    those through to too under until up very was we were what when where which while who whom why will
    with would you your yours yourself yourselves
    who's what's whose whoever shall may might must let lets get gets got getting
    please want wants wanted need needs needed ask asks asked asking someone somebody anyone people person
    citizen citizens resident residents writes wrote write writing says said say tell told
    complain complains complained complaint complaints handle handles handling deal deals
    responsible responsibility charge matter matters issue issues thing things question questions
    help helps helping new now still again already every many much lot lots one two
    good best better nice great bad make makes made making time times recommend recommends recommended
    read reading like really way ways know find look looking go going come take took use tips
    which whichever
    """.split()
)
CHINESE_STOPWORDS = frozenset(
    """
    反映 市民 群众 居民 百姓 老百姓 关于 需要 要求 如何 怎么 怎样 哪个 哪里 哪些 请问 我们 他们 你们
    有关 问题 情况 一下 这个 那个 什么 谁 负责 处理 办理 部门 单位 一个 没有 已经 还是 可以 能否
    """.split()
)


_LETTER_PREFIX_RE = re.compile(r"\b([a-z])-(?=[a-z])")


def normalize(text):
    """NFKC (full-width → half-width), lower case, collapsed whitespace; "e-government" → "egovernment"."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _LETTER_PREFIX_RE.sub(r"\1", " ".join(text.lower().split()))


@lru_cache(maxsize=50_000)
def stem(word):
    return _STEMMER.stemWord(word.replace("'", ""))


@lru_cache(maxsize=20_000)
def _chinese_words(run):
    return tuple(word for word in jieba.cut_for_search(run) if len(word) >= 2 and word not in CHINESE_STOPWORDS)


def english_words(text):
    """Surface English words of already-normalised text, stopwords removed."""
    return [word for word in _WORD_RE.findall(text) if not CJK_RE.match(word) and word not in ENGLISH_STOPWORDS]


def tokens(text, *, normalized=False):
    """Ordered tokens of `text`: English stems and Chinese words (each once, first occurrence kept)."""
    text = text if normalized else normalize(text)
    seen = {}
    for piece in _WORD_RE.findall(text):
        if CJK_RE.match(piece):
            for word in _chinese_words(piece):
                seen.setdefault(word, None)
        elif piece not in ENGLISH_STOPWORDS and (len(piece) > 1 or piece.isdigit()):
            seen.setdefault(stem(piece), None)
    return list(seen)


@lru_cache(maxsize=1)
def _english_dictionary():
    from spellchecker import SpellChecker

    return SpellChecker(distance=1)


def is_english_word(word):
    """True for a correctly spelt English word, which the typo corrector must leave alone ("broke")."""
    return word in _english_dictionary()


def compact_chinese(text):
    """The Chinese characters of normalised text, without spaces or punctuation, for substring tests."""
    return "".join(CJK_RE.findall(text))


def load_dictionaries():
    """Load the Chinese word list and the English spelling dictionary now (about a second) rather
    than in the first request that needs them; a server calls it as it starts."""
    jieba.initialize()
    _english_dictionary()
