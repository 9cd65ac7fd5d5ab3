"""The SQLite backend (`make run`): FTS5 `MATCH` on the stemmed mirror `portal_searchentry_fts`, ranked by bm25().

The MATCH expression is built from the stems of the parsed query's letter/digit tokens, each inside FTS5 double
quotes (`"stamm"*`, phrases `"stamm stamm"`), joined by AND and NOT; it is passed as a bound parameter. No
character a user types can become FTS5 syntax: a stem holds letters and digits only, which `_string` checks.
"""

import re

from django.db.models import FloatField
from django.db.models.expressions import RawSQL

from portal.search import snippets, text

TABLE = "portal_searchentry_fts"
_STEM = re.compile(r"[^\W_]+", re.UNICODE)

# PostgreSQL's `german` configuration leaves these out of documents and queries (tsearch_data/german.stop, from
# Snowball). SQLite's stored stems keep them, so that phrases stay adjacent; a query leaves them out as PostgreSQL
# does: "Wasserstoff und Wind" finds what "Wasserstoff Wind" finds on both. tests/portal/search compares the list
# with PostgreSQL's.
_STOP_WORD_LIST = """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm andern
    anderr anders auch auf aus bei bin bis bist da damit dann der den des dem die das daß derselbe derselben
    denselben desselben demselben dieselbe dieselben dasselbe dazu dein deine deinem deinen deiner deines denn
    derer dessen dich dir du dies diese diesem diesen dieser dieses doch dort durch ein eine einem einen einer
    eines einig einige einigem einigen einiger einiges einmal er ihn ihm es etwas euer eure eurem euren eurer
    eures für gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich mich mir ihr ihre ihrem ihren
    ihrer ihres euch im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann
    kein keine keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches mein
    meine meinem meinen meiner meines mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein
    seine seinem seinen seiner seines selbst sich sie ihnen sind so solche solchem solchen solcher solches soll
    sollte sondern sonst über um und uns unse unsem unsen unser unses unter viel vom von vor während war waren
    warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird
    wirst wo wollen wollte würde würden zu zum zur zwar zwischen
"""
STOP_WORDS = frozenset(_STOP_WORD_LIST.split())


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
