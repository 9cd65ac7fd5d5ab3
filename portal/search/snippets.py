"""Snippets: the text around the hits, escaped, with the hits in <mark>.

User and document text is never trusted HTML: PostgreSQL's headline marks hits with sentinels that cannot be
typed into a query, the text is escaped in Python, and only then do the sentinels become <mark> elements.
SQLite's snippet is cut from the body here, marking the words whose stem a query term matches.
"""

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.search import text

# Start and end of a hit in PostgreSQL's headline: control characters around private-use ones, which neither a
# query nor a text extracted for the index is expected to hold; stray control characters are dropped at the end.
START = "\x02\ue000"
STOP = "\ue001\x03"
ELLIPSIS = "…"
FRAGMENT_DELIMITER = f" {ELLIPSIS} "
# Words in a snippet cut in Python, and how many of them come before the first hit.
WINDOW = 30
LEAD = 8

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ue000\ue001]")
_SPACE = re.compile(r"\s+")


def marked(headline, *, continued=False):
    """PostgreSQL's headline with sentinels → safe HTML with the hits in <mark>; `continued`: it does not start at
    the beginning of the text (an ellipsis says so)."""
    headline = _SPACE.sub(" ", headline or "").strip()
    html = [f"{ELLIPSIS} "] if continued and headline else []
    rest = headline
    while rest:
        start = rest.find(START)
        if start < 0:
            html.append(escape(_CONTROL.sub("", rest)))
            break
        stop = rest.find(STOP, start + len(START))
        if stop < 0:
            html.append(escape(_CONTROL.sub("", rest)))
            break
        html.append(escape(_CONTROL.sub("", rest[:start])))
        hit = _CONTROL.sub("", rest[start + len(START) : stop])
        if hit:
            html.append(f"<mark>{escape(hit)}</mark>")
        rest = rest[stop + len(STOP) :]
    return mark_safe("".join(html))  # noqa: S308 - every piece of text above is escaped


@lru_cache(maxsize=20000)
def _stem(word):
    return text.stem(word)


def cut(body, *, prefixes, exact=()):
    """A window of about WINDOW words of `body` around its first hit, escaped, hits in <mark>. A word is a hit
    when its stem starts with one of `prefixes` (stems of the query's words) or equals one of `exact` (stems
    of its phrases). Without a hit (the match was on an index variant), the window starts at the beginning."""
    body = body or ""
    prefixes = tuple(p for p in prefixes if p)
    exact = frozenset(e for e in exact if e)

    def hit(word):
        stem = _stem(word)
        return stem in exact or stem.startswith(prefixes)

    words = list(_WORD.finditer(body))
    if not words:
        return mark_safe(escape(_SPACE.sub(" ", _CONTROL.sub("", body)).strip()[:200]))  # noqa: S308
    first = next((i for i, word in enumerate(words) if hit(word.group())), 0)
    low = max(0, first - LEAD)
    high = min(len(words), low + WINDOW)
    low = max(0, min(low, high - WINDOW))
    html = [f"{ELLIPSIS} "] if low > 0 else []
    position = words[low].start()
    for word in words[low:high]:
        html.append(escape(_SPACE.sub(" ", _CONTROL.sub("", body[position : word.start()]))))
        html.append(f"<mark>{escape(word.group())}</mark>" if hit(word.group()) else escape(word.group()))
        position = word.end()
    if high < len(words):
        html.append(f" {ELLIPSIS}")
    return mark_safe("".join(html).strip())  # noqa: S308 - every piece of text above is escaped
