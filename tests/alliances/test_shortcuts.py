"""The shortcut pages that lead to the current cycle's page, in every stage."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SHORTCUTS = [
    ("alliances:faq_current", "alliances:faq"),
    ("alliances:current_cycle_settings", "alliances:cycle_settings"),
    ("reviews:office_home", "reviews:office_progress"),
    ("decisions:current_dashboard", "decisions:dashboard"),
]


@pytest.mark.parametrize(("shortcut", "target"), SHORTCUTS, ids=[name for name, _target in SHORTCUTS])
def test_a_shortcut_leads_to_the_page_of_the_current_cycle(client, cycle, programme_office, shortcut, target):
    client.force_login(programme_office)
    response = client.get(reverse(shortcut))
    assert response.status_code == 302
    assert response["Location"] == reverse(target, args=[cycle.slug])


@pytest.mark.parametrize("shortcut", [name for name, _target in SHORTCUTS])
def test_a_shortcut_answers_404_while_there_is_no_cycle(client, programme_office, shortcut):
    client.force_login(programme_office)
    assert client.get(reverse(shortcut)).status_code == 404
