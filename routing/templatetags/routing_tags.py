"""The route page's helpers: marking matched words in quoted reasons, and bilingual fields in the page's language."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from orgunits.models import Office
from orgunits.selectors import office_choice_groups
from routing.text import CJK_RE, english_words, normalize, stem, tokens

register = template.Library()


def _needle_pattern(needle):
    """An English needle starts at a word's start and takes the rest of the word ("meet" marks "meetings")."""
    pattern = re.escape(needle)
    if needle[0].isascii() and needle[0].isalnum():
        pattern = r"(?<![A-Za-z0-9])" + pattern
    if needle[-1].isascii() and needle[-1].isalpha():
        pattern += r"[A-Za-z]*"
    return pattern


@register.filter
def highlight(text, words):
    """Escape `text` and wrap each matched word (or its stem, "prison" in "prisons") in <mark>."""
    text = str(text or "")
    needles = set()
    for word in words or ():
        word = str(word).strip()
        if word:
            needles.add(word)
            if word.isascii() and len(stem(word.lower())) >= 3:
                needles.add(stem(word.lower()))
    if not needles:
        return escape(text)
    pattern = re.compile(
        "|".join(_needle_pattern(needle) for needle in sorted(needles, key=len, reverse=True)), re.IGNORECASE
    )
    pieces, last = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last:match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    return mark_safe("".join(pieces))


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


def _chinese():
    return (get_language() or "en").lower().startswith("zh")


def _field(obj, name):
    if isinstance(obj, dict):
        return obj.get(name) or ""
    return getattr(obj, name, "") or ""


def _pair(obj, field):
    """(English, Chinese) of a bilingual field: `<field>_en`/`<field>_zh`, or `<field>`/`<field>_zh` in a dict."""
    english = _field(obj, f"{field}_en") or _field(obj, field)
    return english, _field(obj, f"{field}_zh")


@register.filter
def current(obj, field):
    """A bilingual field in the page's language, or the other language when that one is empty."""
    english, chinese = _pair(obj, field)
    return (chinese or english) if _chinese() else (english or chinese)


@register.filter
def other(obj, field):
    """The same field in the other language; empty when `current` already had to fall back to it."""
    english, chinese = _pair(obj, field)
    if _chinese():
        return english if chinese else ""
    return chinese if english else ""


@register.simple_tag
def route_languages():
    """The `lang` tags of the page's language and of the other one."""
    return {"current": "zh-Hans", "other": "en"} if _chinese() else {"current": "en", "other": "zh-Hans"}


@register.filter
def lang_attr(code):
    """An office's source language ("en", "zh") as an HTML `lang` value."""
    return "zh-Hans" if str(code or "").startswith("zh") else "en"


@register.simple_tag
def route_offices():
    """Every office by slug, in source order: names in the page's language and source languages, in one query."""
    return {office.slug: office for office in Office.objects.order_by("order", "slug")}


@register.simple_tag
def route_office_groups(offices):
    """The offices of `route_offices` grouped for the office choice (see `office_choice_groups`)."""
    return office_choice_groups(offices=list(offices.values()), chinese=_chinese())


@register.filter
def evidence_words(item):
    """The words to mark in a result's quotes: what matched, and the subjects it matched by in both languages.

    A subject's name lets an English matter light up the Chinese wording too ("prisons" → 监狱).
    """
    words = []
    for reason in item.reasons:
        words.extend(reason.matched)
        if reason.kind == "subject":
            words.extend((reason.text_en, reason.text_zh))
    return words


@register.filter
def query_words(text):
    """The words of a matter worth marking in a quote: English words (no stopwords) and Chinese words."""
    text = normalize(str(text or ""))
    words = [word for word in english_words(text) if len(word) >= 3]
    words += [token for token in tokens(text, normalized=True) if CJK_RE.match(token)]
    return words


@register.filter
def any_tie(results):
    return any(getattr(candidate, "tie", False) for candidate in results or ())
