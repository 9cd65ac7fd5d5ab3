"""The strategy's history shows budget changes line by line: year, category, old and new amount."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances import services
from alliances.models import BudgetCategory
from tests.alliances.test_views import strategy_url

pytestmark = pytest.mark.django_db


def save_budget(strategy, user, budget, **sections):
    strategy.refresh_from_db()
    return services.save_strategy_draft(
        strategy=strategy, user=user, sections=sections, budget=budget, expected_version=strategy.version
    )


def history_rows(client, strategy):
    response = client.get(strategy_url(strategy, "strategy_history"))
    assert response.status_code == 200
    return response.context["entries"], response.content.decode()


def test_budget_changes_show_line_by_line_with_old_and_new_amount(client, strategy, manager):
    save_budget(
        strategy,
        manager,
        {(2025, BudgetCategory.PERSONNEL): Decimal("1000.50"), (2026, BudgetCategory.TRAVEL): Decimal("300")},
    )
    save_budget(
        strategy,
        manager,
        {(2025, BudgetCategory.PERSONNEL): Decimal("1500"), (2026, BudgetCategory.TRAVEL): None},
    )
    client.force_login(manager)
    entries, page = history_rows(client, strategy)
    personnel = BudgetCategory.PERSONNEL.label
    travel = BudgetCategory.TRAVEL.label
    assert entries[0]["budget_changes"] == [
        f"2025, {personnel}: 1.000,50 EUR → 1.500,00 EUR",
        f"2026, {travel}: 300,00 EUR → —",
    ]
    assert sorted(entries[1]["budget_changes"]) == sorted(
        [f"2025, {personnel}: — → 1.000,50 EUR", f"2026, {travel}: — → 300,00 EUR"]
    )
    assert f"2025, {personnel}: 1.000,50 EUR → 1.500,00 EUR" in page


def test_a_save_of_text_alone_lists_no_budget_line(client, strategy, manager):
    save_budget(strategy, manager, {(2025, BudgetCategory.PERSONNEL): Decimal("100")})
    save_budget(strategy, manager, {(2025, BudgetCategory.PERSONNEL): Decimal("100")}, summary="Neu")
    client.force_login(manager)
    entries, _page = history_rows(client, strategy)
    assert entries[0]["budget_changes"] == []
    assert entries[0]["changed_labels"]
    assert len(entries[1]["budget_changes"]) == 1


def test_the_history_page_reads_the_same_number_of_queries_for_more_budget_saves(client, strategy, manager):
    client.force_login(manager)
    url = strategy_url(strategy, "strategy_history")
    save_budget(strategy, manager, {(2025, BudgetCategory.PERSONNEL): Decimal("100")})
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for amount in range(200, 1200, 100):
        save_budget(strategy, manager, {(2025, BudgetCategory.PERSONNEL): Decimal(amount)})
    with CaptureQueriesContext(connection) as many:
        entries = client.get(url).context["entries"]
    assert len(many) == len(few)
    assert len([entry for entry in entries if entry["budget_changes"]]) == 11
