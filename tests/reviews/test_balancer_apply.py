"""The balancer's proposal is applied per strategy or all at once; each apply re-checks against the current
proposal and says what it created and what it left alone."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from reviews import services
from reviews.models import Assignment
from tests.factories import AllianceFactory, ExpertProfileFactory, programme_rubric, submitted_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def balancer(client, cycle, programme_office):
    """Two submitted strategies, six experts, the office signed in; returns the balancer's URL."""
    programme_rubric(cycle)
    for name in ("Gesunde Lausitz", "Wasserstoff Ost"):
        submitted_strategy(cycle, AllianceFactory(name=name))
    for _ in range(6):
        ExpertProfileFactory()
    client.force_login(programme_office)
    return reverse("reviews:office_balancer", args=[cycle.slug])


def groups_of(client, url):
    return {group["strategy"].alliance.name: group for group in client.get(url).context["groups"]}


def said(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_each_strategy_row_has_its_own_apply_button(client, balancer):
    page = client.get(balancer).content.decode()
    assert page.count('name="pair"') == 6 + 6  # three per strategy row, and all six in the form for all
    assert "für Gesunde Lausitz" in page
    assert "für Wasserstoff Ost" in page


def test_applying_one_strategy_assigns_only_its_experts(client, balancer):
    lausitz = groups_of(client, balancer)["Gesunde Lausitz"]
    response = client.post(balancer, {"pair": lausitz["keys"]})
    assert response.status_code == 302
    assert response["Location"] == balancer
    assigned = sorted(f"{a.strategy_id}:{a.expert_id}" for a in Assignment.objects.all())
    assert assigned == lausitz["keys"]
    assert said(response) == ["3 Zuweisungen angelegt."]
    # The other strategy is still proposed on the refreshed preview.
    assert list(groups_of(client, balancer)) == ["Wasserstoff Ost"]


def test_a_strategy_whose_proposal_changed_since_the_preview_is_left_alone(client, balancer, programme_office):
    groups = groups_of(client, balancer)
    lausitz = groups["Gesunde Lausitz"]
    # Meanwhile, in another tab, one of the proposed experts is assigned to it by hand.
    services.assign_expert(strategy=lausitz["strategy"], expert=lausitz["rows"][0].expert, user=programme_office)

    response = client.post(balancer, {"pair": lausitz["keys"]})

    assert Assignment.objects.count() == 1
    assert said(response) == [
        "Nicht übernommen, weil sich der Vorschlag seit der Vorschau geändert hat: Gesunde Lausitz. "
        "Bitte prüfen Sie die neue Vorschau."
    ]


def test_applying_all_at_once_applies_the_unchanged_strategies_and_names_the_others(client, balancer):
    groups = groups_of(client, balancer)
    lausitz, wasserstoff = groups["Gesunde Lausitz"], groups["Wasserstoff Ost"]
    # A preview from before a change: it proposed a different expert for Wasserstoff Ost.
    other_expert = lausitz["rows"][0].expert.pk
    stale = [*wasserstoff["keys"][1:], f"{wasserstoff['strategy'].pk}:{other_expert}"]

    response = client.post(balancer, {"pair": lausitz["keys"] + stale, "umfang": "alle"})

    assigned = sorted(f"{a.strategy_id}:{a.expert_id}" for a in Assignment.objects.all())
    assert assigned == lausitz["keys"]
    assert said(response) == [
        "3 Zuweisungen angelegt.",
        "Nicht übernommen, weil sich der Vorschlag seit der Vorschau geändert hat: Wasserstoff Ost. "
        "Bitte prüfen Sie die neue Vorschau.",
    ]
    assert response["Location"] == balancer


def test_applying_all_of_an_unchanged_preview_returns_to_the_matrix(client, balancer, cycle):
    preview = client.get(balancer).context
    response = client.post(balancer, {"pair": preview["pair_keys"], "umfang": "alle"})
    assert Assignment.objects.count() == 6
    assert response["Location"] == reverse("reviews:office_assignments", args=[cycle.slug])
