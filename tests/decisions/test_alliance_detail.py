"""The ministry's page on one alliance: strategy, budget, reviews side by side, Votum, history, decision."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances import services as alliance_services
from alliances.models import DeadlineExtension
from decisions import services
from portal.models import Role
from reviews.models import Score
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    decision_content,
    ministry_user,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    return UserFactory(role=Role.PROGRAMME_OFFICE, full_name="Petra Träger")


def reviewed_strategy(cycle, office, reviewers, slug="gesunde-lausitz"):
    alliance = AllianceFactory(slug=slug, name=f"Bündnis {slug}")
    strategy, _submission = submitted_strategy(cycle, alliance)
    manager = alliance.memberships.first().user
    alliance_services.reopen_submission(strategy=strategy, user=office, reason="Anlage fehlte")
    alliance_services.submit_strategy(strategy=strategy, user=manager)
    strategy.refresh_from_db()
    programme_rubric(cycle)
    for number in range(reviewers):
        expert = ExpertProfileFactory(user__full_name=f"Dr. Expertin {slug} {number}").user
        review = submitted_review(cleared_assignment(strategy, expert=expert, office=office), 3 + number % 2)
        Score.objects.filter(review=review).update(justification=f"Begründung {number} von {slug}")
    votum_with_conditions(strategy, office, summary="Votum der Jury.")
    return strategy


def detail(client, user, strategy, language="de"):
    client.force_login(user)
    response = client.get(
        reverse("decisions:alliance", args=[strategy.cycle.slug, strategy.alliance.slug]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return response


def test_the_ministry_reads_everything_it_decides_on(client, cycle, office):
    strategy = reviewed_strategy(cycle, office, reviewers=2)
    DeadlineExtension.objects.create(
        strategy=strategy,
        new_deadline=timezone.now() + timedelta(days=7),
        reason="Krankheit im Team",
        granted_by=office,
    )
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    page = detail(client, bmbf2, strategy).content.decode()
    # strategy summary and budget plan by year and category
    assert "Zusammenfassung der Strategie." in page
    assert "Finanzplan der eingereichten Fassung" in page and "Personalausgaben" in page
    assert str(cycle.first_funding_year) in page and "500.000,00" in page
    # every review side by side, criterion by criterion, with justifications and names
    for number in range(2):
        assert f"Dr. Expertin gesunde-lausitz {number}" in page
        assert f"Begründung {number} von gesunde-lausitz" in page
    assert page.count('<th scope="row">') >= 8
    # the Votum
    assert "Votum der Jury." in page and "mit Auflagen fördern" in page
    # the history of the submission: both submissions, the reopening, the extension, the change history
    assert "Einreichung Nr. 1" in page and "Einreichung Nr. 2" in page and "Anlage fehlte" in page
    assert "Frist verlängert" in page and "Krankheit im Team" in page and "Petra Träger" in page
    assert reverse("alliances:strategy_history", args=[cycle.slug, strategy.alliance.slug]) in page
    # the decision form and the audit events
    assert reverse("decisions:confirm", args=[cycle.slug, strategy.alliance.slug, decision.pk]) in page
    assert 'name="funding_start" value="2025-04-01"' in page
    assert "Vorgänge zu den Entscheidungen" in page and "Bewilligter Betrag: 500.000,00 EUR" in page


def test_the_released_decision_names_who_released_it(client, cycle, office):
    strategy = reviewed_strategy(cycle, office, reviewers=1)
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    services.confirm_decision(decision=decision, user=bmbf2)
    services.release_decision(decision=decision, user=bmbf2)
    page = detail(client, bmbf1, strategy).content.decode()
    assert f"freigegeben von {bmbf2}" in page


def test_the_programme_office_reads_the_page_without_the_decision_audit(client, cycle, office):
    strategy = reviewed_strategy(cycle, office, reviewers=1)
    services.propose_decision(strategy=strategy, user=ministry_user("bmbf1@bmbf.example"), **decision_content())
    page = detail(client, office, strategy).content.decode()
    assert "Finanzplan der eingereichten Fassung" in page and "Votum der Jury." in page
    assert "Vorgänge zu den Entscheidungen" not in page
    assert "Vorschlag speichern" not in page


# session, user, cycle, strategy, latest submission, reviews, scores, criteria, decisions, submissions,
# extensions, votum, score overview, dossier panel (2), events
ALLIANCE_PAGE_QUERIES = 15


@pytest.mark.parametrize("reviewers", [1, 3])
def test_alliance_page_query_count_is_the_same_for_one_and_three_reviews(
    client, cycle, office, reviewers, django_assert_num_queries
):
    strategy = reviewed_strategy(cycle, office, reviewers=reviewers)
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    for _round in range(reviewers):  # more decisions and events with more reviews
        decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
        services.withdraw_proposal(decision=decision, user=bmbf1)
    DeadlineExtension.objects.bulk_create(
        DeadlineExtension(strategy=strategy, new_deadline=timezone.now(), reason=f"Grund {n}", granted_by=office)
        for n in range(reviewers)
    )
    detail(client, bmbf2, strategy)  # the session and the template loaders warmed outside the count
    target = reverse("decisions:alliance", args=[cycle.slug, strategy.alliance.slug])
    with django_assert_num_queries(ALLIANCE_PAGE_QUERIES):
        response = client.get(target)
    assert len(response.context["reviews"]) == reviewers
    assert len(response.context["decisions"]) == reviewers
