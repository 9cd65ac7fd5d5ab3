"""Experts sort naturally for the programme office: "Gutachter/in 2" before "Gutachter/in 10"."""

import re

import pytest
from django.urls import reverse

from portal.models import Role, User
from reviews.ordering import natural_key
from reviews.selectors import active_experts
from tests.factories import ExpertProfileFactory, UserFactory, cleared_assignment

pytestmark = pytest.mark.django_db

NATURAL = ["Gutachter/in 1", "Gutachter/in 2", "Gutachter/in 10", "Gutachter/in 11"]


@pytest.fixture
def numbered_experts():
    # Created in text order, so that an order by id or by plain text would both fail.
    return [ExpertProfileFactory(user=UserFactory(role=Role.EXPERT, full_name=name)).user for name in sorted(NATURAL)]


def names_in(page):
    return [match.group(0) for match in re.finditer(r"Gutachter/in \d+", page)]


def test_the_selector_orders_experts_naturally(numbered_experts):
    assert [expert.full_name for expert in active_experts()] == NATURAL


def test_the_matrix_and_the_experts_list_order_experts_naturally(client, submitted, programme_office, numbered_experts):
    strategy, _submission = submitted
    for expert in numbered_experts:
        cleared_assignment(strategy, expert=expert)
    client.force_login(programme_office)
    cycle = strategy.cycle.slug
    for name in ("reviews:office_assignments", "reviews:office_experts"):
        page = client.get(reverse(name, args=[cycle])).content.decode()
        shown = list(dict.fromkeys(names_in(page)))
        assert shown == NATURAL, name


def test_in_memory_lists_use_the_same_order():
    assert sorted(sorted(NATURAL), key=natural_key) == NATURAL


def test_sqlite_keeps_its_plain_order_without_failing(sqlite_connection):
    db = sqlite_connection.alias
    for index, name in enumerate(NATURAL):
        User.objects.using(db).create(email=f"e{index}@sqlite.example", role=Role.EXPERT, full_name=name)
    assert [expert.full_name for expert in active_experts().using(db)] == sorted(NATURAL)
