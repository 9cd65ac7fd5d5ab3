import pytest
from django.urls import reverse

from decisions import services
from decisions.models import DecisionStatus, FundingDecision
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    decision_content,
    manager_of,
    ministry_user,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db
PASSWORD = "richtig-geheim-2024"


@pytest.fixture
def world(cycle):
    strategy, _ = submitted_strategy(cycle, AllianceFactory(slug="gesunde-lausitz", name="Gesunde Lausitz"))
    other, _ = submitted_strategy(cycle, AllianceFactory(slug="diana", name="DIANA"))
    bmbf1, bmbf2 = ministry_user("bmbf1@bmbf.example"), ministry_user("bmbf2@bmbf.example")
    return {"strategy": strategy, "other": other, "bmbf1": bmbf1, "bmbf2": bmbf2}


def form(**overrides):
    data = {"outcome": "approved", "granted_amount": "450.000,00", "funding_start": "2025-04-01",
            "funding_end": "2028-03-31", "conditions": "", "rationale": "Überzeugend.", "over_request_reason": ""}
    data.update(overrides)
    return data


def url(name, strategy, *args):
    return reverse(f"decisions:{name}", args=[strategy.cycle.slug, strategy.alliance.slug, *args])


def test_propose_confirm_release_through_http(client, world):
    strategy = world["strategy"]
    client.force_login(world["bmbf1"])
    assert client.post(url("propose", strategy), form()).status_code == 302
    decision = FundingDecision.objects.get()
    own = client.post(url("confirm", strategy, decision.pk), {"password": PASSWORD})
    assert own.status_code == 422
    assert "Vier-Augen-Prinzip" in own.content.decode()
    client.force_login(world["bmbf2"])
    wrong = client.post(url("confirm", strategy, decision.pk), {"password": "falsch"})
    assert wrong.status_code == 422
    assert "Passwort ist falsch" in wrong.content.decode()
    assert client.post(url("confirm", strategy, decision.pk), {"password": PASSWORD}).status_code == 302
    assert client.post(url("release", strategy, decision.pk)).status_code == 302
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.RELEASED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"granted_amount": "-5"}, "nicht negativ"),
        ({"granted_amount": "viel"}, "Betrag in Euro"),
        ({"granted_amount": "9.000.000,00"}, "über der beantragten Summe"),
    ],
)
def test_bad_amounts_are_refused_in_german(client, world, overrides, message):
    client.force_login(world["bmbf1"])
    response = client.post(url("propose", world["strategy"]), form(**overrides))
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not FundingDecision.objects.exists()


def test_budget_overrun_asks_for_a_reason(client, world):
    cycle = world["strategy"].cycle
    cycle.budget = 400000
    cycle.save()
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    response = client.post(url("confirm", world["strategy"], decision.pk), {"password": PASSWORD})
    assert response.status_code == 422
    assert "über dem Budget" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == DecisionStatus.PROPOSED


def test_releasing_an_unconfirmed_decision_is_refused(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    client.force_login(world["bmbf2"])
    response = client.post(url("release", world["strategy"], decision.pk))
    assert response.status_code == 422
    assert "Nur eine bestätigte Entscheidung" in response.content.decode()


def released(world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"],
                                         **decision_content(outcome="conditions", conditions="Beirat einrichten"))
    services.confirm_decision(decision=decision, user=world["bmbf2"], password=PASSWORD)
    return services.release_decision(decision=decision, user=world["bmbf1"])


def test_the_alliance_reads_its_released_decision_but_no_reviews(client, world):
    released(world)
    client.force_login(world["strategy"].alliance.memberships.first().user)
    page = client.get(url("alliance_decision", world["strategy"])).content.decode()
    assert "bewilligt mit Auflagen" in page
    assert "Beirat einrichten" in page
    assert "Gutachter/in" not in page


def test_another_alliance_cannot_read_the_decision(client, world):
    released(world)
    client.force_login(manager_of(world["other"].alliance))
    assert client.get(url("alliance_decision", world["strategy"])).status_code == 404


def test_an_unreleased_decision_is_not_shown_to_the_alliance(client, world):
    decision = services.propose_decision(strategy=world["strategy"], user=world["bmbf1"], **decision_content())
    services.confirm_decision(decision=decision, user=world["bmbf2"], password=PASSWORD)
    client.force_login(world["strategy"].alliance.memberships.first().user)
    assert client.get(url("alliance_decision", world["strategy"])).status_code == 404


ACTORS = ["anonymous", "manager", "expert", "programme_office", "ministry", "admin"]
LOGIN = "login"
MATRIX = [
    ("alliance", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("propose", "post", [LOGIN, 403, 403, 403, 422, 403]),
    ("confirm", "post", [LOGIN, 403, 403, 403, 422, 403]),
    ("withdraw", "post", [LOGIN, 403, 403, 403, 302, 403]),
    ("correct", "post", [LOGIN, 403, 403, 403, 422, 403]),
    ("release", "post", [LOGIN, 403, 403, 403, 422, 403]),
    ("release_all", "post", [LOGIN, 403, 403, 403, 302, 403]),
    ("timeline", "get", [LOGIN, 403, 403, 403, 200, 403]),
    ("alliance_decision", "get", [LOGIN, 404, 403, 403, 403, 403]),
]


@pytest.mark.parametrize(("name", "method", "expected"), MATRIX, ids=[f"{m}-{n}" for n, m, _e in MATRIX])
@pytest.mark.parametrize("actor_index", range(len(ACTORS)), ids=ACTORS)
def test_decision_permission_matrix(client, world, name, method, expected, actor_index):
    strategy = world["strategy"]
    decision = services.propose_decision(strategy=strategy, user=world["bmbf1"], **decision_content())
    actors = {
        "anonymous": None, "manager": strategy.alliance.memberships.first().user,
        "expert": ExpertProfileFactory().user, "programme_office": UserFactory(role=Role.PROGRAMME_OFFICE),
        "ministry": world["bmbf2"], "admin": UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
    }
    actor = actors[ACTORS[actor_index]]
    if actor is not None:
        client.force_login(actor)
    if name in ("release_all", "timeline"):
        target = reverse(f"decisions:{name}", args=[strategy.cycle.slug])
    elif name in ("confirm", "withdraw", "correct", "release"):
        target = url(name, strategy, decision.pk)
    else:
        target = url(name, strategy)
    response = client.get(target) if method == "get" else client.post(target, {})
    want = expected[actor_index]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == want, f"{ACTORS[actor_index]} {method} {target}"
