"""The review policy page: reviews per strategy, load cap per expert and disagreement threshold of a cycle."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from portal.models import Role
from reviews import services
from reviews.balancer import propose_assignments
from reviews.models import ReviewPolicy
from tests.factories import (
    AllianceFactory,
    AssignmentFactory,
    ExpertProfileFactory,
    UserFactory,
    edited_by_turns,
    strategy_with_spread_reviews,
    submitted_strategy,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

MATRIX = [
    ("policy", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("policy", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("unknown", "get", [LOGIN, 403, 403, 404, 404, 403]),
    ("unknown", "post", [LOGIN, 403, 403, 404, 403, 403]),
]
VALID = {"experts_per_strategy": "2", "load_cap": "4", "disagreement_threshold": "12,5", "reason": ""}


def policy_url(cycle):
    return reverse("reviews:office_policy", args=[cycle.slug])


def stored(cycle):
    """The stored policy's values and the length of its history (None when there is no policy)."""
    policy = ReviewPolicy.objects.filter(cycle=cycle).first()
    if policy is None:
        return None
    return policy.experts_per_strategy, policy.load_cap, policy.disagreement_threshold, policy.history.count()


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_review_policy_permission_matrix(client, cycle, actors, name, method, actor, want):
    url = policy_url(cycle) if name == "policy" else reverse("reviews:office_policy", args=["gibt-es-nicht"])
    response = request_as(client, actors[actor], method, url, VALID)
    assert_status(response, want)
    assert (stored(cycle) is not None) is (name == "policy" and method == "post" and want == 302)


def test_first_save_creates_the_policy_with_history(client, cycle, programme_office):
    client.force_login(programme_office)
    page = client.get(policy_url(cycle)).content.decode()
    assert "noch keine Regeln gespeichert" in page
    assert stored(cycle) is None  # reading creates nothing
    response = client.post(policy_url(cycle), {**VALID, "reason": "Beschluss der Steuerungsrunde"})
    assert response.status_code == 302
    assert stored(cycle) == (2, 4, Decimal("12.50"), 1)
    record = ReviewPolicy.objects.get(cycle=cycle).history.get()
    assert record.history_user == programme_office
    assert record.history_change_reason == "Begutachtungsregeln angelegt – Beschluss der Steuerungsrunde"


def test_the_history_lists_the_values_a_policy_was_created_with(client, cycle, programme_office):
    services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=3, load_cap=6, disagreement_threshold=Decimal("25.50")
    )
    client.force_login(programme_office)
    page = client.get(policy_url(cycle)).content.decode()
    assert "<li>Gutachten je Strategie: 3</li>" in page
    assert "<li>Höchstzahl Strategien je Gutachter/in: 6</li>" in page
    assert "<li>Schwelle für Uneinigkeit (Punkte auf 0–100): 25,50</li>" in page


def test_update_records_who_and_what_in_the_history_shown_on_the_page(client, cycle, programme_office, ministry):
    services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=3, load_cap=6, disagreement_threshold=Decimal("25")
    )
    client.force_login(programme_office)
    client.post(policy_url(cycle), {**VALID, "experts_per_strategy": "3", "load_cap": "6"})
    policy = ReviewPolicy.objects.get(cycle=cycle)
    assert policy.disagreement_threshold == Decimal("12.50")
    latest = policy.history.order_by("-history_date").first()
    assert latest.history_change_reason == "Begutachtungsregeln geändert: Schwelle für Uneinigkeit (Punkte auf 0–100)"
    client.force_login(ministry)
    response = client.get(policy_url(cycle))
    page = response.content.decode()
    assert response.context["form"] is None and "Regeln speichern" not in page
    assert "Schwelle für Uneinigkeit (Punkte auf 0–100): 25,00 → 12,50" in page
    assert "Petra Träger" in page


def test_saving_unchanged_values_stores_nothing(client, cycle, programme_office):
    client.force_login(programme_office)
    client.post(policy_url(cycle), VALID)
    before = stored(cycle)
    response = client.post(policy_url(cycle), VALID, follow=True)
    assert "Es gab keine Änderungen." in response.content.decode()
    assert stored(cycle) == before


BAD_INPUTS = [
    ({"experts_per_strategy": "0"}, "experts_per_strategy", "Je Strategie ist mindestens 1 Gutachten nötig."),
    ({"experts_per_strategy": ""}, "experts_per_strategy", "Bitte geben Sie an, wie viele Gutachten"),
    ({"experts_per_strategy": "drei"}, "experts_per_strategy", "Bitte geben Sie eine ganze Zahl ein."),
    ({"experts_per_strategy": "21"}, "experts_per_strategy", "Je Strategie sind höchstens 20 Gutachten möglich."),
    ({"load_cap": "0"}, "load_cap", "Die Höchstzahl muss mindestens 1 sein."),
    ({"load_cap": "-3"}, "load_cap", "Die Höchstzahl muss mindestens 1 sein."),
    ({"load_cap": ""}, "load_cap", "Bitte geben Sie die Höchstzahl an Strategien je Gutachter/in an."),
    ({"load_cap": "101"}, "load_cap", "Die Höchstzahl darf höchstens 100 sein."),
    ({"disagreement_threshold": "-1"}, "disagreement_threshold", "zwischen 0 und 100 Punkten"),
    ({"disagreement_threshold": "100,01"}, "disagreement_threshold", "zwischen 0 und 100 Punkten"),
    ({"disagreement_threshold": "250"}, "disagreement_threshold", "zwischen 0 und 100 Punkten"),
    ({"disagreement_threshold": "viel"}, "disagreement_threshold", "z. B. 25 oder 22,5"),
    ({"disagreement_threshold": ""}, "disagreement_threshold", "Bitte geben Sie die Schwelle als Zahl"),
    ({"disagreement_threshold": "12,345"}, "disagreement_threshold", "höchstens zwei Nachkommastellen"),
    ({"reason": "x" * 501}, "reason", "höchstens 500 Zeichen"),
]


@pytest.mark.parametrize("existing", [False, True], ids=["no-policy-yet", "existing-policy"])
@pytest.mark.parametrize(
    ("overrides", "field", "message"), BAD_INPUTS, ids=[f"{b[1]}={b[0][b[1]][:8]}" for b in BAD_INPUTS]
)
def test_bad_input_is_refused_with_a_german_message_and_nothing_stored(
    client, cycle, programme_office, existing, overrides, field, message
):
    if existing:
        services.update_review_policy(
            cycle=cycle, user=programme_office, experts_per_strategy=3, load_cap=6, disagreement_threshold=Decimal("25")
        )
    before = stored(cycle)
    client.force_login(programme_office)
    response = client.post(policy_url(cycle), {**VALID, **overrides})
    assert response.status_code == 422
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert stored(cycle) == before


def test_service_refuses_out_of_range_values_naming_each_field(cycle, programme_office):
    with pytest.raises(ValidationError) as refused:
        services.update_review_policy(
            cycle=cycle,
            user=programme_office,
            experts_per_strategy=0,
            load_cap=0,
            disagreement_threshold=Decimal("100.5"),
        )
    assert set(refused.value.message_dict) == {"experts_per_strategy", "load_cap", "disagreement_threshold"}
    # One message per rule: the service says what the form says.
    assert refused.value.message_dict["load_cap"] == ["Die Höchstzahl muss mindestens 1 sein."]
    assert stored(cycle) is None


def test_more_reviews_per_strategy_than_experts_is_saved_with_a_warning(client, cycle, programme_office):
    ExpertProfileFactory()
    ExpertProfileFactory()
    client.force_login(programme_office)
    response = client.post(policy_url(cycle), {**VALID, "experts_per_strategy": "3"}, follow=True)
    page = response.content.decode()
    assert "Die Begutachtungsregeln wurden gespeichert." in page
    assert "Es gibt nur 2 aktive Gutachter/innen; 3 Gutachten je Strategie lassen sich so nicht besetzen." in page
    assert stored(cycle)[0] == 3


def test_load_cap_below_current_loads_and_too_little_capacity_warn(cycle, programme_office):
    expert = ExpertProfileFactory().user
    for name in ("eins", "zwei", "drei"):
        strategy, _submission = submitted_strategy(cycle, AllianceFactory(slug=f"buendnis-{name}"))
        AssignmentFactory(strategy=strategy, expert=expert)
    _policy, changed, warnings = services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=1, load_cap=2, disagreement_threshold=Decimal("25")
    )
    assert changed == ["experts_per_strategy", "load_cap", "disagreement_threshold"]
    assert warnings == [
        "Für 3 eingereichte Strategien sind 3 Gutachten nötig, die aktiven Gutachter/innen können bei dieser "
        "Höchstzahl aber nur 2 übernehmen.",
        "1 Gutachter/in hat schon mehr Zuweisungen als die neue Höchstzahl; bestehende Zuweisungen bleiben, neue "
        "sind für sie nicht mehr möglich.",
    ]


def test_balancer_uses_the_saved_reviews_per_strategy_and_load_cap(cycle, programme_office):
    strategies = [submitted_strategy(cycle, AllianceFactory(slug=f"b-{n}"))[0] for n in range(3)]
    for _n in range(4):
        ExpertProfileFactory()
    services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=3, load_cap=6, disagreement_threshold=Decimal("25")
    )
    assert len(propose_assignments(cycle=cycle).pairs()) == 9
    services.update_review_policy(
        cycle=cycle, user=programme_office, experts_per_strategy=2, load_cap=1, disagreement_threshold=Decimal("25")
    )
    proposal = propose_assignments(cycle=cycle)
    assert (proposal.k, proposal.load_cap) == (2, 1)
    assert len(proposal.pairs()) == 4  # four experts, at most one strategy each
    assert max(proposal.loads.values()) == 1
    assert sum(shortfall.missing for shortfall in proposal.shortfalls) == 2 * len(strategies) - 4


@pytest.fixture
def reviewed(cycle):
    """A strategy with three submitted reviews whose weighted scores spread 40 points (80, 76, 40)."""
    return strategy_with_spread_reviews(cycle)


def test_changing_the_threshold_changes_the_dashboard_disagreement_flag(client, cycle, reviewed, programme_office):
    ministry = UserFactory(email="bmbf-leser@bmbf.example", role=Role.MINISTRY)
    dashboard = reverse("decisions:dashboard", args=[cycle.slug])

    def flag():
        client.force_login(ministry)
        response = client.get(dashboard)
        assert response.status_code == 200
        (row,) = [row for row in response.context["rows"] if row.pk == reviewed.pk]
        assert row.score_spread == pytest.approx(40.0)
        return row.disagreement, "uneinig</span>" in response.content.decode()

    assert flag() == (True, True)  # 40 > default 25
    client.force_login(programme_office)
    assert client.post(policy_url(cycle), {**VALID, "disagreement_threshold": "40"}).status_code == 302
    assert flag() == (False, False)  # 40 is not above 40
    client.force_login(programme_office)
    assert client.post(policy_url(cycle), {**VALID, "disagreement_threshold": "39,99"}).status_code == 302
    assert flag() == (True, True)


def test_review_navigation_and_cycle_settings_link_to_the_policy(client, cycle, programme_office):
    client.force_login(programme_office)
    url = policy_url(cycle)
    assert url in client.get(reverse("reviews:office_rubric", args=[cycle.slug])).content.decode()
    assert url in client.get(reverse("alliances:cycle_settings", args=[cycle.slug])).content.decode()
    page = client.get(url).content.decode()
    assert f'aria-current="page" href="{url}"' in page
    assert reverse("alliances:cycle_settings", args=[cycle.slug]) in page


@pytest.mark.parametrize("changes", [2, 20])
def test_policy_page_query_count_does_not_grow_with_the_history(
    client, cycle, programme_office, django_assert_num_queries, changes
):
    edited_by_turns(
        changes,
        lambda n, user: services.update_review_policy(
            cycle=cycle, user=user, experts_per_strategy=1 + n % 5, load_cap=6, disagreement_threshold=Decimal(n)
        ),
    )
    client.force_login(programme_office)
    # session, user, cycle, policy, its history with the editors, active experts
    with django_assert_num_queries(6):
        response = client.get(policy_url(cycle))
    assert len(response.context["history"]) == changes
