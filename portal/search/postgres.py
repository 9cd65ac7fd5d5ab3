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
from django.db.models import F, Func, TextField, Value
from django.db.models.functions import Coalesce, Concat, Greatest, Least, Lower, NullIf, StrIndex, Substr

from portal.search import snippets, text

CONFIG = "german"
# Rank divided by 1 + log(length): long PDF pages do not outrank a section that names the term as often.
RANK_NORMALIZATION = 1
_LEXEME = re.compile(r"[^\W_]+", re.UNICODE)
# ts_headline parses and stems the whole text it is given, so its cost grows with the body (50 sections of 1,000
# words: 55 ms). It gets a window of the body instead, from a little before the first place where a query word or
# its stem occurs as typed (a cheap strpos); without such a place, the beginning.
WINDOW_BEFORE = 200
WINDOW_LENGTH = 1500


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


def _window_start(parsed):
    words = [*parsed.terms, *(phrase.split()[0] for phrase in parsed.phrases)]
    candidates = sorted({*words, *map(text.stem, words)})
    candidates = [c for c in candidates if len(c) >= 3] or candidates
    positions = [NullIf(StrIndex(Lower("body"), Value(candidate)), Value(0)) for candidate in candidates]
    first = Coalesce(Least(*positions) if len(positions) > 1 else positions[0], Value(1))
    return Greatest(first - Value(WINDOW_BEFORE), Value(1))


def snippets_for(entries, parsed):
    """{entry id: safe HTML snippet} for `entries` (the page only), from a window of each body."""
    start = _window_start(parsed)
    # From a space before the body, so that a window that starts inside a word drops that word's rest.
    window = Func(
        Substr(Concat(Value(" "), "body", output_field=TextField()), start, Value(WINDOW_LENGTH)),
        Value(r"^\S*\s"),
        Value(""),
        function="regexp_replace",
        output_field=TextField(),
    )
    headline = SearchHeadline(
        window,
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
    rows = entries.annotate(window_from=start, headline=headline).values_list("pk", "window_from", "headline")
    return {pk: snippets.marked(text, continued=window_from > 1) for pk, window_from, text in rows}
