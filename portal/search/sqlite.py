"""The SQLite backend (`make run`): FTS5 `MATCH` on the stemmed mirror `portal_searchentry_fts`, ranked by bm25().

The MATCH expression is built from the stems of the parsed query's letter/digit tokens, each inside FTS5 double
quotes (`"stamm"*`, phrases `"stamm stamm"`), joined by AND and NOT; it is passed as a bound parameter. No
character a user types can become FTS5 syntax: a stem holds letters and digits only, which `_string` checks.
"""

import re

from django.db.models import FloatField
from django.db.models.expressions import RawSQL

from portal.search import snippets, text
from portal.search.query import STOP_WORDS

TABLE = "portal_searchentry_fts"
_STEM = re.compile(r"[^\W_]+", re.UNICODE)


def stems(value):
    """The stems SQLite's stored token text holds for the query word `value`, without PostgreSQL's stop words."""
    return [text.stem(word) for word in text.words(value) if word not in STOP_WORDS and _STEM.fullmatch(word)]


def phrase_stems(value):
    """The stems of a phrase: stop words inside it stay (the stored text keeps them in place), those at its ends
    go, as in PostgreSQL's phraseto_tsquery; a phrase of stop words only is no phrase."""
    found = [word for word in text.words(value) if _STEM.fullmatch(word)]
    while found and found[0] in STOP_WORDS:
        found.pop(0)
    while found and found[-1] in STOP_WORDS:
        found.pop()
    return [text.stem(word) for word in found]


def _string(tokens):
    for token in tokens:
        if not _STEM.fullmatch(token):
            raise ValueError(f"not a stem: {token!r}")
    return '"' + " ".join(tokens) + '"'


def _word(word):
    found = stems(word)
    return " AND ".join(_string([stem]) + "*" for stem in found) or None


def _phrase(phrase):
    found = phrase_stems(phrase)
    return _string(found) if found else None


def expression(parsed):
    """The FTS5 MATCH expression, or None when nothing positive is left (every word a stop word)."""
    positive = [e for e in [*map(_word, parsed.terms), *map(_phrase, parsed.phrases)] if e]
    if not positive:
        return None
    negative = [e for e in [*map(_word, parsed.excluded_terms), *map(_phrase, parsed.excluded_phrases)] if e]
    return "(" + " AND ".join(positive) + ")" + "".join(f" NOT ({e})" for e in negative)


def positive_expression(parsed):
    positive = [e for e in [*map(_word, parsed.terms), *map(_phrase, parsed.phrases)] if e]
    return " AND ".join(positive) or None


def match(entries, parsed):
    found = expression(parsed)
    if found is None:
        return entries.none()
    sql = f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"  # noqa: S608 - a fixed table; the expression is bound
    return entries.filter(pk__in=RawSQL(sql, (found,)))  # noqa: S611 - fixed SQL, the expression is a parameter


def ranked(entries, parsed):
    """bm25() is lower for better hits; the rank is its negation so that higher is better on both backends."""
    table = entries.model._meta.db_table
    found = positive_expression(parsed)
    sql = f'SELECT -bm25({TABLE}) FROM {TABLE} WHERE {TABLE} MATCH %s AND {TABLE}.rowid = "{table}"."id"'  # noqa: S608
    return entries.annotate(rank=RawSQL(sql, (found,), output_field=FloatField()))  # noqa: S611 - bound expression


def snippets_for(entries, parsed):
    prefixes = [stem for word in parsed.terms for stem in stems(word)]
    exact = [stem for phrase in parsed.phrases for stem in phrase_stems(phrase)]
    return {pk: snippets.cut(body, prefixes=prefixes, exact=exact) for pk, body in entries.values_list("pk", "body")}
