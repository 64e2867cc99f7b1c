"""Highlighting the query words that matched inside a quoted reason."""
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from routing.text import stem

register = template.Library()


@register.filter
def highlight(text, words):
    """Escape `text` and wrap each matched word (or its stem, "prison" in "prisons") in <mark>."""
    text = str(text or "")
    needles = set()
    for word in words or ():
        word = str(word).strip()
        if word:
            needles.add(word)
            if word.isascii() and len(stem(word)) >= 3:
                needles.add(stem(word))
    if not needles:
        return escape(text)
    pattern = re.compile("|".join(re.escape(needle) for needle in sorted(needles, key=len, reverse=True)),
                         re.IGNORECASE)
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
