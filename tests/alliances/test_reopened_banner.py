"""A reopening tells the alliance why and until when: by e-mail, and on the strategy page until it submits again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alliances import services
from portal.models import NotificationKind, OutgoingMessage
from tests.alliances.test_views import strategy_url
from tests.factories import checked_document, pdf_upload, submitted_strategy

pytestmark = pytest.mark.django_db

REASON = "Der Finanzplan für 2026 fehlt noch."


@pytest.fixture
def reopened(cycle, alliance, manager, programme_office):
    strategy, _submission = submitted_strategy(cycle, alliance, manager=manager)
    until = cycle.submission_deadline + timedelta(days=7)
    services.reopen_submission(strategy=strategy, user=programme_office, reason=REASON, extend_until=until)
    strategy.refresh_from_db()
    return strategy


def berlin(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y, %H:%M")


def test_the_reopen_email_gives_the_managers_the_reason_and_the_new_deadline(reopened, manager):
    message = OutgoingMessage.objects.get(recipient=manager, kind=NotificationKind.SUBMISSION_REOPENED)
    for body in (message.body_text, message.body_html):
        assert REASON in body
        assert f"{berlin(reopened.deadline)} Uhr" in body
        assert strategy_url(reopened) in body


def test_the_strategy_page_shows_the_reason_and_deadline_until_the_alliance_submits_again(client, reopened, manager):
    client.force_login(manager)
    page = client.get(strategy_url(reopened)).content.decode()
    assert "Die Einreichung wurde wieder geöffnet" in page
    assert REASON in page
    assert f"bis {berlin(reopened.deadline)} Uhr erneut ein" in page

    checked_document(reopened, manager, "annex", pdf_upload("nachtrag.pdf"))
    services.submit_strategy(strategy=reopened, user=manager)
    page = client.get(strategy_url(reopened)).content.decode()
    assert "Die Einreichung wurde wieder geöffnet" not in page
    assert REASON not in page


def test_a_strategy_never_reopened_shows_no_banner(client, strategy, manager):
    client.force_login(manager)
    assert "Die Einreichung wurde wieder geöffnet" not in client.get(strategy_url(strategy)).content.decode()
