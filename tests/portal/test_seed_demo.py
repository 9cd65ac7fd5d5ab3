import csv
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alliances.demo import ALLIANCES_CSV, CYCLE_SLUG
from alliances.models import Alliance, EvaluationCycle, Phase, Strategy, StrategyStatus, Submission
from portal.models import Role, User

pytestmark = pytest.mark.django_db

# The second-round alliances confirmed from public sources (docs/alliance-sources.md).
CONFIRMED_ALLIANCES = 16


def shipped_slugs():
    with ALLIANCES_CSV.open(encoding="utf-8") as file:
        return [row["slug"] for row in csv.DictReader(file)]


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_seed_demo_builds_a_complete_demo_of_every_shipped_alliance_and_is_idempotent(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())
    cycle = EvaluationCycle.objects.get()
    assert cycle.name == "Zwischenbegutachtung 2024"
    assert cycle.phase == Phase.SUBMISSION
    alliances = Alliance.objects.count()
    assert alliances == CONFIRMED_ALLIANCES
    assert Strategy.objects.count() == alliances
    assert User.objects.filter(role=Role.ALLIANCE_MANAGER).count() == alliances
    assert User.objects.filter(role=Role.EXPERT).count() == 12
    assert User.objects.filter(role=Role.MINISTRY).count() == 2
    assert User.objects.get(email="pt@demo.example").check_password("wir-demo-2024")
    statuses = set(Strategy.objects.values_list("status", flat=True))
    assert {StrategyStatus.DRAFT, StrategyStatus.SUBMITTED} <= statuses
    submission = Submission.objects.first()
    assert submission.documents and all(len(doc["sha256"]) == 64 for doc in submission.documents)
    printed = out.getvalue()
    assert "bmbf2@demo.example" in printed
    assert "expert12@demo.example" in printed
    slugs = shipped_slugs()
    assert len(slugs) == len(set(slugs)) == CONFIRMED_ALLIANCES
    assert set(Alliance.objects.values_list("slug", flat=True)) == set(slugs)
    for slug in slugs:
        alliance = Alliance.objects.get(slug=slug)
        manager = User.objects.get(email=f"{slug}@demo.example")
        assert manager.role == Role.ALLIANCE_MANAGER
        assert alliance.memberships.filter(user=manager).exists()
        assert Strategy.objects.filter(alliance=alliance, cycle__slug=CYCLE_SLUG).exists()
        assert f"{slug}@demo.example" in printed
