"""The search language, parsed in pure Python: what each query means, and a German message for what it cannot mean."""

import contextlib

import pytest
from django.utils import translation
from django.utils.functional import Promise

from portal.search.query import MAX_LENGTH, MAX_TERMS, Filter, ParsedQuery, QueryError, fold, parse, tokens

pytestmark = pytest.mark.usefixtures("search_registry")


def F(key, value, op=":", negated=False):
    return Filter(key=key, op=op, value=value, negated=negated)


MEANINGS = [
    ("Wasserstoff", ParsedQuery(terms=("wasserstoff",))),
    ("  Wasserstoff   Hochschule ", ParsedQuery(terms=("wasserstoff", "hochschule"))),
    ('"grüner Wasserstoff"', ParsedQuery(phrases=("grüner wasserstoff",))),
    ('"  grüner\tWasserstoff  "', ParsedQuery(phrases=("grüner wasserstoff",))),
    ("Wasserstoff -Bayern", ParsedQuery(terms=("wasserstoff",), excluded_terms=("bayern",))),
    (
        'Wasserstoff -"grauer Wasserstoff"',
        ParsedQuery(terms=("wasserstoff",), excluded_phrases=("grauer wasserstoff",)),
    ),
    (
        "Wasserstoff -Bayern feld:massnahmen",
        ParsedQuery(terms=("wasserstoff",), excluded_terms=("bayern",), filters=(F("feld", "massnahmen"),)),
    ),
    # Aliases, case and umlauts: the canonical key.
    ("Wasser Abschnitt:Maßnahmen", ParsedQuery(terms=("wasser",), filters=(F("feld", "Maßnahmen"),))),
    ("Wasser SECTION:vision", ParsedQuery(terms=("wasser",), filters=(F("feld", "vision"),))),
    ("Wasser bündnis:H2R", ParsedQuery(terms=("wasser",), filters=(F("buendnis", "H2R"),))),
    ("Wasser BUNDNIS:H2R", ParsedQuery(terms=("wasser",), filters=(F("buendnis", "H2R"),))),
    ('Wasser buendnis:"Grünes Band"', ParsedQuery(terms=("wasser",), filters=(F("buendnis", "Grünes Band"),))),
    ("Wasser -land:BY", ParsedQuery(terms=("wasser",), filters=(F("land", "BY", negated=True),))),
    ("Wasser land:BY land:SN", ParsedQuery(terms=("wasser",), filters=(F("land", "BY"), F("land", "SN")))),
    # Comparisons: numbers 0–100, "," or "." as decimal separator; score:60 is score=60, score:>60 is score>60.
    ("Wasser score>60", ParsedQuery(terms=("wasser",), filters=(F("score", "60", ">"),))),
    ("Wasser score>=60,5", ParsedQuery(terms=("wasser",), filters=(F("score", "60.5", ">="),))),
    ("Wasser score<=0", ParsedQuery(terms=("wasser",), filters=(F("score", "0", "<="),))),
    ("Wasser score<100", ParsedQuery(terms=("wasser",), filters=(F("score", "100", "<"),))),
    ("Wasser score=75", ParsedQuery(terms=("wasser",), filters=(F("score", "75", "="),))),
    ("Wasser score:75", ParsedQuery(terms=("wasser",), filters=(F("score", "75", "="),))),
    ("Wasser Score:>75", ParsedQuery(terms=("wasser",), filters=(F("score", "75", ">"),))),
    ("Wasser -score<40", ParsedQuery(terms=("wasser",), filters=(F("score", "40", "<", True),))),
    # Punctuation around and inside words is not searched; hyphenated words are two words.
    ("Wasserstoff, Hochschule.", ParsedQuery(terms=("wasserstoff", "hochschule"))),
    ("Fachkräfte-Sicherung", ParsedQuery(terms=("fachkräfte", "sicherung"))),
    ("Wasser'; DROP TABLE portal_user;--", ParsedQuery(terms=("wasser", "drop", "table", "portal", "user"))),
    ("Wasser* Hoch%schule a_b", ParsedQuery(terms=("wasser", "hoch", "schule", "a", "b"))),
    ("(Wasser|Stoff)&!Bayern:*", ParsedQuery(terms=("wasser", "stoff", "bayern"))),
    # Words are lower-case; repeated words count once; a word directly after a phrase is a word of its own.
    ("Wasser wasser WASSER", ParsedQuery(terms=("wasser",))),
    ('"grüner Wasserstoff"Lausitz', ParsedQuery(terms=("lausitz",), phrases=("grüner wasserstoff",))),
    # Invisible characters go; controls (NUL, tab, line break) separate words.
    ("Wasser\u200bstoff", ParsedQuery(terms=("wasserstoff",))),
    ("Wasser\x00stoff", ParsedQuery(terms=("wasser", "stoff"))),
    ("Wasser\nStoff\r\n", ParsedQuery(terms=("wasser", "stoff"))),
    ("\u202eWasser", ParsedQuery(terms=("wasser",))),
    # Compatibility forms: ligatures and full-width letters are the letters.
    ("Ｗａｓｓｅｒ", ParsedQuery(terms=("wasser",))),
    ("Pro\ufb01l", ParsedQuery(terms=("profil",))),
    # Numbers are words; a word with digits is a word.
    ("H2 2030", ParsedQuery(terms=("h2", "2030"))),
    # Exactly at the limits.
    (" ".join(f"w{i}" for i in range(MAX_TERMS)), ParsedQuery(terms=tuple(f"w{i}" for i in range(MAX_TERMS)))),
    ("a" * MAX_LENGTH, ParsedQuery(terms=("a" * MAX_LENGTH,))),
]


@pytest.mark.parametrize(("text", "meaning"), MEANINGS, ids=[repr(text[:40]) for text, _m in MEANINGS])
def test_what_a_query_means(text, meaning):
    assert parse(text) == meaning


def test_the_canonical_spelling_parses_to_the_same_query():
    for text, meaning in MEANINGS:
        assert parse(str(meaning)) == meaning, text


# (query, words the German message must contain)
REFUSED = [
    ("", ["Bitte geben Sie einen Suchbegriff ein"]),
    ("   \t\n", ["Bitte geben Sie einen Suchbegriff ein"]),
    ("\x00\x00", ["Bitte geben Sie einen Suchbegriff ein"]),
    ("-", ["Ein einzelnes „-“", "-Bayern"]),
    ("Wasser - Bayern", ["Ein einzelnes „-“"]),
    ("--Bayern", ["„--Bayern“", "einzelnen „-“"]),
    ("-Bayern", ["mindestens ein Wort oder eine Phrase", "Wasserstoff -Bayern"]),
    ('-"grauer Wasserstoff" -Bayern', ["mindestens ein Wort oder eine Phrase"]),
    ("land:BY", ["mindestens ein Wort oder eine Phrase", "Filter"]),
    ("score>60", ["mindestens ein Wort oder eine Phrase"]),
    ('"Wasserstoff', ["Anführungszeichen vor „Wasserstoff“", "nicht geschlossen"]),
    ('Wasser "grüner Wasserstoff', ["„grüner Wasserstoff“", "nicht geschlossen"]),
    ('Wasser buendnis:"Grünes', ["„Grünes“", "nicht geschlossen"]),
    ('"a" "b" "c', ["„c“", "nicht geschlossen"]),
    ('""', ['„""“', "nur aus Satz- und Sonderzeichen"]),
    ('Wasser ""', ['Die Phrase „""“ enthält kein Wort']),
    ('Wasser "!!"', ['Die Phrase „"!!"“ enthält kein Wort']),
    ("x" * (MAX_LENGTH + 1), ["höchstens 500 Zeichen", "eingegeben sind 501"]),
    (" ".join(f"w{i}" for i in range(MAX_TERMS + 1)), ["21 Begriffe", "höchstens 20"]),
    ("Wasser foo:bar", ["Den Filter „foo:“ gibt es nicht", "art:, buendnis:, feld:, land:, score:"]),
    ("Wasser http://example.org", ["„http:“", "Anführungszeichen"]),
    ("Wasser land:", ["Nach „land:“ fehlt der Wert", "land:BB"]),
    ('Wasser land:""', ["Nach „land:“ fehlt der Wert"]),
    ("Wasser score>", ["Nach „score>“ fehlt der Wert", "score>60"]),
    ("Wasser score>101", ["„score>101“", "Zahl von 0 bis 100"]),
    ("Wasser score>-5", ["„score>-5“", "Zahl von 0 bis 100"]),
    ("Wasser score>abc", ["„score>abc“", "Zahl von 0 bis 100"]),
    ("Wasser score=>60", ["„score=>60“", "Zahl von 0 bis 100"]),
    ("Wasser land>3", ["„land>“", "nur für Zahlen (score)", "land:Wert"]),
    ("Wasser feld<=3", ["„feld<=“", "nur für Zahlen"]),
    ("Wasser ;", ["„;“ ist kein Suchwort"]),
    ("Wasser | Stoff", ["„|“ ist kein Suchwort", "Lassen Sie es weg"]),
    ("Wasser 🚀", ["„🚀“ ist kein Suchwort"]),
    ("Wasser -!!", ["„-!!“ ist kein Suchwort"]),
    (":::", ["nur aus Satz- und Sonderzeichen"]),
    ('"""', ["nur aus Satz- und Sonderzeichen"]),
    ("&|!:*<>()", ["nur aus Satz- und Sonderzeichen"]),
    ("%", ["nur aus Satz- und Sonderzeichen"]),
    ("_", ["nur aus Satz- und Sonderzeichen"]),
    ("\\", ["nur aus Satz- und Sonderzeichen"]),
    ("'; DROP TABLE portal_user; --", ["„';“ ist kein Suchwort"]),
    ("🚀🚀", ["nur aus Satz- und Sonderzeichen"]),
]


@pytest.mark.parametrize(("text", "says"), REFUSED, ids=[repr(text[:30]) for text, _s in REFUSED])
def test_a_query_the_search_cannot_run_gets_a_german_message(text, says):
    with pytest.raises(QueryError) as refused:
        parse(text)
    message = str(refused.value.message)
    for words in says:
        assert words in message, message
    assert isinstance(refused.value.message, Promise), "the message follows the active language"


def test_a_long_message_quotes_the_query_shortened():
    with pytest.raises(QueryError) as refused:
        parse('Wasser "' + "lang " * 50)
    message = str(refused.value.message)
    assert "…“" in message
    assert len(message) < 300


def test_messages_are_translated_when_the_language_changes():
    with pytest.raises(QueryError) as refused:
        parse("")
    with translation.override("de"):
        german = str(refused.value.message)
    assert german.startswith("Bitte geben Sie")
    with translation.override("en"):
        assert str(refused.value.message)  # the English catalogue decides the text; evaluated again, not cached


def test_parse_raises_nothing_but_query_errors_for_odd_input():
    odd = [None, 0, "\ud800", "\udfff Wasser", "Wasser\x1b[31m", "\x7f", "\u202e", "\u2028Wasser", "ß" * 500, "ǅ"]
    for text in odd:
        with contextlib.suppress(QueryError):
            parse(text)


def test_fold_makes_keys_and_values_case_and_umlaut_insensitive():
    assert fold("Bündnis") == fold("buendnis") == fold("BUNDNIS") == fold("bündnis")
    assert fold("Maßnahmen") == fold("massnahmen") == fold("MASSNAHMEN")
    assert fold("Mecklenburg-Vorpommern") == "mecklenburg-vorpommern"
    assert fold("Köln") == fold("Koeln")


def test_tokens_are_letters_and_digits_only():
    assert tokens("Wasser'; DROP--TABLE (x) a_b 50% 'ä' Fachkräfte") == [
        "wasser",
        "drop",
        "table",
        "x",
        "a",
        "b",
        "50",
        "ä",
        "fachkräfte",
    ]
