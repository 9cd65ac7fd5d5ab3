"""The decision stage keeps its texts in the search index: what the letter shows (its rationale, conditions) apart
from the internal reasons (internal rationale, amount over the request, budget overrun, correction), written by the
services that write them, in their transactions."""

from decimal import Decimal

import pytest

from decisions import search, selectors, services
from portal.models import SearchEntry
from portal.search import registry
from tests.factories import AllianceFactory, decision_content, submitted_strategy

pytestmark = pytest.mark.django_db


def entries(kind, object_id):
    return {row.part: row.body for row in SearchEntry.objects.filter(kind=kind, object_id=object_id)}


@pytest.fixture
def strategy(cycle, alliance):
    strategy, _submission = submitted_strategy(cycle, alliance)
    return strategy


def test_a_proposal_indexes_the_letter_s_texts_apart_from_the_internal_reason(strategy, bmbf1):
    requested = selectors.requested_amount(strategy)
    decision = services.propose_decision(
        strategy=strategy,
        user=bmbf1,
        **decision_content(
            outcome="conditions",
            conditions="Beirat mit Unternehmen einrichten",
            rationale="Haushaltsreferat stimmt zu",
            letter_rationale="Überzeugende Wasserstoffstrategie",
            granted_amount=requested + 1,
            over_request_reason="Zusätzliches Reallabor",
        ),
    )
    assert entries(search.DECISION, decision.pk) == {
        "letter_rationale": "Überzeugende Wasserstoffstrategie",
        "conditions": "Beirat mit Unternehmen einrichten",
    }
    assert entries(search.DECISION_INTERNAL, decision.pk) == {
        "rationale": "Haushaltsreferat stimmt zu",
        "over_request_reason": "Zusätzliches Reallabor",
    }
    row = SearchEntry.objects.filter(kind=search.DECISION, object_id=decision.pk).first()
    assert (row.alliance_id, row.cycle_id) == (strategy.alliance_id, strategy.cycle_id)


def test_a_changed_proposal_replaces_its_texts(strategy, bmbf1, bmbf2):
    decision = services.propose_decision(
        strategy=strategy, user=bmbf1, **decision_content(letter_rationale="Erste Fassung")
    )
    services.change_proposal(
        decision=decision,
        user=bmbf2,
        expected_version=decision.version,
        **decision_content(letter_rationale="Zweite Fassung", conditions="Jährlicher Bericht"),
    )
    assert entries(search.DECISION, decision.pk) == {
        "letter_rationale": "Zweite Fassung",
        "conditions": "Jährlicher Bericht",
    }
    assert not SearchEntry.objects.filter(body="Erste Fassung").exists()


def test_a_budget_override_and_a_correction_keep_their_reasons_internal(cycle, bmbf1, bmbf2):
    cycle.budget = Decimal("700000")
    cycle.save()
    first, _ = submitted_strategy(cycle, AllianceFactory())
    second, _ = submitted_strategy(cycle, AllianceFactory())
    services.confirm_decision(
        decision=services.propose_decision(strategy=first, user=bmbf1, **decision_content()), user=bmbf2
    )
    decision = services.propose_decision(strategy=second, user=bmbf1, **decision_content())
    services.confirm_decision(decision=decision, user=bmbf2, budget_override_reason="Nachtragshaushalt zugesagt")
    assert entries(search.DECISION_INTERNAL, decision.pk)["budget_override_reason"] == "Nachtragshaushalt zugesagt"
    correction = services.propose_decision(
        strategy=second,
        user=bmbf2,
        supersedes=decision,
        supersession_reason="Rechenfehler im Finanzplan",
        **decision_content(granted_amount=Decimal("100000")),
    )
    assert entries(search.DECISION_INTERNAL, correction.pk)["supersession_reason"] == "Rechenfehler im Finanzplan"
    assert "Rechenfehler" not in " ".join(entries(search.DECISION, correction.pk).values())


def test_the_rebuild_writes_the_same_decision_entries(strategy, bmbf1):
    from django.core.management import call_command

    services.propose_decision(strategy=strategy, user=bmbf1, **decision_content(conditions="Bericht"))
    kinds = [search.DECISION, search.DECISION_INTERNAL]
    written = sorted(SearchEntry.objects.filter(kind__in=kinds).values_list("kind", "object_id", "part", "body"))
    SearchEntry.objects.filter(kind__in=kinds).delete()
    call_command("rebuild_search_index", kind=kinds, stdout=None)
    assert (
        sorted(SearchEntry.objects.filter(kind__in=kinds).values_list("kind", "object_id", "part", "body")) == written
    )


def test_decision_filters_select_its_fields_and_kinds(strategy, bmbf1):
    decision = services.propose_decision(
        strategy=strategy, user=bmbf1, **decision_content(conditions="Bericht", rationale="Gut")
    )

    def resolved(key, value):
        found = [f.resolve(op=":", value=value, user=bmbf1) for f in registry.filters()[registry.filter_key(key)]]
        condition = None
        for q in (q for q in found if q is not None):
            condition = q if condition is None else condition | q
        return set(SearchEntry.objects.filter(condition).values_list("kind", "object_id", "part"))

    # Both rationales; each kind's scope decides who reads which (the internal one: staff only).
    assert resolved("feld", "begründung") == {
        (search.DECISION, decision.pk, "letter_rationale"),
        (search.DECISION_INTERNAL, decision.pk, "rationale"),
    }
    assert (search.DECISION, decision.pk, "conditions") in resolved("feld", "auflagen")
    assert {kind for kind, _o, _p in resolved("art", "entscheidung")} == {search.DECISION, search.DECISION_INTERNAL}


def test_the_alliance_finds_its_decision_only_once_released_and_never_the_internal_reason(
    strategy, bmbf1, bmbf2, programme_office
):
    from portal.search.engine import search as run
    from tests.factories import manager_of

    manager = manager_of(strategy.alliance)
    requested = selectors.requested_amount(strategy)
    decision = services.propose_decision(
        strategy=strategy,
        user=bmbf1,
        **decision_content(
            letter_rationale="Tragfähige Kreislaufwirtschaft",
            granted_amount=requested + 1,
            over_request_reason="Kreislauf extra",
        ),
    )

    def kinds_found(user):
        # "Kreislauf" finds "Kreislaufwirtschaft" too: words match as prefixes of their stems.
        return {hit.kind for hit in run(user=user, text="Kreislauf").hits}

    assert kinds_found(manager) == set()
    assert kinds_found(programme_office) == {search.DECISION, search.DECISION_INTERNAL}
    services.confirm_decision(decision=decision, user=bmbf2)
    assert kinds_found(manager) == set()
    services.release_decision(decision=decision, user=bmbf1)
    assert kinds_found(manager) == {search.DECISION}
    assert kinds_found(bmbf1) == {search.DECISION, search.DECISION_INTERNAL}
