"""The strategy draft's autosave and its conflict with another tab, on the server: the answer the workspace script
reads, and both versions of each changed field."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from alliances.models import SECTION_FIELDS, BudgetLine, StrategyStatus

pytestmark = pytest.mark.django_db

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


def save_url(strategy):
    return reverse("alliances:strategy_save", args=[strategy.cycle.slug, strategy.alliance.slug])


def form_data(strategy, version=None, **overrides):
    data = {"version": strategy.version if version is None else version}
    data.update({name: f"Text für {name}" for name in SECTION_FIELDS})
    data.update(overrides)
    return data


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_an_autosave_stores_the_draft_and_answers_the_new_version_and_the_time(manager_client, strategy):
    response = manager_client.post(save_url(strategy), form_data(strategy, summary="Automatisch"), **AUTOSAVE)

    assert response.status_code == 200
    answer = json.loads(response.content)
    strategy.refresh_from_db()
    assert answer["version"] == strategy.version
    assert answer["message"].startswith("Automatisch gespeichert um ")
    assert answer["message"].endswith(" Uhr")
    assert strategy.summary == "Automatisch"
    assert strategy.status == StrategyStatus.DRAFT


def test_an_autosave_with_a_wrong_amount_stores_nothing_and_says_why(manager_client, strategy):
    year = strategy.cycle.first_funding_year
    response = manager_client.post(
        save_url(strategy), form_data(strategy, summary="Neu", **{f"budget_{year}_travel": "viel Geld"}), **AUTOSAVE
    )

    assert response.status_code == 422
    assert json.loads(response.content)["message"].startswith("Nicht automatisch gespeichert:")
    strategy.refresh_from_db()
    assert strategy.summary == ""


def test_an_autosave_after_another_tabs_save_answers_both_versions_of_each_changed_field(manager_client, strategy):
    year = strategy.cycle.first_funding_year
    stale = strategy.version
    manager_client.post(
        save_url(strategy), form_data(strategy, summary="Erster Tab", **{f"budget_{year}_personnel": "1.000,00"})
    )

    response = manager_client.post(
        save_url(strategy),
        form_data(strategy, version=stale, summary="Zweiter Tab", **{f"budget_{year}_personnel": "2.500,50"}),
        **AUTOSAVE,
    )

    assert response.status_code == 409
    panel = response.content.decode()
    assert "Inzwischen wurde eine andere Fassung gespeichert" in panel
    assert "Erster Tab" in panel and "Zweiter Tab" in panel
    assert "1.000,00" in panel and "2.500,50" in panel
    assert 'href="#id_summary"' in panel
    # Unchanged sections are not listed; the panel carries the stored version for a deliberate second save.
    assert 'href="#id_vision"' not in panel
    strategy.refresh_from_db()
    assert f'data-current-version="{strategy.version}"' in panel
    assert strategy.summary == "Erster Tab"
    assert BudgetLine.objects.get(strategy=strategy).amount == Decimal("1000.00")


def test_a_stale_save_shows_both_versions_and_saving_again_keeps_the_typed_text(manager_client, strategy):
    stale = strategy.version
    manager_client.post(save_url(strategy), form_data(strategy, summary="Erster Tab"))

    refused = manager_client.post(save_url(strategy), form_data(strategy, version=stale, summary="Zweiter Tab"))

    assert refused.status_code == 409
    page = refused.content.decode()
    assert "data-conflict-panel" in page
    assert '<div class="form-conflict-value" data-stored>Erster Tab</div>' in page
    assert '<div class="form-conflict-value" data-typed>Zweiter Tab</div>' in page
    strategy.refresh_from_db()
    assert f'name="version" value="{strategy.version}"' in page
    again = manager_client.post(save_url(strategy), form_data(strategy, summary="Zweiter Tab"))
    assert again.status_code == 302
    strategy.refresh_from_db()
    assert strategy.summary == "Zweiter Tab"
