"""The main navigation marks the link of the current section with aria-current="page", and only that one."""

import re

import pytest
from django.urls import reverse

from portal.models import Role
from portal.navigation import nav_section
from tests.factories import ExpertProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

NAV_LINK = re.compile(r'<a class="nav-link" href="[^"]*"( aria-current="page")?>([^<]+)</a>')


def nav_links(page):
    """(label, is_current) for every link of the main navigation, in order."""
    nav = page.split('id="main-navigation"', 1)[1].split("</ul>", 1)[0]
    return [(label.strip(), bool(current)) for current, label in NAV_LINK.findall(nav)]


def current_links(client, path):
    response = client.get(path)
    assert response.status_code == 200
    links = nav_links(response.content.decode())
    assert links, "the page has no main navigation"
    return [label for label, current in links if current]


def test_the_programme_office_overview_marks_only_the_overview_link(client, programme_office, strategy):
    client.force_login(programme_office)
    assert current_links(client, reverse("alliances:overview", args=[strategy.cycle.slug])) == [
        "Übersicht der Bündnisse"
    ]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("outbox", "Postausgang"),
        ("alliances:question_queue", "Fragen"),
        ("reviews:office_home", "Begutachtung"),
        ("alliances:current_cycle_settings", "Einstellungen der Runde"),
    ],
)
def test_each_programme_office_section_marks_its_own_link(client, programme_office, cycle, name, label):
    client.force_login(programme_office)
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    assert [text for text, current in nav_links(response.content.decode()) if current] == [label]


def test_a_page_inside_a_section_marks_the_section_link(client, ministry, strategy):
    client.force_login(ministry)
    assert current_links(client, reverse("decisions:timeline", args=[strategy.cycle.slug])) == ["Dashboard"]


def test_the_alliance_manager_strategy_page_marks_our_strategy(client, manager, strategy):
    client.force_login(manager)
    path = reverse("alliances:strategy", args=[strategy.cycle.slug, strategy.alliance.slug])
    assert current_links(client, path) == ["Unsere Strategie"]
    assert current_links(client, reverse("alliances:my_questions")) == ["Fragen und Antworten"]


def test_the_expert_start_page_marks_my_reviews(client, cycle):
    client.force_login(ExpertProfileFactory().user)
    assert current_links(client, reverse("reviews:my_assignments")) == ["Meine Begutachtungen"]


def test_a_page_outside_every_section_marks_no_link(client, cycle):
    client.force_login(UserFactory(role=Role.PROGRAMME_OFFICE))
    assert current_links(client, reverse("notification_preferences")) == []


@pytest.mark.parametrize(
    ("view_name", "section"),
    [
        ("alliances:question_detail", "questions"),
        ("alliances:faq", "faq"),
        ("alliances:cycle_settings", "cycle_settings"),
        ("alliances:submission", "alliances"),
        ("reviews:office_votum", "reviews"),
        ("decisions:alliance", "decisions"),
        ("decisions:alliance_decision", "my_decisions"),
        ("outbox_message", "outbox"),
        ("dossiers:detail", None),
        ("password_change", None),
        (None, None),
    ],
)
def test_url_names_map_to_their_navigation_section(view_name, section):
    assert nav_section(view_name) == section
