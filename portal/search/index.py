"""Writing the search index: the services that write a text call these inside their own transaction.

No database trigger: what is indexed, and when, is visible in the services and their tests.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.search import SearchVector
from django.db import connections
from django.utils import timezone

from portal.search import text

# Longest text kept per entry; a PDF page or a section is far shorter, a runaway paste is cut here.
MAX_BODY_CHARACTERS = 200_000


@dataclass(frozen=True)
class IndexedText:
    """One text of a source object, as a stage hands it to the index."""

    body: str
    part: str = ""
    page: int = 0
    alliance_id: int | None = None
    cycle_id: int | None = None


def replace_entries(*, kind: str, object_id: int, texts: Iterable[IndexedText], using: str = "default") -> None:
    """Makes the entries of one source object exactly `texts`; blank bodies are skipped.

    Side effects: deletes the object's earlier entries and writes the new ones with their indexed form, in a
    constant number of queries. Call it inside the writing service's transaction.
    """
    replace_many(kind=kind, texts_by_object={object_id: list(texts)}, using=using)


def replace_many(*, kind: str, texts_by_object: dict, using: str = "default") -> None:
    """`replace_entries` for many objects of one kind at once (rebuilds, imports, benchmarks).

    Side effects: as `replace_entries`, for every object id in `texts_by_object`, in a constant number of queries.
    """
    from portal.models import SearchEntry

    object_ids = list(texts_by_object)
    if not object_ids:
        return
    vendor = connections[using].vendor
    _forget(kind=kind, object_ids=object_ids, using=using)
    now = timezone.now()
    rows = []
    for object_id, texts in texts_by_object.items():
        for item in texts:
            body = text.normalise(item.body).strip()[:MAX_BODY_CHARACTERS]
            if not body:
                continue
            entry = SearchEntry(
                kind=kind,
                object_id=object_id,
                part=item.part,
                page=item.page,
                alliance_id=item.alliance_id,
                cycle_id=item.cycle_id,
                body=body,
                extra_terms=text.variants(body),
                indexed_at=now,
            )
            if vendor != "postgresql":
                entry.document = text.stemmed_document(body)
            rows.append(entry)
    SearchEntry.objects.using(using).bulk_create(rows, batch_size=500)
    written = SearchEntry.objects.using(using).filter(kind=kind, object_id__in=object_ids)
    if vendor == "postgresql":
        # Two vectors joined by ||: positions of the variants follow the body's, so no phrase spans both.
        written.update(document=SearchVector("body", config="german") + SearchVector("extra_terms", config="german"))
    else:
        # FTS5 mirror: the body's stems and the variants' stems in two columns, so no phrase spans both.
        mirrored = [
            (pk, document, text.stemmed_document(extra))
            for pk, document, extra in written.values_list("pk", "document", "extra_terms")
        ]
        with connections[using].cursor() as cursor:
            cursor.executemany(
                "INSERT INTO portal_searchentry_fts(rowid, document, variants) VALUES (%s, %s, %s)", mirrored
            )


def remove_entries(*, kind: str, object_ids: Iterable[int], using: str = "default") -> None:
    """Removes every entry of the given source objects (deleted, replaced or no longer searchable).

    Side effects: deletes rows of the index (and of SQLite's FTS5 mirror) in a constant number of queries.
    """
    _forget(kind=kind, object_ids=list(object_ids), using=using)


def _forget(*, kind, object_ids, using):
    from portal.models import SearchEntry

    if not object_ids:
        return
    stale = SearchEntry.objects.using(using).filter(kind=kind, object_id__in=object_ids)
    if connections[using].vendor != "postgresql":
        with connections[using].cursor() as cursor:
            query, params = stale.values_list("pk").query.sql_with_params()
            cursor.execute(f"DELETE FROM portal_searchentry_fts WHERE rowid IN ({query})", params)  # noqa: S608 (ORM-built SQL)
    stale.delete()
