"""Search: one query language, two backends (PostgreSQL full text, SQLite FTS5), permissions in the same query.

`search()` parses the text, then asks the database in a fixed number of queries, whatever the size of the data:
1. the counts per kind of the scoped, filtered, matched entries (their sum is the total);
2. the page of hits, ranked over the matched set only;
3. the snippets of that page only (PostgreSQL's headline parses and stems what it is given, so it gets a window
   of each body around the first place a query word occurs, and never the whole set);
4. the labels of the alliances on the page (the registered group-label function).
Filter providers may ask for a value once each (e.g. a list of alliances); kinds' link functions build URLs from
the hit's ids without asking the database.

A query that finds nothing asks once (the counts). Measured at 240 alliances × (7 sections of ~1,000 words + 25
PDF pages) = 7,680 entries: 2–30 ms for selective queries, up to ~120 ms on a busy machine for a word in nearly
every entry, where ranking must unpack every matched vector (tests/portal/search/test_engine.py).

Scope is the permission: every registered kind contributes `kind = code AND its scope(user)`, ORed into one
condition, so an entry the user may not read is in no hit, count or snippet.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from portal.search import postgres, registry, sqlite
from portal.search.query import ParsedQuery, QueryError, parse

__all__ = ["Group", "Hit", "ParsedQuery", "QueryError", "Results", "search"]

# The most hits one call returns (the CSV export asks for up to 2,000; a page for about 20).
MAX_LIMIT = 2000
_FIELDS = ("pk", "kind", "object_id", "part", "page", "alliance_id", "cycle_id", "rank")


@dataclass
class Hit:
    kind: str
    object_id: int
    part: str
    page: int
    alliance_id: int | None
    cycle_id: int | None
    rank: float
    snippet: SafeString = SafeString("")
    kind_label: str = ""
    part_label: str = ""
    url: str = ""
    entry_id: int | None = None


@dataclass
class Group:
    alliance_id: int | None
    label: str
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    query: ParsedQuery
    hits: list[Hit]
    total: int
    counts_by_kind: list[tuple[str, str, int]]
    groups: list[Group]
    limit: int = 50
    offset: int = 0


def _backend(using):
    vendor = connections[using].vendor
    if vendor == "postgresql":
        return postgres
    if vendor == "sqlite":
        return sqlite
    raise NotImplementedError(f"search has no backend for {vendor}")


def _scope(user, kinds):
    """(kind = k1 AND scope1) OR (kind = k2 AND scope2) …; nothing without a registered kind."""
    parts = [Q(kind=code) & kind.scope(user) for code, kind in kinds.items()]
    return reduce(or_, parts) if parts else registry.NOTHING


def _filters(parsed, user):
    """The registry's Qs for the query's filters. Several providers of a key are ORed (those that know the value);
    positive filters with the same key widen each other, different keys, comparisons and exclusions narrow."""
    providers = dict(registry.canonical_filters())
    widening = defaultdict(list)
    narrowing = []
    for key, op, value, negated in parsed.filters:
        found = providers.get(key, [])
        qs = [q for q in (p.resolve(op=op, value=value, user=user) for p in found) if q is not None]
        if not qs:
            known = [v for p in found for v, _label in p.values()]
            raise QueryError(
                _("„%(key)s%(op)s%(value)s“ kennt die Suche nicht. Mögliche Werte: %(known)s."),
                key=key,
                op=op,
                value=value,
                known=", ".join(dict.fromkeys(known)) or "–",
            )
        q = reduce(or_, qs)
        comparison = any(p.comparison for p in found)
        if negated:
            narrowing.append(~q)
        elif comparison:
            narrowing.append(q)
        else:
            widening[key].append(q)
    narrowing += [reduce(or_, qs) for qs in widening.values()]
    return reduce(and_, narrowing) if narrowing else Q()


def _tie_break(kinds):
    order = Case(
        *(When(kind=code, then=Value(kind.order)) for code, kind in kinds.items()),
        default=Value(10**6),
        output_field=IntegerField(),
    )
    return [
        F("rank").desc(),
        order.asc(),
        F("alliance_id").asc(nulls_last=True),
        "object_id",
        "part",
        "page",
        "pk",
    ]


def _group_labels(alliance_ids, using):
    if not alliance_ids:
        return {}
    return registry.group_labels(set(alliance_ids))


def search(*, user, text, limit=50, offset=0, using="default"):
    """Runs the query `text` for `user` on the database `using`; raises QueryError (German message) for a query
    it cannot run. Hits are ranked best first, `limit` of them from `offset`."""
    from portal.models import SearchEntry

    parsed = parse(text)
    limit = max(0, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    backend = _backend(using)
    kinds = registry.kinds()
    entries = SearchEntry.objects.using(using).filter(_scope(user, kinds)).filter(_filters(parsed, user))
    matched = backend.match(entries, parsed)

    counted = dict(matched.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    total = sum(counted.values())
    rows = []
    if total and limit and offset < total:
        page = backend.ranked(matched, parsed).order_by(*_tie_break(kinds))[offset : offset + limit]
        rows = list(page.values(*_FIELDS))
    ordered = sorted(counted, key=lambda code: (kinds[code].order if code in kinds else 10**6, code))
    counts_by_kind = [(code, kinds[code].label if code in kinds else code, counted[code]) for code in ordered]
    if not rows:
        return Results(parsed, [], total, counts_by_kind, [], limit, offset)

    found = backend.snippets_for(SearchEntry.objects.using(using).filter(pk__in=[row["pk"] for row in rows]), parsed)
    hits = []
    for row in rows:
        kind = kinds.get(row["kind"])
        hit = Hit(
            kind=row["kind"],
            object_id=row["object_id"],
            part=row["part"],
            page=row["page"],
            alliance_id=row["alliance_id"],
            cycle_id=row["cycle_id"],
            rank=float(row["rank"] or 0),
            snippet=found.get(row["pk"], SafeString("")),
            kind_label=kind.label if kind else row["kind"],
            part_label=kind.part_label(row["part"]) if kind and row["part"] else "",
            entry_id=row["pk"],
        )
        hit.url = kind.link(hit, user) if kind else ""
        hits.append(hit)

    labels = _group_labels({hit.alliance_id for hit in hits if hit.alliance_id is not None}, using)
    groups = {}
    for hit in hits:
        if hit.alliance_id not in groups:
            groups[hit.alliance_id] = Group(hit.alliance_id, _group_label(hit.alliance_id, labels))
        groups[hit.alliance_id].hits.append(hit)
    return Results(parsed, hits, total, counts_by_kind, list(groups.values()), limit, offset)


def _group_label(alliance_id, labels):
    if alliance_id is None:
        return _("Programmweit (FAQ und Texte ohne Bündnis)")
    return labels.get(alliance_id) or _("Bündnis %(id)s") % {"id": alliance_id}
