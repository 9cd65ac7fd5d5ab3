"""What can be searched and by whom: filled by the stages in their `AppConfig.ready()`.

A kind's `scope` is the permission: the engine ANDs it with the kind and ORs every kind into the one query that
finds, counts and ranks, so nothing out of scope can reach a hit, a count or a snippet.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q

# A scope or filter that matches nothing.
NOTHING = Q(pk__in=[])

_kinds = {}
_filters = {}
_group_labels = []
_reaches = []


@dataclass(frozen=True)
class SearchKind:
    """One kind of searchable text and who may read it."""

    code: str
    label: str
    # scope(user) -> Q over SearchEntry: the entries of this kind the user may read (NOTHING for none).
    scope: Callable
    # link(hit, user) -> URL of the exact place (section anchor, "#page=N", review). Builds from the hit's ids only.
    link: Callable
    # part_label(part) -> the part's human label ("Geplante Maßnahmen und Vorhaben"), "" if none.
    part_label: Callable = field(default=lambda part: "")
    # reindex_all() -> number of entries written: rebuilds every entry of this kind from its source rows.
    reindex_all: Callable | None = None
    order: int = 100


@dataclass(frozen=True)
class SearchFilter:
    """One `key:value` filter of the query language, contributed by a stage."""

    key: str
    aliases: tuple = ()
    help: str = ""
    # resolve(*, op, value, user) -> Q over SearchEntry, or None when this provider does not know the value.
    # May raise portal.search.query.QueryError (e.g. a filter the user's role may not use).
    resolve: Callable = field(default=lambda *, op, value, user: None)
    # values() -> [(value, label)] for the help panel and for the message on an unknown value.
    values: Callable = field(default=list)
    # True for numeric filters that take ">", ">=", "<", "<=", "=" (score>60).
    comparison: bool = False


def filter_key(text):
    """A filter key as typed, folded for lookup: case and umlauts do not matter ("Bündnis" = "buendnis")."""
    folded = text.strip().lower()
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        folded = folded.replace(umlaut, spelled)
    return folded


def register_kind(kind):
    _kinds[kind.code] = kind


def kinds():
    """Registered kinds by code, in display order."""
    return dict(sorted(_kinds.items(), key=lambda item: (item[1].order, item[0])))


def register_filter(search_filter):
    for name in (search_filter.key, *search_filter.aliases):
        providers = _filters.setdefault(filter_key(name), [])
        if search_filter not in providers:
            providers.append(search_filter)


def filters():
    """Filter providers by folded key and by every folded alias."""
    return dict(_filters)


def canonical_filters():
    """One entry per canonical key: (key, [providers]) in registration order, for the help panel."""
    seen = {}
    for providers in _filters.values():
        for provider in providers:
            seen.setdefault(provider.key, [])
            if provider not in seen[provider.key]:
                seen[provider.key].append(provider)
    return list(seen.items())


def register_group_labels(labels):
    """labels(alliance_ids: set[int], using) -> {alliance_id: "ACRONYM – Name"} in one query on the database `using`."""
    if labels not in _group_labels:
        _group_labels.append(labels)


def group_labels(alliance_ids, using="default"):
    result = {}
    ids = {pk for pk in alliance_ids if pk is not None}
    for labels in _group_labels:
        if ids:
            result.update(labels(ids, using=using))
    return result


def register_reach(reach):
    """reach(user, using) -> the ids of the alliances whose texts the user may read at all (one query on the
    database `using`), or None when this provider does not bound the user (e.g. staff, or a role it does not know).

    Only a narrowing for speed: the kinds' scopes stay the permission. With a bound, PostgreSQL finds the user's few
    entries by the alliance index instead of testing the text match on every entry of the programme.
    """
    if reach not in _reaches:
        _reaches.append(reach)


def reach_of(user, using="default"):
    """The union of the providers' bounds for `user`, or None when no provider bounds them."""
    bounded = [ids for ids in (reach(user, using=using) for reach in _reaches) if ids is not None]
    if not bounded:
        return None
    return sorted({pk for ids in bounded for pk in ids})


def snapshot():
    """The registry's state, for tests that register kinds of their own and restore it afterwards."""
    return dict(_kinds), {key: list(value) for key, value in _filters.items()}, list(_group_labels), list(_reaches)


def restore(state):
    kinds_state, filters_state, labels_state, reaches_state = state
    _kinds.clear()
    _kinds.update(kinds_state)
    _filters.clear()
    _filters.update(filters_state)
    _group_labels[:] = labels_state
    _reaches[:] = reaches_state
