"""The PostgreSQL backend: `document @@ tsquery` on the stored, GIN-indexed vector, SearchRank, SearchHeadline.

The tsquery is built only from the parsed query's letter/digit tokens, each a quoted lexeme (`'wort':*`) that
`to_tsquery('german', …)` stems like the indexed text; phrases go through `phraseto_tsquery`, which takes plain
text. Nothing a user types reaches tsquery syntax: quotes, `&|!:*<>()` and backslashes are not in a token, and
`_lexeme` refuses anything else before it could.
"""

import re
from functools import reduce
from operator import and_

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db.models import F

from portal.search import snippets

CONFIG = "german"
# Rank divided by 1 + log(length): long PDF pages do not outrank a section that names the term as often.
RANK_NORMALIZATION = 1
_LEXEME = re.compile(r"[^\W_]+", re.UNICODE)


def _lexeme(word):
    """A prefix operand of a raw tsquery for one token. Tokens are letters and digits only; the check makes
    sure of it, and the quoting would hold even if it did not."""
    word = word.lower()
    if not _LEXEME.fullmatch(word):
        raise ValueError(f"not a search token: {word!r}")
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*"


def _words(words):
    return SearchQuery(" & ".join(_lexeme(word) for word in words), search_type="raw", config=CONFIG)


def _phrase(phrase):
    return SearchQuery(phrase, search_type="phrase", config=CONFIG)


def positive_query(parsed):
    """What must occur: all words (prefix) and all phrases. Used for the match, the rank and the headline."""
    parts = ([_words(parsed.terms)] if parsed.terms else []) + [_phrase(p) for p in parsed.phrases]
    return reduce(and_, parts)


def full_query(parsed):
    query = positive_query(parsed)
    for word in parsed.excluded_terms:
        query &= ~_words([word])
    for phrase in parsed.excluded_phrases:
        query &= ~_phrase(phrase)
    return query


def match(entries, parsed):
    return entries.filter(document=full_query(parsed))


def ranked(entries, parsed):
    return entries.annotate(rank=SearchRank(F("document"), positive_query(parsed), normalization=RANK_NORMALIZATION))


def snippets_for(entries, parsed):
    """{entry id: safe HTML snippet} for `entries` (the page only: ts_headline parses the whole body)."""
    headline = SearchHeadline(
        "body",
        positive_query(parsed),
        config=CONFIG,
        start_sel=snippets.START,
        stop_sel=snippets.STOP,
        max_fragments=2,
        max_words=24,
        min_words=12,
        short_word=2,
        fragment_delimiter=snippets.FRAGMENT_DELIMITER,
    )
    return {pk: snippets.marked(text) for pk, text in entries.annotate(headline=headline).values_list("pk", "headline")}
