import pytest
from django.urls import reverse

from dossiers.models import DossierKind
from portal.models import Role
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_and_waiting_experts,
    manager_of,
    ready_dossier,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cycle, programme_office):
    alliance = AllianceFactory()
    strategy, _ = submitted_strategy(cycle, alliance)
    dossier = ready_dossier(kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy)
    cleared, waiting = cleared_and_waiting_experts(strategy, programme_office)
    return {
        "strategy": strategy,
        "dossier": dossier,
        "actors": {
            "own_manager": strategy.alliance.memberships.first().user,
            "other_manager": manager_of(AllianceFactory()),
            "cleared_expert": cleared,
            "waiting_expert": waiting,
            "other_expert": ExpertProfileFactory().user,
            "programme_office": programme_office,
            "ministry": UserFactory(role=Role.MINISTRY),
            "admin": UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True),
        },
    }


ALLOWED = {"own_manager", "cleared_expert", "programme_office", "ministry"}
# Every role but the admin may read strategy dossiers; the admin's role never does (403), the others beyond
# their scope get 404.
NEVER = {"admin"}


@pytest.mark.parametrize(
    "actor",
    [
        "own_manager",
        "other_manager",
        "cleared_expert",
        "waiting_expert",
        "other_expert",
        "programme_office",
        "ministry",
        "admin",
    ],
)
def test_only_readers_of_the_strategy_reach_its_dossier(client, world, actor):
    client.force_login(world["actors"][actor])
    dossier = world["dossier"]
    download = client.get(reverse("dossiers:download", args=[dossier.public_id]))
    status = client.get(reverse("dossiers:detail", args=[dossier.public_id]))
    request = client.post(
        reverse("dossiers:request", args=["strategy", dossier.cycle.slug, world["strategy"].alliance.slug])
    )
    expected = 200 if actor in ALLOWED else 403 if actor in NEVER else 404
    assert download.status_code == expected
    assert status.status_code == expected
    assert request.status_code == (302 if actor in ALLOWED else expected)


def test_anonymous_visitors_are_sent_to_login(client, world):
    response = client.get(reverse("dossiers:download", args=[world["dossier"].public_id]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("actor", ["programme_office", "own_manager", "cleared_expert"])
def test_evaluation_dossiers_are_for_the_ministry_only(client, world, actor):
    client.force_login(world["actors"][actor])
    response = client.post(
        reverse("dossiers:request", args=["evaluation", world["strategy"].cycle.slug, world["strategy"].alliance.slug])
    )
    assert response.status_code == 403  # the role never reads evaluation dossiers
