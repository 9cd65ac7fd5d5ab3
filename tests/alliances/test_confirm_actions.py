"""The programme office's irreversible acts on one strategy (reopening a submission, extending its deadline) show
what will happen and who is notified before they act, and a second post of the same page acts once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alliances.models import DeadlineExtension, Reopening
from portal.models import NotificationKind, OutgoingMessage
from tests.alliances.test_cycle_settings import form_data, local, settings_url
from tests.alliances.test_views import strategy_url
from tests.factories import manager_of, submitted_strategy
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db

REASON = "Die Anlage zum Finanzplan fehlt noch."


@pytest.fixture
def submitted(cycle, alliance, manager):
    second = manager_of(alliance, "zweite@gesunde-lausitz.example")
    second.full_name = "Zora Zweite"
    second.save()
    strategy, _submission = submitted_strategy(cycle, alliance, manager)
    return strategy


def shown_token(page):
    return page.split('name="shown" value="', 1)[1].split('"', 1)[0]


def test_the_reopen_page_names_what_happens_and_every_notified_manager(client, programme_office, submitted, manager):
    client.force_login(programme_office)
    page = client.get(strategy_url(submitted, "strategy_reopen")).content.decode()
    assert "muss sie danach erneut einreichen" in page
    assert "Per E-Mail benachrichtigt werden 2 Personen des Bündnisses:" in page
    assert manager.full_name in page and "Zora Zweite" in page
    assert "lässt sich nicht rückgängig machen" in page
    assert f'href="{strategy_url(submitted)}"' in page  # cancel: back, nothing changed
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_posting_the_reopen_page_twice_reopens_once_and_notifies_once(client, programme_office, submitted):
    client.force_login(programme_office)
    url = strategy_url(submitted, "strategy_reopen")
    shown = shown_token(client.get(url).content.decode())
    first = client.post(url, {"reason": REASON, "shown": shown})
    assert first.status_code == 302
    second = client.post(url, {"reason": REASON, "shown": shown}, follow=True)
    assert second.status_code == 200
    assert "Es wurde nichts erneut geändert" in second.content.decode()
    assert Reopening.objects.filter(submission__strategy=submitted).count() == 1
    assert OutgoingMessage.objects.filter(kind=NotificationKind.SUBMISSION_REOPENED).count() == 2


def test_the_extension_page_says_no_mail_is_sent_and_a_second_post_extends_once(client, programme_office, submitted):
    client.force_login(programme_office)
    url = strategy_url(submitted, "strategy_extend")
    page = client.get(url).content.decode()
    assert "die Frist der Runde bleibt unverändert" in page
    assert "Eine E-Mail wird nicht versandt." in page
    data = {
        "new_deadline": (timezone.localtime() + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"),
        "reason": "Personalwechsel im Bündnis",
        "shown": shown_token(page),
    }
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert "Es wurde nichts erneut geändert" in second.content.decode()
    assert DeadlineExtension.objects.filter(strategy=submitted).count() == 1


def test_moving_the_submission_deadline_earlier_names_the_alliances_affected_and_saves_only_when_confirmed(
    client, programme_office, cycle, submitted, other_strategy
):
    client.force_login(programme_office)
    reauthenticated(client)
    url = settings_url(cycle)
    before = cycle.submission_deadline
    earlier = local(before - timedelta(days=1))
    asked = client.post(url, form_data(cycle, submission_deadline=earlier))
    page = asked.content.decode()
    assert asked.status_code == 200
    # Gesunde Lausitz has submitted; only DIANA, still drafting, loses time.
    assert "Betroffen ist 1 Bündnis, das noch nicht eingereicht hat" in page
    assert "DIANA" in page.split('id="frist-vorziehen"', 1)[1].split("</div>", 1)[0]
    assert "erhalten alle Betroffenen eine E-Mail" in page
    cycle.refresh_from_db()
    assert cycle.submission_deadline == before
    saved = client.post(url, form_data(cycle, submission_deadline=earlier, confirm_earlier="1"))
    assert saved.status_code == 302
    cycle.refresh_from_db()
    assert cycle.submission_deadline < before
