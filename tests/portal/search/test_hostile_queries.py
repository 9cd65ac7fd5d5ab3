"""Hostile queries: each is refused with its German message or searched as plain words, on both backends; nothing
a user types reaches tsquery or FTS5 syntax, and nothing but QueryError ever leaves the engine."""

import random
import re

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.models import SearchEntry
from portal.search import engine, postgres, sqlite
from portal.search.index import IndexedText, remove_entries, replace_entries
from portal.search.query import QueryError, parse
from tests.portal.search.conftest import SQLITE

BACKENDS = ["default", SQLITE]
pytestmark = [
    pytest.mark.django_db(databases=BACKENDS),
    pytest.mark.usefixtures("search_registry"),
]
backends = pytest.mark.parametrize("db", BACKENDS, ids=["postgresql", "sqlite"])

TEXTS = {
    1: "Grüner Wasserstoff aus der Lausitz: Elektrolyse, Speicher und Fachkräfte für die Region.",
    2: "Das Bündnis in Bayern setzt auf Wasserstoff und Biogas; 'Anführungszeichen' & Sonderzeichen (x) 100%.",
    3: "Bobby Tables: Robert'); DROP TABLE portal_searchentry;-- steht hier als gewöhnlicher Text.",
}


@pytest.fixture(scope="module", autouse=True)
def corpus(built_once, search_sqlite, django_db_blocker):
    with django_db_blocker.unblock():
        for using in BACKENDS:
            for object_id, body in TEXTS.items():
                replace_entries(
                    kind="test_section",
                    object_id=object_id,
                    texts=[IndexedText(body=body, part="summary", alliance_id=object_id)],
                    using=using,
                )
    yield
    with django_db_blocker.unblock():
        remove_entries(kind="test_section", object_ids=list(TEXTS), using=SQLITE)


TEN_KB = "Wasserstoff " * 853

# (query, a phrase of the German message)
REFUSED = [
    ('"Wasserstoff', "wird nicht geschlossen"),
    ('Wasserstoff "grüner Wasser', "„grüner Wasser“ wird nicht geschlossen"),
    ('" OR 1=1 --', "wird nicht geschlossen"),
    ('"""', "nur aus Satz- und Sonderzeichen"),
    ('""', "nur aus Satz- und Sonderzeichen"),
    (":::", "nur aus Satz- und Sonderzeichen"),
    ("&|!:*<>()", "nur aus Satz- und Sonderzeichen"),
    ("%", "nur aus Satz- und Sonderzeichen"),
    ("_", "nur aus Satz- und Sonderzeichen"),
    ("\\", "nur aus Satz- und Sonderzeichen"),
    ("*", "nur aus Satz- und Sonderzeichen"),
    ("🚀🔥", "nur aus Satz- und Sonderzeichen"),
    ("-", "Ein einzelnes „-“ schließt nichts aus"),
    ("- -", "Ein einzelnes „-“ schließt nichts aus"),
    ("--", "Ein einzelnes „-“ schließt nichts aus"),
    ("Wasserstoff -", "Ein einzelnes „-“ schließt nichts aus"),
    ("-Wasserstoff", "mindestens ein Wort oder eine Phrase"),
    ("-Wasserstoff -land:BY", "mindestens ein Wort oder eine Phrase"),
    ("", "Bitte geben Sie einen Suchbegriff ein"),
    ("\x00", "Bitte geben Sie einen Suchbegriff ein"),
    ("\u202e\u200b\ufeff", "Bitte geben Sie einen Suchbegriff ein"),
    (TEN_KB, "höchstens 500 Zeichen"),
    ("a" * 10_240, "höchstens 500 Zeichen"),
    (" ".join(f"Wort{i}" for i in range(21)), "21 Begriffe, erlaubt sind höchstens 20"),
    ("'; DROP TABLE portal_searchentry; --", "„';“ ist kein Suchwort"),
    ("Wasserstoff ; DELETE FROM portal_user", "„;“ ist kein Suchwort"),
    ("Wasserstoff 🚀", "„🚀“ ist kein Suchwort"),
    ("Wasserstoff:*", "Den Filter „Wasserstoff:“ gibt es nicht"),
    ("wasserstoff<->bayern", "Den Filter „wasserstoff<“ gibt es nicht"),
    ("Wasserstoff foo:bar", "Bekannte Filter: art:, buendnis:, feld:, land:, score:"),
    ("Wasserstoff land:", "Nach „land:“ fehlt der Wert"),
    ("Wasserstoff score>1e9", "Zahl von 0 bis 100"),
    ("Wasserstoff score>NaN", "Zahl von 0 bis 100"),
    ("Wasserstoff score>-1", "Zahl von 0 bis 100"),
    ("Wasserstoff feld<5", "Vergleiche mit < gibt es nur für Zahlen"),
    ("Wasserstoff buendnis:';DROP", "„buendnis:';DROP“ kennt die Suche nicht"),
    ("Wasserstoff land:%", "„land:%“ kennt die Suche nicht"),
    ('Wasserstoff -""', 'Die Phrase „""“ enthält kein Wort'),
    ('NEAR("a" "b")', "„)“ ist kein Suchwort"),
]


@backends
@pytest.mark.parametrize(("query", "says"), REFUSED, ids=[repr(query[:24]) for query, _s in REFUSED])
def test_a_hostile_query_is_refused_with_its_german_message(db, query, says):
    with CaptureQueriesContext(connections[db]) as queries, pytest.raises(QueryError) as refused:
        engine.search(user=None, text=query, using=db)
    message = str(refused.value.message)
    assert says in message, message
    assert len(message) < 400, "the message quotes a long query shortened"
    assert not queries.captured_queries, "a refused query never reaches the database"


# Searched as the plain words in them: (query, object ids found)
SEARCHED = [
    ("Wasserstoff' OR '1'='1", set()),
    ("Wasserstoff&!Bayern", {2}),
    ("(Wasserstoff|Biogas)", {2}),
    ("Robert'); DROP TABLE portal_searchentry;--", {3}),
    ('"DROP TABLE portal_searchentry"', {3}),
    ("Wasser\\' Lausitz", {1}),
    ("wasserstoff\x00lausitz", {1}),
    ("Wasserstoff\u200b", {1, 2}),
    ("Ｗａｓｓｅｒｓｔｏｆｆ", {1, 2}),
    ("AND OR NOT NEAR", set()),
    ("Wasserstoff NOT", set()),
    ("Anführungszeichen'", {2}),
    ("100%", {2}),
    ("x" * 500, set()),
    ("Ǆemal ΣΑΣ Ωμέγα 漢字 عربى", set()),
    ("Wasserstoff -Bayern", {1}),
    ("Wasserstoff buendnis:H2R", {1}),
]


@backends
@pytest.mark.parametrize(("query", "want"), SEARCHED, ids=[repr(query[:24]) for query, _w in SEARCHED])
def test_punctuation_and_operators_are_searched_as_plain_words(db, query, want):
    results = engine.search(user=None, text=query, using=db)
    assert {hit.object_id for hit in results.hits} == want
    assert SearchEntry.objects.using(db).filter(kind="test_section").count() == len(TEXTS)
    for hit in results.hits:
        assert set(re.findall(r"<(/?\w+)", hit.snippet)) <= {"mark", "/mark"}


def test_random_hostile_input_raises_nothing_but_query_errors():
    rng = random.Random(1717)
    alphabet = list("\"'-:<>=*&|!()\\%_;, \t\n\x00\u200b\u202e") + ["Wasser", "stoff", "land", "score", "60", "ä", "🚀"]
    ran = 0
    for _ in range(300):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        try:
            parsed = parse(query)
        except QueryError as refused:
            assert str(refused.message)
            continue
        for db in BACKENDS:
            try:
                engine.search(user=None, text=query, using=db)
            except QueryError as refused:  # a filter value no provider knows
                assert str(refused.message)
        ran += 1
        _assert_only_tokens_reach_the_backends(parsed)
    assert ran > 30


SAFE_TSQUERY = re.compile(r"'[^\W_]+':\*( & '[^\W_]+':\*)*")
SAFE_FTS5 = re.compile(r'[(]?("[^\W_]+( [^\W_]+)*"\*?)( AND "[^\W_]+( [^\W_]+)*"\*?)*[)]?( NOT \(.+\))*')


def _assert_only_tokens_reach_the_backends(parsed):
    def search_queries(query):
        if hasattr(query, "lhs"):
            yield from search_queries(query.lhs)
            yield from search_queries(query.rhs)
        else:
            yield query

    for query in search_queries(postgres.full_query(parsed)):
        value = query.source_expressions[-1].value
        search_type = query.function
        if search_type == "to_tsquery":
            assert SAFE_TSQUERY.fullmatch(value), value
        else:
            assert search_type == "phraseto_tsquery"
            assert re.fullmatch(r"[^\W_]+( [^\W_]+)*", value), value
    expression = sqlite.expression(parsed)
    assert expression is None or SAFE_FTS5.fullmatch(expression), expression


def test_the_builders_refuse_anything_but_a_token():
    assert postgres._lexeme("Förderung") == "'förderung':*"
    for bad in ["a'b", "a\\b", "a b", "a:*", "a&b", "", "a_b", "'"]:
        with pytest.raises(ValueError, match="not a search token"):
            postgres._lexeme(bad)
        with pytest.raises(ValueError, match="not a stem"):
            sqlite._string([bad])
