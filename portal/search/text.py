"""Words, stems and index variants: one definition for both backends and for the query side.

PostgreSQL stems with its own `german` configuration (Snowball); SQLite stores stems from the same Snowball
algorithm (`snowballstemmer`), so both find the same documents.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Letters and digits; hyphenated compounds split into their parts, as PostgreSQL's parser does.
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# German past participles: "gefördert" is indexed as "fördert" too, so that "Förderung" (stem "forder") finds it.
_PARTICIPLE = re.compile(r"^ge([^\W\d_]{3,}(?:t|en))$")
# "ge…" words that are not participles but would otherwise gain a misleading variant.
_NOT_PARTICIPLES = frozenset({"gegen", "gelten", "genügen", "gewinnen", "geben", "gehen", "gesehen"})

_stemmer = snowballstemmer.stemmer("german")


def normalise(text):
    """NFC-normalised text. Control characters (NUL, …) become spaces; invisible format characters (soft hyphens,
    zero-width spaces, bidi overrides) are dropped, so that "Fach\u00adkräfte" from a PDF stays one word."""
    text = unicodedata.normalize("NFC", text or "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf":
            continue
        kept.append(" " if category in ("Cc", "Cs", "Co") and char not in "\n\t" else char)
    return "".join(kept)


def words(text):
    """The word tokens of `text`, lower-cased, in order."""
    return [match.group(0).lower() for match in _WORD.finditer(normalise(text))]


@lru_cache(maxsize=65536)
def stem(word):
    """The Snowball German stem of one lower-case word (umlauts folded, as PostgreSQL's `german` does)."""
    return _stemmer.stemWord(word.lower())


def participle_base(word):
    """ "gefördert" → "fördert"; None for words that are not a `ge-` participle."""
    match = _PARTICIPLE.match(word.lower())
    if not match or word.lower() in _NOT_PARTICIPLES:
        return None
    return match.group(1)


def variants(text):
    """Extra index terms for `text`: each `ge-` participle without its prefix, space-separated, once each."""
    seen = dict.fromkeys(base for base in map(participle_base, words(text)) if base)
    return " ".join(seen)


def stemmed_document(text):
    """SQLite's stored token text: the stems of the words in order, so that phrases stay adjacent."""
    return " ".join(stem(word) for word in words(text))
