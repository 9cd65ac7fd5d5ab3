"""Where the ministry decides and the programme office writes the Votum: the weighted score and the expected reviews
above the form, the amount prefilled (from the Votum, else the request), and the choices starting empty."""

from decimal import Decimal

import pytest
from django.urls import reverse

from decisions import services
from decisions.models import FundingDecision
from reviews import aggregates
from tests.factories import (
    cleared_assignment,
    decision_content,
    ministry_user,
    programme_rubric,
    submitted_review,
    submitted_strategy,
    votum_with_conditions,
)
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db


def reviewed_strategy(cycle, alliance, manager, office, *, open_assignments):
    programme_rubric(cycle)
    strategy, submission = submitted_strategy(cycle, alliance, manager)
    for points in (4, 5):
        submitted_review(cleared_assignment(strategy, office=office), points)
    for _ in range(open_assignments):
        cleared_assignment(strategy, office=office)
    return strategy, submission


@pytest.fixture
def reviewed(cycle, alliance, manager, programme_office):
    """Two of three expected reviews submitted (4 and 5 points everywhere), the third assignment still open."""
    return reviewed_strategy(cycle, alliance, manager, programme_office, open_assignments=1)


@pytest.fixture
def fully_reviewed(cycle, alliance, manager, programme_office):
    """Both expected reviews submitted (4 and 5 points everywhere): the Votum can be written."""
    return reviewed_strategy(cycle, alliance, manager, programme_office, open_assignments=0)


def test_the_overview_counts_expected_reviews_and_reads_the_weighted_score(reviewed):
    strategy, _submission = reviewed
    overview = aggregates.score_overview(strategy)
    assert (overview.review_count, overview.reviews_expected) == (2, 3)
    assert overview.score_median == pytest.approx(90.0)
    assert (overview.count_fund, overview.count_reject) == (2, 0)


def test_the_ministrys_alliance_page_shows_the_score_and_prefills_the_votums_amount(
    client, fully_reviewed, programme_office, bmbf1
):
    strategy, _submission = fully_reviewed
    votum_with_conditions(strategy, programme_office, Decimal("450000"))
    client.force_login(bmbf1)
    page = client.get(reverse("decisions:alliance", args=[strategy.cycle.slug, strategy.alliance.slug]))
    form = page.context["decision_form"]
    html = page.content.decode()
    assert "Bewertung im Überblick" in html and "2 von 2 abgegeben" in html
    assert "90,0" in html
    assert form.initial["granted_amount"] == Decimal("450000")
    assert '<option value="" selected>– bitte wählen –</option>' in html


def test_without_a_votum_the_amount_starts_from_the_request_and_missing_reviews_show(client, reviewed, bmbf1):
    strategy, submission = reviewed
    client.force_login(bmbf1)
    page = client.get(reverse("decisions:alliance", args=[strategy.cycle.slug, strategy.alliance.slug]))
    html = page.content.decode()
    assert "2 von 3 abgegeben" in html and "unvollständig" in html
    assert page.context["decision_form"].initial["granted_amount"] == submission.budget_total > 0


def test_a_proposal_without_a_chosen_outcome_is_refused_in_german(client, reviewed, bmbf1):
    strategy, _submission = reviewed
    client.force_login(bmbf1)
    url = reverse("decisions:propose", args=[strategy.cycle.slug, strategy.alliance.slug])
    response = client.post(
        url,
        {
            "outcome": "",
            "granted_amount": "100.000,00",
            "funding_start": "2025-04-01",
            "funding_end": "2028-03-31",
            "rationale": "Begründet.",
        },
    )
    assert response.status_code == 422
    assert "Bitte wählen Sie eine Entscheidung." in response.content.decode()
    assert not FundingDecision.objects.exists()


def test_the_votum_page_shows_the_score_and_starts_from_the_request(client, fully_reviewed, programme_office):
    strategy, submission = fully_reviewed
    client.force_login(programme_office)
    page = client.get(reverse("reviews:office_votum", args=[strategy.cycle.slug, strategy.pk]))
    html = page.content.decode()
    assert "Bewertung im Überblick" in html and "2 von 2 abgegeben" in html
    assert page.context["form"].initial["proposed_amount"] == submission.budget_total
    assert '<option value="" selected>– bitte wählen –</option>' in html


def test_the_dashboard_takes_the_full_width(client, reviewed, bmbf1):
    strategy, _submission = reviewed
    client.force_login(bmbf1)
    html = client.get(reverse("decisions:dashboard", args=[strategy.cycle.slug])).content.decode()
    assert '<main id="content" class="container-fluid px-lg-4 pb-5"' in html


def test_without_scored_criteria_the_heat_map_says_so_instead_of_drawing_only_labels(client, cycle, bmbf1):
    client.force_login(bmbf1)
    html = client.get(reverse("decisions:dashboard", args=[cycle.slug])).content.decode()
    heat_map = html[html.index('id="heatmap-title"') :]
    assert "Noch keine abgegebenen Gutachten." in heat_map
    assert "<svg" not in heat_map[: heat_map.index("</figure>")]


def confirmed_by(client, user, decision):
    """`user` posts the confirmation of `decision`, having just proved it is them."""
    client.force_login(user)
    reauthenticated(client)
    strategy = decision.strategy
    url = reverse("decisions:confirm", args=[strategy.cycle.slug, strategy.alliance.slug, decision.pk])
    return client.post(url, {"budget_override_reason": ""})


def test_a_late_second_confirmation_is_a_409_that_says_why_and_what_the_page_shows(
    client, fully_reviewed, bmbf1, bmbf2
):
    strategy, _submission = fully_reviewed
    decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    services.confirm_decision(decision=decision, user=bmbf2)
    response = confirmed_by(client, ministry_user("bmbf3@bmbf.example"), decision)
    assert response.status_code == 409
    assert "bereits bestätigt oder zurückgezogen. Die Seite zeigt jetzt ihren Stand." in response.content.decode()


def test_the_proposer_confirming_is_refused_with_what_to_do_instead(client, fully_reviewed, bmbf1):
    strategy, _submission = fully_reviewed
    decision = services.propose_decision(strategy=strategy, user=bmbf1, **decision_content())
    response = confirmed_by(client, bmbf1, decision)
    assert response.status_code == 422
    assert "Bitten Sie eine andere Person im Ministerium, ihn zu bestätigen." in response.content.decode()
