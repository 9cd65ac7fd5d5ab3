import time

import pytest
from django.core import mail

from portal.models import MessageStatus, NotificationKind, OutgoingMessage
from portal.notifications import send_notification
from tests.factories import UserFactory


def wait_for(predicate, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_outbox_messages_through_redis(celery_worker):
    recipient = UserFactory(email="empfaengerin@example.org")
    message = send_notification(
        recipients=[recipient],
        kind=NotificationKind.QUESTION,
        subject="Über Redis",
        template="reviews/email/reminder",
        context={"cycle": None, "count": 2},
    )[0]
    assert wait_for(lambda: OutgoingMessage.objects.get(pk=message.pk).status == MessageStatus.SENT)
    assert [sent.to for sent in mail.outbox] == [["empfaengerin@example.org"]]
