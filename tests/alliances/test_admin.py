"""The admin shows strategies and submissions but never changes them around the services."""

import pytest
from django.urls import reverse

from alliances.models import Strategy, StrategyStatus
from portal.models import Role
from tests.factories import AllianceFactory, UserFactory, submitted_strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def submitted(cycle):
    strategy, submission = submitted_strategy(cycle, AllianceFactory())
    return strategy, submission


def test_a_strategy_is_shown_read_only_and_a_changed_status_is_refused(admin_client, submitted):
    strategy, _submission = submitted
    url = reverse("admin:alliances_strategy_change", args=[strategy.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    response = admin_client.post(url, {"status": StrategyStatus.DRAFT, "summary": "Geändert im Admin"})
    assert response.status_code == 403
    strategy.refresh_from_db()
    assert strategy.status == StrategyStatus.SUBMITTED


@pytest.mark.parametrize("model", ["strategy", "submission"])
def test_strategies_and_submissions_can_be_neither_added_nor_deleted(admin_client, submitted, model):
    strategy, submission = submitted
    obj = strategy if model == "strategy" else submission
    assert admin_client.get(reverse(f"admin:alliances_{model}_add")).status_code == 403
    assert (
        admin_client.post(reverse(f"admin:alliances_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    )
    assert Strategy.objects.filter(pk=strategy.pk).exists()
