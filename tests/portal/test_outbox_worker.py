import pytest
from django.core import mail

from portal.models import MessageStatus, OutgoingMessage
from tests.factories import UserFactory, notify
from tests.helpers import wait_for


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_outbox_messages_through_redis(celery_worker):
    recipient = UserFactory(email="empfaengerin@example.org")
    message = notify(recipient, subject="Über Redis")[0]
    assert wait_for(lambda: OutgoingMessage.objects.get(pk=message.pk).status == MessageStatus.SENT)
    assert [sent.to for sent in mail.outbox] == [["empfaengerin@example.org"]]
