import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances import services as alliance_services
from portal import services
from portal.models import (
    NOTIFICATION_KINDS_BY_ROLE,
    MessageStatus,
    NotificationKind,
    NotificationPreference,
    OutgoingMessage,
    Role,
)
from portal.notifications import release_held_messages
from portal.tasks import MAX_ATTEMPTS, deliver_message, sweep_outbox
from reviews import services as review_services
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    declared_conflict,
    notify,
    programme_rubric,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

REFUSING = {"default": {"BACKEND": "tests.mail_backends.RefusingBackend"}}


def test_every_existing_notification_goes_through_the_outbox(
    cycle, programme_office, django_capture_on_commit_callbacks
):
    programme_rubric(cycle)
    with django_capture_on_commit_callbacks(execute=True):
        strategy, submission = submitted_strategy(cycle, AllianceFactory())
        assignment = cleared_assignment(strategy, office=programme_office)
        conflicted = review_services.assign_expert(
            strategy=strategy, expert=ExpertProfileFactory().user, user=programme_office
        )
        declared_conflict(conflicted, explanation="Verwandtschaft")
        review_services.send_manual_reminder(cycle=cycle, user=programme_office)
        alliance_services.reopen_submission(
            strategy=strategy, user=programme_office, reason="Anlage fehlt im Finanzplan"
        )
        strategy.refresh_from_db()
        alliance_services.submit_strategy(strategy=strategy, user=submission.submitted_by)
    kinds = set(OutgoingMessage.objects.values_list("kind", flat=True))
    assert kinds == {
        NotificationKind.SUBMISSION_RECEIPT,
        NotificationKind.ASSIGNMENT,
        NotificationKind.CONFLICT_DECLARED,
        NotificationKind.REVIEW_REMINDER,
        NotificationKind.SUBMISSION_REOPENED,
        NotificationKind.RESUBMISSION,
    }
    assert OutgoingMessage.objects.exclude(status=MessageStatus.SENT).count() == 0
    assert len(mail.outbox) == OutgoingMessage.objects.count()
    receipt = OutgoingMessage.objects.filter(kind=NotificationKind.SUBMISSION_RECEIPT).last()
    assert receipt.cause_model == "alliances.submission"
    assert receipt.cause_url.startswith("/cycles/")
    assert assignment.expert.email in set(OutgoingMessage.objects.values_list("recipient_email", flat=True))
    # the notification settings offer each role the kinds it is sent: the mapping must know every one sent here
    unknown = [
        (message.recipient.role, message.kind)
        for message in OutgoingMessage.objects.select_related("recipient")
        if message.kind not in NOTIFICATION_KINDS_BY_ROLE[message.recipient.role]
    ]
    assert unknown == []


def test_a_failed_send_is_retried_then_marked_failed_and_can_be_sent_again(settings, manager):
    settings.MAILERS = REFUSING
    message = notify(manager, subject="Test")[0]
    for attempt in range(1, MAX_ATTEMPTS + 1):
        deliver_message.apply(args=[message.pk])
        message.refresh_from_db()
        assert message.attempts == attempt
    assert message.status == MessageStatus.FAILED
    assert "SMTPServerDisconnected" in message.last_error
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert services.retry_message(message=message)
    deliver_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert mail.outbox[-1].to == [manager.email]


def test_delivery_is_idempotent(manager):
    message = notify(manager, subject="Einmal")[0]
    deliver_message.apply(args=[message.pk])
    deliver_message.apply(args=[message.pk])
    assert [m.subject for m in mail.outbox].count("[WIR!-Strategieportal] Einmal") == 1


def test_the_sweep_resends_messages_left_queued(manager):
    message = notify(manager, subject="Liegengeblieben")[0]
    OutgoingMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    assert sweep_outbox.apply().get() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_held_messages_wait_for_release(manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(manager, subject="Entscheidung", kind=NotificationKind.DECISION, release_key="decision-1")
    assert OutgoingMessage.objects.get().status == MessageStatus.HELD
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert release_held_messages(release_key="decision-1") == 1
    assert OutgoingMessage.objects.get().status == MessageStatus.SENT


def test_muted_kinds_are_skipped_but_required_ones_are_not(manager):
    services.set_notification_preferences(user=manager, wanted_kinds=[])
    assert NotificationPreference.objects.filter(user=manager).count() == len(
        services.optional_notification_kinds(role=manager.role)
    )
    assert notify(manager) == []
    receipts = notify(manager, kind=NotificationKind.SUBMISSION_RECEIPT)
    assert len(receipts) == 1


def test_preferences_page_saves_choices(client, manager):
    client.force_login(manager)
    response = client.post(reverse("notification_preferences"), {"wanted": [NotificationKind.QUESTION]})
    assert response.status_code == 302
    muted = set(NotificationPreference.objects.filter(user=manager).values_list("kind", flat=True))
    assert NotificationKind.QUESTION not in muted
    assert NotificationKind.SUBMISSION_REOPENED in muted
    assert NotificationKind.SUBMISSION_RECEIPT not in muted
    page = client.get(reverse("notification_preferences")).content.decode()
    assert "rechtlich erforderlich" in page


PREFERENCE_LABELS = {
    NotificationKind.SUBMISSION_RECEIPT: "Eingangsbestätigung",
    NotificationKind.SUBMISSION_REOPENED: "Wiederöffnung einer Einreichung",
    NotificationKind.ASSIGNMENT: "Neue Begutachtung",
    NotificationKind.CONFLICT_DECLARED: "Erklärte Befangenheit",
    NotificationKind.REVIEW_REMINDER: "Erinnerung an offene Gutachten",
    NotificationKind.RESUBMISSION: "Geänderte Fassung einer Strategie",
    NotificationKind.QUESTION: "Fragen und Antworten",
    NotificationKind.FAQ_DIGEST: "Neue FAQ-Einträge",
    NotificationKind.DECISION: "Förderentscheidung",
    NotificationKind.DEADLINE: "Fristen: Erinnerungen und Änderungen",
    NotificationKind.JURY: "Jurysitzungen: Einladungen und Terminänderungen",
}
OFFERED_BY_ROLE = [
    (
        Role.ALLIANCE_MANAGER,
        {
            NotificationKind.SUBMISSION_REOPENED,
            NotificationKind.QUESTION,
            NotificationKind.FAQ_DIGEST,
            NotificationKind.DEADLINE,
            NotificationKind.JURY,
        },
        {NotificationKind.SUBMISSION_RECEIPT, NotificationKind.DECISION},
    ),
    (
        Role.EXPERT,
        {
            NotificationKind.ASSIGNMENT,
            NotificationKind.REVIEW_REMINDER,
            NotificationKind.RESUBMISSION,
            NotificationKind.DEADLINE,
            NotificationKind.JURY,
        },
        set(),
    ),
    (Role.PROGRAMME_OFFICE, {NotificationKind.CONFLICT_DECLARED, NotificationKind.QUESTION}, set()),
    (Role.MINISTRY, {NotificationKind.QUESTION, NotificationKind.JURY}, set()),
    (Role.ADMIN, set(), set()),
]


def offered_checkboxes(page):
    return set(re.findall(r'<input type="checkbox" name="wanted" value="([a-z_]+)"', page))


@pytest.mark.parametrize(("role", "switchable", "required"), OFFERED_BY_ROLE, ids=[r for r, _s, _q in OFFERED_BY_ROLE])
def test_each_role_is_offered_only_the_notifications_it_receives(client, role, switchable, required):
    client.force_login(UserFactory(role=role, is_superuser=role == Role.ADMIN))
    page = client.get(reverse("notification_preferences")).content.decode()
    assert offered_checkboxes(page) == {kind.value for kind in switchable}
    assert ("rechtlich erforderlich" in page) == bool(required)
    for kind in required:
        assert PREFERENCE_LABELS[kind] in page
    for kind in set(NotificationKind) - switchable - required:
        assert f'value="{kind.value}"' not in page
    if not switchable:
        assert "keine Benachrichtigungen, die sich abbestellen lassen" in page


def test_legally_required_kinds_are_never_offered_as_a_checkbox(client, manager):
    client.force_login(manager)
    page = client.get(reverse("notification_preferences")).content.decode()
    assert f'value="{NotificationKind.SUBMISSION_RECEIPT.value}"' not in page
    assert f'value="{NotificationKind.DECISION.value}"' not in page
    assert "Eingangsbestätigung, Förderentscheidung." in page


def test_saving_stores_only_kinds_the_role_receives(client, manager):
    client.force_login(manager)
    response = client.post(reverse("notification_preferences"), {"wanted": [NotificationKind.QUESTION]})
    assert response.status_code == 302
    muted = set(NotificationPreference.objects.filter(user=manager).values_list("kind", flat=True))
    assert muted == {
        NotificationKind.SUBMISSION_REOPENED,
        NotificationKind.FAQ_DIGEST,
        NotificationKind.DEADLINE,
        NotificationKind.JURY,
    }


def test_a_kind_the_role_is_never_sent_is_refused_and_nothing_is_stored(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("notification_preferences"), {"wanted": [NotificationKind.QUESTION, NotificationKind.ASSIGNMENT]}
    )
    assert response.status_code == 200
    assert "Bitte eine gültige Auswahl treffen." in response.content.decode()
    assert not NotificationPreference.objects.filter(user=manager).exists()


def test_an_expert_switching_everything_off_mutes_only_expert_kinds(db):
    expert = ExpertProfileFactory().user
    services.set_notification_preferences(user=expert, wanted_kinds=[])
    muted = set(NotificationPreference.objects.filter(user=expert).values_list("kind", flat=True))
    assert muted == {
        NotificationKind.ASSIGNMENT,
        NotificationKind.REVIEW_REMINDER,
        NotificationKind.RESUBMISSION,
        NotificationKind.DEADLINE,
        NotificationKind.JURY,
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PROGRAMME_OFFICE, 200),
        (Role.MINISTRY, 403),
        (Role.EXPERT, 403),
        (Role.ALLIANCE_MANAGER, 403),
        (Role.ADMIN, 403),
    ],
)
def test_only_the_programme_office_reads_the_outbox(client, manager, role, expected):
    message = notify(manager)[0]
    client.force_login(UserFactory(role=role, is_superuser=role == Role.ADMIN))
    assert client.get(reverse("outbox")).status_code == expected
    assert client.get(reverse("outbox_message", args=[message.pk])).status_code == expected
    assert client.post(reverse("outbox_retry", args=[message.pk])).status_code == (302 if expected == 200 else 403)


def test_anonymous_visitors_go_to_login_for_the_outbox(client):
    response = client.get(reverse("outbox"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_outbox_shows_failures_with_their_error(client, settings, manager, programme_office):
    settings.MAILERS = REFUSING
    message = notify(manager, subject="Kaputt")[0]
    for _ in range(MAX_ATTEMPTS):
        deliver_message.apply(args=[message.pk])
    client.force_login(programme_office)
    listing = client.get(reverse("outbox") + "?status=failed").content.decode()
    assert "Kaputt" in listing and "fehlgeschlagen" in listing
    detail = client.get(reverse("outbox_message", args=[message.pk])).content.decode()
    assert "SMTPServerDisconnected" in detail
    assert "Erneut versenden" in detail


@pytest.mark.parametrize("size", [5, 60])
def test_outbox_list_query_count_is_fixed(client, programme_office, size):
    recipients = [UserFactory(role=Role.EXPERT) for _ in range(size)]
    notify(*recipients, subject="Massenversand")
    client.force_login(programme_office)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("outbox"))
    assert response.status_code == 200
    assert len(queries) == 4
