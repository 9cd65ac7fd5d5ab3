"""The daily retention run: each of the portal's categories is deleted or anonymised exactly at its due date and
not a day before; a legal hold stops it; the run records counts, never content; a second run changes nothing."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from portal.models import (
    AccountEvent,
    AccountEventKind,
    MessageStatus,
    NotificationKind,
    OutgoingMessage,
    RetentionRule,
    RetentionRun,
    Role,
    User,
)
from portal.privacy import categories
from portal.privacy.models import add_years
from portal.privacy.services import apply_retention, lift_legal_hold, pseudonymise_account, set_legal_hold
from tests.factories import AllianceFactory, UserFactory, manager_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("retention_schedule")]
DAY = timedelta(days=1)


def rule(code):
    return RetentionRule.objects.get(code=code)


def message(recipient, at, status=MessageStatus.SENT):
    return OutgoingMessage.objects.create(
        recipient=recipient,
        recipient_email=recipient.email,
        kind=NotificationKind.QUESTION,
        subject="Neue Frage",
        body_text="Text",
        body_html="<p>Text</p>",
        status=status,
        created_at=at,
    )


def test_the_schedule_ships_one_rule_per_category_with_its_legal_basis():
    rules = {item.code: item for item in RetentionRule.objects.all()}
    assert set(rules) == set(categories.ALL)
    assert (rules["access_logs"].period, rules["access_logs"].unit) == (90, "days")
    assert (rules["outbox"].period, rules["sign_in_events"].period) == (365, 90)
    assert (rules["funding_file"].period, rules["funding_file"].unit) == (10, "years")
    assert "BHO § 70" in rules["funding_file"].legal_basis
    assert all(item.legal_basis and item.label for item in rules.values())


def test_due_dates_count_whole_days_and_calendar_years(t0):
    assert rule("access_logs").due_at(t0) == t0 + timedelta(days=90)
    assert rule("funding_file").due_at(t0.date()) == t0.date().replace(year=2036)
    assert add_years(t0.date().replace(year=2028, month=2, day=29), 10).isoformat() == "2038-02-28"


def test_sent_messages_go_one_year_after_they_were_written_and_not_a_day_before(t0):
    person = UserFactory()
    sent = message(person, t0)
    failed = message(person, t0, status=MessageStatus.FAILED)
    held = message(person, t0, status=MessageStatus.HELD)
    due = t0 + timedelta(days=365)
    run = apply_retention(now=due - DAY)
    assert run.counts[categories.OUTBOX] == 0
    assert OutgoingMessage.objects.filter(pk__in=[sent.pk, failed.pk]).count() == 2
    run = apply_retention(now=due)
    assert run.counts[categories.OUTBOX] == 2
    assert list(OutgoingMessage.objects.values_list("pk", flat=True)) == [held.pk]


def test_sign_in_events_and_devices_go_after_90_days(t0):
    person = UserFactory()
    event = AccountEvent.objects.create(
        user=person, kind=AccountEventKind.SIGN_IN_FAILED, client_address="192.0.2.7", at=t0
    )
    device = UserSession.objects.create(
        user=person, ip="192.0.2.7", user_agent="Firefox", session_key="k" * 32, created_at=t0, last_seen_at=t0
    )
    due = t0 + timedelta(days=90)
    assert apply_retention(now=due - DAY).counts[categories.SIGN_IN_EVENTS] == 0
    assert AccountEvent.objects.filter(pk=event.pk).exists() and UserSession.objects.filter(pk=device.pk).exists()
    assert apply_retention(now=due).counts[categories.SIGN_IN_EVENTS] == 2
    assert not AccountEvent.objects.filter(pk=event.pk).exists()
    assert not UserSession.objects.filter(pk=device.pk).exists()


def test_sessions_go_when_they_expire(t0):
    Session.objects.create(session_key="s" * 32, session_data="", expire_date=t0)
    assert apply_retention(now=t0 - DAY).counts[categories.SESSIONS] == 0
    assert Session.objects.filter(session_key="s" * 32).exists()
    assert apply_retention(now=t0).counts[categories.SESSIONS] == 1
    assert not Session.objects.filter(session_key="s" * 32).exists()


def every_text_holding(value):
    """Every (model, field) of every installed model whose text column contains `value`."""
    from django.apps import apps
    from django.db import models

    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            is_text = isinstance(field, models.CharField | models.TextField) and not field.is_relation
            if is_text and model._default_manager.filter(**{f"{field.name}__icontains": value}).exists():
                found.append(f"{model._meta.label}.{field.name}")
    return found


def test_an_account_without_sign_in_for_two_years_is_pseudonymised_and_its_address_is_gone(t0):
    person = UserFactory(email="lange.weg@example.org", full_name="Lange Weg", role=Role.ALLIANCE_MANAGER)
    User.objects.filter(pk=person.pk).update(last_login=t0, date_joined=t0 - timedelta(days=400))
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    message(person, t0 + timedelta(days=600), status=MessageStatus.SENT)
    AccountEvent.objects.create(user=person, kind=AccountEventKind.LOCKED, at=t0 + timedelta(days=700))
    due = t0 + timedelta(days=730)

    assert apply_retention(now=due - DAY).counts[categories.INACTIVE_ACCOUNTS] == 0
    person.refresh_from_db()
    assert person.is_active and person.email == "lange.weg@example.org"

    run = apply_retention(now=due)
    assert run.counts[categories.INACTIVE_ACCOUNTS] == 1
    person.refresh_from_db()
    assert person.full_name == f"ehemaliges Konto {person.pk}"
    assert person.email == f"konto-{person.pk}@anonymisiert.invalid"
    assert not person.is_active and not person.has_usable_password() and person.anonymised_at == due
    assert every_text_holding("lange.weg@example.org") == []
    assert every_text_holding("Lange Weg") == []
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not AccountEvent.objects.filter(user=person).exists()
    outbox = OutgoingMessage.objects.get(recipient=person)
    assert (outbox.recipient_email, outbox.body_text) == (person.email, "")
    assert apply_retention(now=due).counts[categories.INACTIVE_ACCOUNTS] == 0


def test_a_signed_in_account_counts_from_its_last_sign_in(t0):
    person = UserFactory()
    User.objects.filter(pk=person.pk).update(date_joined=t0 - timedelta(days=1000), last_login=t0)
    apply_retention(now=t0 + timedelta(days=729))
    person.refresh_from_db()
    assert person.anonymised_at is None and person.is_active


def test_an_account_that_a_funding_file_binds_takes_the_pseudonym_of_its_role(t0):
    from tests.factories import AssignmentFactory

    expert = AssignmentFactory().expert
    User.objects.filter(pk=expert.pk).update(date_joined=t0)
    apply_retention(now=t0 + timedelta(days=730))
    expert.refresh_from_db()
    assert expert.full_name == f"ehemalige/r Gutachter/in {expert.pk}"
    assert expert.assignments.count() == 1


def test_a_pseudonymised_account_cannot_sign_in(client, t0):
    person = UserFactory(email="weg@example.org")
    pseudonymise_account(user=person, now=t0)
    response = client.post(reverse("account_login"), {"login": "weg@example.org", "password": "richtig-geheim-2024"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    person.refresh_from_db()
    assert not person.is_active


def test_a_hold_on_an_alliance_keeps_its_managers_data_until_it_is_lifted(t0):
    alliance = AllianceFactory()
    manager = manager_of(alliance)
    other = UserFactory()
    for person in (manager, other):
        message(person, t0)
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    hold = set_legal_hold(user=office, alliance_id=alliance.pk, reason="Widerspruchsverfahren", now=t0)
    due = t0 + timedelta(days=365)

    run = apply_retention(now=due)
    assert run.counts[categories.OUTBOX] == 1
    assert run.active_holds == 1
    assert list(OutgoingMessage.objects.values_list("recipient", flat=True)) == [manager.pk]

    lift_legal_hold(hold=hold, user=office, now=due + DAY)
    assert apply_retention(now=due).counts[categories.OUTBOX] == 0  # as of `due` the hold was in force
    assert apply_retention(now=due + DAY).counts[categories.OUTBOX] == 1
    assert not OutgoingMessage.objects.exists()
    assert hold.history.count() == 2


def test_a_hold_needs_exactly_one_cycle_or_alliance():
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    with pytest.raises(ValueError):
        set_legal_hold(user=office, reason="x")
    with pytest.raises(ValueError):
        set_legal_hold(user=office, reason="x", cycle_id=1, alliance_id=1)


def test_a_run_records_counts_per_category_and_a_second_run_changes_nothing(t0):
    person = UserFactory()
    message(person, t0)
    AccountEvent.objects.create(user=person, kind=AccountEventKind.SIGN_IN_FAILED, at=t0)
    due = t0 + timedelta(days=365)

    first = apply_retention(now=due, batch_size=1)
    assert first.counts == {
        categories.ACCESS_LOGS: 0,
        categories.CONFIDENTIAL_NOTES: 0,
        categories.FUNDING_FILE: 0,
        categories.INACTIVE_ACCOUNTS: 0,
        categories.OUTBOX: 1,
        categories.PERSONAL_COPIES: 0,
        categories.SESSIONS: 0,
        categories.SIGN_IN_EVENTS: 1,
    }
    assert first.finished_at is not None and first.as_of == due
    second = apply_retention(now=due, batch_size=1)
    assert second.total == 0
    assert RetentionRun.objects.count() == 2
    # Counts only: the audit row holds no text of what it removed.
    assert all(isinstance(count, int) for count in RetentionRun.objects.get(pk=first.pk).counts.values())


def test_batches_go_through_everything_due(t0):
    person = UserFactory()
    for _ in range(5):
        message(person, t0)
    assert apply_retention(now=t0 + timedelta(days=365), batch_size=2).counts[categories.OUTBOX] == 5
    assert not OutgoingMessage.objects.exists()


def test_a_longer_period_edited_in_the_admin_applies_and_the_history_keeps_the_old_one(client, t0):
    admin_user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    outbox = rule(categories.OUTBOX)
    url = reverse("admin:portal_retentionrule_change", args=[outbox.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "label": outbox.label,
            "description": outbox.description,
            "period": 400,
            "unit": "days",
            "legal_basis": outbox.legal_basis,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outbox.refresh_from_db()
    assert outbox.period == 400
    periods = list(outbox.history.order_by("history_date").values_list("period", flat=True))
    assert periods == [365, 400]
    assert outbox.history.first().history_user == admin_user

    message(UserFactory(), t0)
    assert apply_retention(now=t0 + timedelta(days=399)).counts[categories.OUTBOX] == 0
    assert apply_retention(now=t0 + timedelta(days=400)).counts[categories.OUTBOX] == 1


def test_the_admin_can_neither_add_nor_delete_a_rule_nor_change_its_event(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:portal_retentionrule_add")).status_code == 403
    outbox = rule(categories.OUTBOX)
    page = client.get(reverse("admin:portal_retentionrule_change", args=[outbox.pk])).content.decode()
    assert 'name="counts_from"' not in page and 'name="action"' not in page
    delete = client.post(reverse("admin:portal_retentionrule_delete", args=[outbox.pk]), {"post": "yes"})
    assert delete.status_code == 403


def test_a_hold_set_in_the_admin_records_who_set_it(client):
    admin_user = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    response = client.post(reverse("admin:portal_legalhold_add"), {"cycle_id": 7, "alliance_id": "", "reason": "Klage"})
    assert response.status_code == 302
    from portal.models import LegalHold

    hold = LegalHold.objects.get()
    assert (hold.cycle_id, hold.set_by, hold.is_active) == (7, admin_user, True)
    client.post(reverse("admin:portal_legalhold_changelist"), {"action": "lift", "_selected_action": [hold.pk]})
    hold.refresh_from_db()
    assert hold.lifted_by == admin_user and not hold.is_active


def test_the_beat_runs_the_schedule_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["retention"]
    assert entry == {"task": "portal.tasks.apply_retention_schedule", "schedule": 24 * 60 * 60}
    from portal.tasks import apply_retention_schedule

    assert apply_retention_schedule.delay().get() == RetentionRun.objects.get().counts


def test_messages_to_others_that_name_the_person_name_the_pseudonym_instead(t0):
    person = UserFactory(email="erika.muster@example.org", full_name="Dr. Erika Muster & Co")
    office = UserFactory(role=Role.PROGRAMME_OFFICE)
    notice = OutgoingMessage.objects.create(
        recipient=office,
        recipient_email=office.email,
        kind=NotificationKind.SUBMISSION_RECEIPT,
        subject="Dr. Erika Muster & Co hat ihr Gutachten abgegeben",
        body_text="Rückfragen an erika.muster@example.org.",
        body_html="<p>Dr. Erika Muster &amp; Co hat ihr Gutachten abgegeben.</p>",
        cause_label="Dr. Erika Muster & Co → Gesunde Lausitz",
        status=MessageStatus.SENT,
    )
    unrelated = message(office, t0)
    changed = pseudonymise_account(user=person, now=t0)
    pseudonym = User.objects.get(pk=person.pk).full_name
    notice.refresh_from_db()
    assert changed["portal.OutgoingMessage"] == 1
    assert notice.subject == f"{pseudonym} hat ihr Gutachten abgegeben"
    assert notice.body_text == f"Rückfragen an konto-{person.pk}@anonymisiert.invalid."
    assert notice.body_html == f"<p>{pseudonym} hat ihr Gutachten abgegeben.</p>"
    assert notice.cause_label == f"{pseudonym} → Gesunde Lausitz"
    assert notice.recipient_email == office.email  # the office's own data stays
    unrelated_before = (unrelated.subject, unrelated.body_text)
    unrelated.refresh_from_db()
    assert (unrelated.subject, unrelated.body_text) == unrelated_before


def test_a_former_official_of_the_ministry_is_named_without_the_ministrys_changing_name(t0):
    official = UserFactory(role=Role.MINISTRY)
    pseudonymise_account(user=official, now=t0, by_role=True)
    official.refresh_from_db()
    assert official.full_name == f"ehemalige/r Mitarbeiter/in des Ministeriums {official.pk}"
