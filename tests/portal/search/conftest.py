"""Test-only kinds and filters for the search engine, registered for one test and taken away afterwards.

The engine's own tests must not depend on what the stages register: they describe a small programme of their own
(four alliances in three states, a score per alliance) whose entries are written straight through the index.
"""

import pytest
from django.db.models import Q

from portal.search import registry
from portal.search.query import fold

# alliance id → (acronym, name, state code, state name, score)
ALLIANCES = {
    1: ("H2R", "Wasserstoffregion Lausitz", "BB", "Brandenburg", 72),
    2: ("FKS", "Fachkräfte Sachsen", "SN", "Sachsen", 55),
    3: ("GRÜN", "Grünes Band Bayern", "BY", "Bayern", 40),
    4: ("MEER", "Meeresregion Küste", "MV", "Mecklenburg-Vorpommern", 90),
}
PARTS = {
    "summary": "Zusammenfassung",
    "vision": "Vision",
    "measures": "Geplante Maßnahmen und Vorhaben",
    "skilled_workers": "Fachkräfte",
}
FIELD_VALUES = {"zusammenfassung": "summary", "vision": "vision", "massnahmen": "measures", "fachkrafte": "measures"}
KIND_VALUES = {"strategie": "test_section", "pdf": "test_page", "faq": "test_faq"}
FILTER_KEYS = ["art", "buendnis", "feld", "land", "score"]


def _link(hit, user):
    anchor = f"#page={hit.page}" if hit.page else f"#{hit.part}"
    return f"/test/{hit.kind}/{hit.object_id}/{anchor}"


def _field(*, op, value, user):
    part = FIELD_VALUES.get(fold(value))
    return Q(part=part) if part else None


def _alliance_by_acronym(*, op, value, user):
    ids = [pk for pk, (acronym, *_rest) in ALLIANCES.items() if fold(acronym) == fold(value)]
    return Q(alliance_id__in=ids) if ids else None


def _alliance_by_name(*, op, value, user):
    ids = [pk for pk, (_a, name, *_rest) in ALLIANCES.items() if fold(value) in fold(name)]
    return Q(alliance_id__in=ids) if ids else None


def _state(*, op, value, user):
    ids = [pk for pk, (_a, _n, code, name, _s) in ALLIANCES.items() if fold(value) in (fold(code), fold(name))]
    return Q(alliance_id__in=ids) if ids else None


def _kind(*, op, value, user):
    kind = KIND_VALUES.get(fold(value))
    return Q(kind=kind) if kind else None


def _score(*, op, value, user):
    compare = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "=": lambda a, b: a == b,
    }[op]
    return Q(alliance_id__in=[pk for pk, row in ALLIANCES.items() if compare(row[4], float(value))])


def kinds_for_tests():
    return [
        registry.SearchKind(
            code="test_section",
            label="Strategie-Abschnitt",
            scope=lambda user: Q(),
            link=_link,
            part_label=lambda part: PARTS.get(part, ""),
            order=10,
        ),
        registry.SearchKind(
            code="test_page", label="PDF-Seite", scope=lambda user: Q(), link=_link, part_label=lambda p: "", order=20
        ),
        registry.SearchKind(
            code="test_faq", label="FAQ", scope=lambda user: Q(), link=_link, part_label=lambda p: "", order=30
        ),
        # Visible to nobody: its entries must never show, in hits, counts or snippets.
        registry.SearchKind(
            code="test_secret",
            label="Vertraulich",
            scope=lambda user: registry.NOTHING,
            link=_link,
            part_label=lambda p: "",
            order=5,
        ),
    ]


def filters_for_tests():
    def values(mapping):
        return lambda: [(value, value) for value in mapping]

    return [
        registry.SearchFilter(
            key="feld",
            aliases=("abschnitt", "section", "field"),
            help="feld:massnahmen",
            resolve=_field,
            values=values(FIELD_VALUES),
        ),
        registry.SearchFilter(
            key="buendnis",
            aliases=("bündnis", "alliance"),
            help="buendnis:H2R",
            resolve=_alliance_by_acronym,
            values=lambda: [(row[0], row[1]) for row in ALLIANCES.values()],
        ),
        # A second provider of the same key: names, where the first knows acronyms.
        registry.SearchFilter(key="buendnis", aliases=(), help="", resolve=_alliance_by_name),
        registry.SearchFilter(
            key="land",
            aliases=("state", "bundesland"),
            help="land:BY",
            resolve=_state,
            values=lambda: [(row[2], row[3]) for row in ALLIANCES.values()],
        ),
        registry.SearchFilter(key="art", aliases=("kind",), help="art:pdf", resolve=_kind, values=values(KIND_VALUES)),
        registry.SearchFilter(key="score", aliases=(), help="score>60", resolve=_score, comparison=True),
    ]


def group_labels(alliance_ids):
    return {pk: f"{ALLIANCES[pk][0]} – {ALLIANCES[pk][1]}" for pk in alliance_ids if pk in ALLIANCES}


@pytest.fixture
def search_registry():
    """Only the test kinds, filters and group labels are registered while the test runs; what the stages registered
    is back afterwards."""
    saved = registry.snapshot()
    registry.restore(({}, {}, []))
    for kind in kinds_for_tests():
        registry.register_kind(kind)
    for provider in filters_for_tests():
        registry.register_filter(provider)
    registry.register_group_labels(group_labels)
    yield
    registry.restore(saved)


SQLITE = "search_sqlite"


@pytest.fixture(scope="session")
def search_sqlite(django_db_setup, django_db_blocker):
    """A migrated in-memory SQLite database beside PostgreSQL for the whole session, under an alias of its own
    (migrating takes seconds; the search modules build their corpus on it once). Tests that use it name it in
    their mark: `django_db(databases=["default", SQLITE])`, so that each runs in a transaction there too."""
    from django.core.management import call_command
    from django.db import connections

    connections.settings[SQLITE] = {
        **connections.settings["default"],
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": ":memory:",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "CONN_HEALTH_CHECKS": False,
        "CONN_MAX_AGE": 0,
    }
    with django_db_blocker.unblock():
        call_command("migrate", database=SQLITE, verbosity=0)
    yield connections[SQLITE]
    with django_db_blocker.unblock():
        connections[SQLITE].close()
    del connections[SQLITE]
    del connections.settings[SQLITE]
