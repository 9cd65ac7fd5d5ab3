"""Moving a deadline: a confirmation naming the affected when it comes earlier or within 14 days, and an e-mail to
everyone affected with the old and the new date."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alliances import services
from alliances.models import EvaluationCycle
from portal.models import NotificationKind, OutgoingMessage
from tests.alliances.test_cycle_settings import form_data, local, save_settings, settings_url
from tests.factories import (
    AllianceFactory,
    StrategyFactory,
    cleared_assignment,
    manager_of,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db


def berlin(moment):
    return timezone.localtime(moment).strftime("%d.%m.%Y, %H:%M")


def deadline_mail_to(user):
    return list(OutgoingMessage.objects.filter(recipient=user, kind=NotificationKind.DEADLINE))


@pytest.fixture
def alliances_in_three_states(cycle, programme_office):
    """One alliance still drafting, one that has submitted, one with an extension of its own."""
    drafting = StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Drafting Lausitz"))
    submitted, _submission = submitted_strategy(cycle, AllianceFactory(name="Eingereicht Erzgebirge"))
    extended = StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Verlängert Vogtland"))
    services.extend_deadline(
        strategy=extended,
        user=programme_office,
        new_deadline=cycle.submission_deadline + timedelta(days=20),
        reason="Personalwechsel",
    )
    return {
        "drafting": (drafting, manager_of(drafting.alliance, "drafting@example.org")),
        "submitted": (submitted, submitted.alliance.memberships.first().user),
        "extended": (extended, manager_of(extended.alliance, "extended@example.org")),
    }


def test_an_earlier_submission_deadline_emails_only_the_alliances_it_concerns_with_old_and_new_date(
    cycle, programme_office, alliances_in_three_states
):
    old = cycle.submission_deadline
    new = old - timedelta(days=4)
    save_settings(cycle, programme_office, submission_deadline=new)
    _strategy, drafting_manager = alliances_in_three_states["drafting"]
    [message] = deadline_mail_to(drafting_manager)
    assert "Drafting Lausitz" in message.subject
    assert f"Bisherige Frist: {berlin(old)} Uhr" in message.body_text
    assert berlin(new) in message.body_text
    for other in ("submitted", "extended"):
        assert deadline_mail_to(alliances_in_three_states[other][1]) == []


def test_settings_without_a_moved_deadline_email_nobody(cycle, programme_office, alliances_in_three_states):
    save_settings(cycle, programme_office, name="Zwischenbegutachtung 2024 (neu)")
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.DEADLINE).exists()


def test_an_earlier_deadline_is_confirmed_naming_the_affected_alliances_then_they_are_emailed(
    client, cycle, programme_office, alliances_in_three_states
):
    client.force_login(programme_office)
    reauthenticated(client)
    earlier = local(cycle.submission_deadline - timedelta(days=2))
    asked = client.post(settings_url(cycle), form_data(cycle, submission_deadline=earlier))
    page = asked.content.decode()
    assert asked.status_code == 200
    box = page.split('id="frist-vorziehen"', 1)[1].split("</div>", 1)[0]
    assert "„Einreichungsfrist“ rückt vor" in box
    assert "Drafting Lausitz" in box
    assert "Eingereicht Erzgebirge" not in box and "Verlängert Vogtland" not in box
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.DEADLINE).exists()
    saved = client.post(settings_url(cycle), form_data(cycle, submission_deadline=earlier, confirm_earlier="1"))
    assert saved.status_code == 302
    assert len(deadline_mail_to(alliances_in_three_states["drafting"][1])) == 1


def test_a_later_deadline_within_14_days_also_asks_for_confirmation(client, cycle, programme_office, strategy):
    client.force_login(programme_office)
    reauthenticated(client)
    later = local(timezone.now() + timedelta(days=13))
    before = EvaluationCycle.objects.get(pk=cycle.pk).submission_deadline
    asked = client.post(settings_url(cycle), form_data(cycle, submission_deadline=later))
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "weniger als 14 Tage in der Zukunft" in page
    assert strategy.alliance.name in page.split('id="frist-vorziehen"', 1)[1].split("</div>", 1)[0]
    assert 'name="confirm_earlier"' in page
    assert EvaluationCycle.objects.get(pk=cycle.pk).submission_deadline == before


def test_a_later_deadline_beyond_14_days_saves_at_once_and_tells_the_alliances(
    client, cycle, programme_office, strategy
):
    manager = manager_of(strategy.alliance)
    client.force_login(programme_office)
    reauthenticated(client)
    later = timezone.now() + timedelta(days=20)
    saved = client.post(settings_url(cycle), form_data(cycle, submission_deadline=local(later)))
    assert saved.status_code == 302
    [message] = deadline_mail_to(manager)
    assert berlin(later) in message.body_text


@pytest.fixture
def waiting_and_done_experts(cycle, programme_office):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    waiting = cleared_assignment(strategy, office=programme_office)
    done = cleared_assignment(strategy, office=programme_office)
    submitted_review(done, 4)
    return waiting.expert, done.expert


def test_an_earlier_review_deadline_is_confirmed_and_emails_the_experts_with_open_reviews(
    client, cycle, programme_office, waiting_and_done_experts
):
    waiting, done = waiting_and_done_experts
    client.force_login(programme_office)
    reauthenticated(client)
    old = cycle.review_deadline
    earlier = old - timedelta(days=10)
    asked = client.post(settings_url(cycle), form_data(cycle, review_deadline=local(earlier)))
    page = asked.content.decode()
    assert asked.status_code == 200
    assert "„Frist für Gutachten“ rückt vor" in page
    box = page.split('id="frist-vorziehen"', 1)[1].split("</div>", 1)[0]
    assert "betroffen ist 1 Gutachter/in mit offenen Gutachten" in box
    assert f"<li>{waiting.get_full_name()}</li>" in box and f"<li>{done.get_full_name()}</li>" not in box
    assert not OutgoingMessage.objects.filter(kind=NotificationKind.DEADLINE).exists()
    saved = client.post(settings_url(cycle), form_data(cycle, review_deadline=local(earlier), confirm_earlier="1"))
    assert saved.status_code == 302
    [message] = deadline_mail_to(waiting)
    assert f"Bisherige Frist: {berlin(old)} Uhr" in message.body_text
    assert berlin(earlier) in message.body_text
    assert deadline_mail_to(done) == []


def test_a_moved_review_deadline_reminds_again_relative_to_the_new_one(
    cycle, programme_office, waiting_and_done_experts
):
    from reviews import services as review_services

    old = cycle.review_deadline
    assert review_services.send_due_reminders(cycle=cycle, now=old - timedelta(hours=24)) == 1
    new = old + timedelta(days=5)
    save_settings(cycle, programme_office, review_deadline=new, panel_deadline=cycle.panel_deadline + timedelta(days=5))
    cycle.refresh_from_db()
    assert review_services.send_due_reminders(cycle=cycle, now=new - timedelta(hours=24)) == 1
    assert review_services.send_due_reminders(cycle=cycle, now=new - timedelta(hours=23)) == 0


def test_reminder_hours_are_edited_in_the_settings_and_must_come_closer_to_the_deadline(
    client, cycle, programme_office
):
    client.force_login(programme_office)
    refused = client.post(
        settings_url(cycle),
        form_data(cycle, first_reminder_hours=72, second_reminder_hours=72, last_reminder_hours=0),
    )
    page = refused.content.decode()
    assert refused.status_code == 422
    assert "muss näher an der Frist liegen" in page
    assert "mindestens 1 Stunde" in page
    assert EvaluationCycle.objects.get(pk=cycle.pk).reminder_offsets == [336, 72, 24]
    saved = client.post(
        settings_url(cycle),
        form_data(cycle, first_reminder_hours=240, second_reminder_hours=48, last_reminder_hours=12),
    )
    assert saved.status_code == 302
    cycle = EvaluationCycle.objects.get(pk=cycle.pk)
    assert cycle.reminder_offsets == [240, 48, 12]
    assert "Erste Erinnerung" in cycle.history.first().history_change_reason


def test_the_service_refuses_reminder_hours_out_of_order(cycle, programme_office):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        save_settings(cycle, programme_office, first_reminder_hours=24, second_reminder_hours=72, last_reminder_hours=6)
    assert set(refused.value.message_dict) == {"second_reminder_hours"}
