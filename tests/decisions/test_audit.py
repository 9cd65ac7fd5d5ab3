"""The audit trail of decisions: what is stored, and how the timelines show it in German and English."""

from decimal import Decimal

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import DecisionAction, DecisionEvent, format_detail
from tests.factories import AllianceFactory, decision_content, ministry_user, submitted_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle):
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz"))
    return {
        "strategy": strategy,
        "bmbf1": ministry_user("bmbf1@bmbf.example"),
        "bmbf2": ministry_user("bmbf2@bmbf.example"),
    }


def proposed_with_conditions(world, **overrides):
    content = decision_content(
        outcome="conditions", granted_amount=Decimal("450000.00"), conditions="Beirat einrichten"
    )
    content.update(overrides)
    return services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **content)


def timeline(client, world, language="de"):
    client.force_login(world["bmbf2"])
    response = client.get(
        reverse("decisions:timeline", args=[world["strategy"].cycle.slug]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response.content.decode()


def test_stored_details_keep_the_raw_values(world):
    decision = proposed_with_conditions(world)
    event = DecisionEvent.objects.get(decision=decision, action=DecisionAction.PROPOSED)
    assert event.details["outcome"] == "conditions"
    assert event.details["granted_amount"] == "450000.00"
    assert event.details["funding_start"] == "2025-04-01"
    assert event.details["conditions"] == "Beirat einrichten"


def test_the_cycle_timeline_shows_labels_and_german_amounts(client, world):
    proposed_with_conditions(world)
    page = timeline(client, world)
    assert "Entscheidung: bewilligt mit Auflagen" in page
    assert "Bewilligter Betrag: 450.000,00 EUR" in page
    assert "Förderbeginn: 01.04.2025" in page and "Förderende: 31.03.2028" in page
    assert "Auflagen: Beirat einrichten" in page
    assert "conditions" not in page and "450000.00" not in page


def test_the_cycle_timeline_speaks_english_in_english(client, world):
    proposed_with_conditions(world)
    page = timeline(client, world, "en")
    assert "Decision: granted with conditions" in page
    assert "Granted amount: 450,000.00 EUR" in page
    assert "bewilligt mit Auflagen" not in page and "450000.00" not in page


def test_the_alliance_page_shows_the_same_formatted_events(client, world):
    proposed_with_conditions(world)
    client.force_login(world["bmbf2"])
    strategy = world["strategy"]
    page = client.get(reverse("decisions:alliance", args=[strategy.cycle.slug, strategy.alliance.slug])).content
    assert "Entscheidung: bewilligt mit Auflagen; Bewilligter Betrag: 450.000,00 EUR" in page.decode()


def test_a_change_records_each_changed_field_with_its_old_and_new_value(client, world):
    decision = proposed_with_conditions(world)
    services.change_proposal(
        decision=decision,
        user=world["bmbf2"],
        expected_version=decision.version,
        **decision_content(outcome="approved", granted_amount=Decimal("400000"), rationale="Überzeugende Strategie."),
    )
    event = DecisionEvent.objects.get(decision=decision, action=DecisionAction.CHANGED)
    assert event.details["before_outcome"] == "conditions" and event.details["outcome"] == "approved"
    assert event.details["before_granted_amount"] == "450000.00"
    assert event.details["before_conditions"] == "Beirat einrichten" and event.details["conditions"] == ""
    assert "rationale" not in event.details and "funding_start" not in event.details  # unchanged
    assert event.detail_items() == [
        ("Entscheidung", "bewilligt mit Auflagen → bewilligt"),
        ("Bewilligter Betrag", "450.000,00 EUR → 400.000,00 EUR"),
        ("Auflagen", "Beirat einrichten → —"),
    ]
    assert "Beirat einrichten → —" in timeline(client, world)


def test_confirmation_override_supersession_and_release_show_who_and_what(client, world):
    cycle = world["strategy"].cycle
    cycle.budget = Decimal("400000")
    cycle.save()
    first = proposed_with_conditions(world)
    services.confirm_decision(decision=first, user=world["bmbf2"], budget_override_reason="Sondermittel")
    correction = services.propose_decision(
        strategy=world["strategy"],
        user=world["bmbf2"],
        supersedes=first,
        supersession_reason="Rechenfehler",
        **decision_content(outcome="conditions", granted_amount=Decimal("380000"), conditions="Beirat einrichten"),
    )
    services.confirm_decision(decision=correction, user=world["bmbf1"])
    services.release_decision(decision=correction, user=world["bmbf2"])
    page = timeline(client, world)
    for text in (
        "bestätigte Summe danach: 450.000,00 EUR",
        "Budget der Runde: 400.000,00 EUR",
        "Begründung: Sondermittel",
        f"ersetzt durch Entscheidung Nr.: {correction.pk}",
        f"ersetzt Entscheidung Nr.: {first.pk}",
        "Begründung: Rechenfehler",
        "bestätigte Summe danach: 380.000,00 EUR",
        "durch Korrektur ersetzt",
        "freigegeben",
        "Budget überschritten mit Begründung",
        str(world["bmbf1"]),
        str(world["bmbf2"]),
    ):
        assert text in page, text


@pytest.mark.parametrize(
    ("key", "value", "shown"),
    [
        ("outcome", "rejected", "abgelehnt"),
        ("status", "released", "freigegeben"),
        ("budget", "12000000", "12.000.000,00 EUR"),
        ("funding_end", "2028-03-31", "31.03.2028"),
        ("outcome", "unknown", "unknown"),
        ("granted_amount", "viel", "viel"),
        ("funding_start", "", "—"),
        ("reason", "Text", "Text"),
    ],
)
def test_format_detail_shows_stored_values_as_people_read_them(key, value, shown):
    assert format_detail(key, value) == shown


# session, user, cycle, events with actor, decision and alliance
TIMELINE_QUERIES = 4


@pytest.mark.parametrize("size", [1, 4])
def test_cycle_timeline_query_count_is_the_same_at_two_sizes(client, world, django_assert_num_queries, size):
    cycle = world["strategy"].cycle
    for number in range(size):
        strategy, _ = submitted_strategy(cycle, AllianceFactory(slug=f"b-{number}"))
        decision = services.propose_decision(strategy=strategy, user=world["bmbf1"], **decision_content())
        services.confirm_decision(decision=decision, user=world["bmbf2"])
        services.release_decision(decision=decision, user=world["bmbf2"])
    client.force_login(world["bmbf1"])
    target = reverse("decisions:timeline", args=[cycle.slug])
    client.get(target)
    with django_assert_num_queries(TIMELINE_QUERIES):
        response = client.get(target)
    assert len(response.context["events"]) == 3 * size
