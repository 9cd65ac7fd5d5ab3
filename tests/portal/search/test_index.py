"""The search index as the services write it: one home for both backends."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from portal.models import SearchEntry
from portal.search import text
from portal.search.index import IndexedText, remove_entries, replace_entries, replace_many


def test_stems_agree_with_postgresql_german_configuration(db):
    sample = "Fachkräfte Fachkräftemangel Förderung gefördert Wasserstoffprojekte Verstetigung Hochschulen"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT ARRAY(SELECT lexeme FROM unnest(to_tsvector('german', %s)))", [sample])
        lexemes = cursor.fetchone()[0]
    assert sorted({text.stem(word) for word in text.words(sample)}) == sorted(lexemes)


def test_participles_are_indexed_without_their_prefix_so_the_noun_finds_them():
    assert text.variants("Das Vorhaben wird gefördert und gegen Widerstände umgesetzt.") == "fördert"
    assert text.stem("fördert").startswith(text.stem("Förderung"))
    assert text.participle_base("gegen") is None


def test_control_characters_never_reach_the_index():
    assert text.words("Wasser\x00stoff \u202eBayern") == ["wasser", "stoff", "bayern"]
    assert text.words("Fach\u00adkräfte\u200b") == ["fachkräfte"]


def entries(using):
    return list(
        SearchEntry.objects.using(using)
        .order_by("part", "page")
        .values_list("kind", "object_id", "part", "page", "body")
    )


def fts_rows(using):
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT rowid, document, variants FROM portal_searchentry_fts ORDER BY rowid")
        return cursor.fetchall()


@pytest.mark.django_db
def test_replacing_an_objects_entries_on_postgresql_writes_the_german_vector():
    replace_entries(
        kind="k",
        object_id=7,
        texts=[IndexedText("Fachkräftemangel wird gefördert", part="measures", alliance_id=3), IndexedText("  ")],
    )
    assert entries("default") == [("k", 7, "measures", 0, "Fachkräftemangel wird gefördert")]
    assert str(SearchEntry.objects.get().document) == "'fachkraftemangel':1 'fordert':4 'gefordert':3"

    replace_entries(kind="k", object_id=7, texts=[IndexedText("Seite eins", page=1), IndexedText("Seite zwei", page=2)])
    assert [row[3] for row in entries("default")] == [1, 2]
    remove_entries(kind="k", object_ids=[7])
    assert entries("default") == []


@pytest.mark.django_db
def test_writing_many_objects_takes_the_same_number_of_queries_as_one():
    with CaptureQueriesContext(connections["default"]) as one:
        replace_many(kind="k", texts_by_object={1: [IndexedText("eins")]})
    with CaptureQueriesContext(connections["default"]) as many:
        replace_many(
            kind="k", texts_by_object={pk: [IndexedText(f"Text {pk}", page=p) for p in (1, 2)] for pk in range(2, 60)}
        )
    assert len(many) == len(one)
    assert SearchEntry.objects.count() == 1 + 58 * 2


def test_sqlite_keeps_the_fts5_mirror_in_step_with_the_entries(sqlite_connection):
    db = sqlite_connection.alias
    replace_entries(kind="k", object_id=7, texts=[IndexedText("Fachkräftemangel wird gefördert")], using=db)
    replace_entries(kind="other", object_id=7, texts=[IndexedText("Wasserstoff")], using=db)
    [(kept_id, _document)] = SearchEntry.objects.using(db).filter(kind="other").values_list("pk", "document")
    assert sorted(row[1:] for row in fts_rows(db)) == [
        ("fachkraftemangel wird gefordert", "fordert"),
        ("wasserstoff", ""),
    ]

    replace_entries(kind="k", object_id=7, texts=[IndexedText("Hochschulen")], using=db)
    rows = {rowid: document for rowid, document, _variants in fts_rows(db)}
    assert rows[kept_id] == "wasserstoff"
    assert sorted(rows.values()) == ["hochschul", "wasserstoff"]
    assert set(rows) == set(SearchEntry.objects.using(db).values_list("pk", flat=True))

    remove_entries(kind="k", object_ids=[7], using=db)
    assert fts_rows(db) == [(kept_id, "wasserstoff", "")]
    with connections[db].cursor() as cursor:
        cursor.execute("SELECT rowid FROM portal_searchentry_fts WHERE portal_searchentry_fts MATCH 'wasser*'")
        assert cursor.fetchall() == [(kept_id,)]
