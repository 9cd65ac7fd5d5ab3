"""Deadlines that remind: the countdown's levels, and reminder e-mails before each strategy's own deadline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alliances import services
from alliances.models import CountdownLevel, SubmissionReminder, countdown_at
from portal.models import NotificationKind, OutgoingMessage
from tests.alliances.test_views import strategy_url
from tests.factories import StrategyFactory, manager_of, submitted_strategy

pytestmark = pytest.mark.django_db

DEADLINE = timezone.now().replace(microsecond=0) + timedelta(days=30)


@pytest.mark.parametrize(
    ("left", "level", "text"),
    [
        (timedelta(days=7, seconds=1), CountdownLevel.CALM, "Noch 7 Tage"),
        (timedelta(days=7), CountdownLevel.WARNING, "Noch 7 Tage"),
        (timedelta(days=6, hours=23), CountdownLevel.WARNING, "Noch 6 Tage"),
        (timedelta(hours=48, seconds=1), CountdownLevel.WARNING, "Noch 2 Tage"),
        (timedelta(hours=48), CountdownLevel.STRONG, "Nur noch 48 Stunden"),
        (timedelta(hours=40, minutes=30), CountdownLevel.STRONG, "Nur noch 40 Stunden"),
        (timedelta(hours=6, seconds=1), CountdownLevel.STRONG, "Nur noch 6 Stunden"),
        (timedelta(hours=6), CountdownLevel.URGENT, "Nur noch 6 Stunden – jetzt einreichen"),
        (timedelta(hours=5, minutes=59), CountdownLevel.URGENT, "Nur noch 5 Stunden – jetzt einreichen"),
        (timedelta(hours=1), CountdownLevel.URGENT, "Nur noch 1 Stunde – jetzt einreichen"),
        (timedelta(minutes=20), CountdownLevel.URGENT, "Nur noch 20 Minuten – jetzt einreichen"),
        (timedelta(0), CountdownLevel.URGENT, "Nur noch 1 Minute – jetzt einreichen"),
        (-timedelta(seconds=1), CountdownLevel.PASSED, "Die Frist ist abgelaufen."),
    ],
)
def test_the_countdown_changes_level_and_wording_at_7_days_48_and_6_hours(left, level, text):
    countdown = countdown_at(DEADLINE, DEADLINE - left)
    assert countdown.level == level
    assert str(countdown.text) == text


def test_each_level_has_its_own_label_so_colour_is_not_the_only_sign():
    labels = {str(CountdownLevel(level).label) for level in CountdownLevel.values}
    assert len(labels) == len(CountdownLevel.values)


def test_the_deadline_box_of_the_strategy_page_shows_the_urgent_level(client, cycle, strategy, manager):
    cycle.submission_deadline = timezone.now() + timedelta(hours=5, minutes=30)
    cycle.save()
    client.force_login(manager)
    page = client.get(strategy_url(strategy)).content.decode()
    assert 'data-countdown="urgent"' in page
    assert "Nur noch 5 Stunden – jetzt einreichen" in page
    assert "Letzte Stunden" in page


def test_the_deadline_box_counts_the_extension(client, cycle, strategy, manager, programme_office):
    cycle.submission_deadline = timezone.now() + timedelta(hours=30)
    cycle.save()
    client.force_login(manager)
    assert "Nur noch 29 Stunden" in client.get(strategy_url(strategy)).content.decode()
    services.extend_deadline(
        strategy=strategy, user=programme_office, new_deadline=timezone.now() + timedelta(days=20), reason="Krankheit"
    )
    page = client.get(strategy_url(strategy)).content.decode()
    assert 'data-countdown="calm"' in page
    assert "Nur noch" not in page


def reminders_to(user):
    return list(
        OutgoingMessage.objects.filter(recipient=user, kind=NotificationKind.DEADLINE).order_by("created_at", "pk")
    )


def test_each_reminder_goes_out_once_14_days_3_days_and_24_hours_before(strategy, manager):
    deadline = strategy.deadline
    runs = [
        (deadline - timedelta(days=14, minutes=1), 0),
        (deadline - timedelta(days=14), 1),
        (deadline - timedelta(days=14), 0),
        (deadline - timedelta(days=10), 0),
        (deadline - timedelta(days=3), 1),
        (deadline - timedelta(days=2), 0),
        (deadline - timedelta(hours=24), 1),
        (deadline - timedelta(hours=23), 0),
        (deadline - timedelta(minutes=1), 0),
        (deadline + timedelta(minutes=1), 0),
    ]
    for now, expected in runs:
        assert services.send_due_submission_reminders(now=now) == expected, now
    assert sorted(SubmissionReminder.objects.values_list("offset_hours", flat=True)) == [24, 72, 336]
    messages = reminders_to(manager)
    assert len(messages) == 3
    berlin = timezone.localtime(deadline).strftime("%d.%m.%Y, %H:%M")
    assert all(berlin in message.body_text and berlin in message.subject for message in messages)
    assert strategy_url(strategy) in messages[0].body_text


def test_a_deadline_set_at_short_notice_gets_only_the_closest_reminder(strategy, manager):
    now = strategy.deadline - timedelta(hours=20)
    assert services.send_due_submission_reminders(now=now) == 1
    assert services.send_due_submission_reminders(now=now + timedelta(hours=1)) == 0
    assert list(SubmissionReminder.objects.values_list("offset_hours", flat=True)) == [24]


def test_no_reminder_once_the_strategy_is_submitted(cycle, alliance, manager):
    strategy, _submission = submitted_strategy(cycle, alliance, manager=manager)
    for before in (timedelta(days=14), timedelta(days=3), timedelta(hours=24)):
        assert services.send_due_submission_reminders(now=strategy.deadline - before) == 0
    assert not SubmissionReminder.objects.exists()
    assert reminders_to(manager) == []


def test_a_reopened_strategy_is_reminded_again(cycle, alliance, manager, programme_office):
    strategy, _submission = submitted_strategy(cycle, alliance, manager=manager)
    services.reopen_submission(strategy=strategy, user=programme_office, reason="Finanzplan bitte ergänzen")
    assert services.send_due_submission_reminders(now=strategy.deadline - timedelta(hours=24)) == 1


def test_reminders_follow_an_extension(strategy, manager, programme_office):
    first_deadline = strategy.deadline
    assert services.send_due_submission_reminders(now=first_deadline - timedelta(hours=24)) == 1
    extended = first_deadline + timedelta(days=5)
    services.extend_deadline(strategy=strategy, user=programme_office, new_deadline=extended, reason="Krankheit")
    # The old deadline's 24-hour mark has passed; the extended deadline is still five days away.
    assert services.send_due_submission_reminders(now=first_deadline - timedelta(hours=23)) == 1
    assert services.send_due_submission_reminders(now=first_deadline) == 0
    assert services.send_due_submission_reminders(now=extended - timedelta(days=3)) == 1
    assert services.send_due_submission_reminders(now=extended - timedelta(hours=24)) == 1
    assert services.send_due_submission_reminders(now=extended - timedelta(hours=2)) == 0
    sent_for = list(SubmissionReminder.objects.order_by("sent_at").values_list("deadline", "offset_hours"))
    assert sent_for == [(first_deadline, 24), (extended, 336), (extended, 72), (extended, 24)]
    berlin = timezone.localtime(extended).strftime("%d.%m.%Y, %H:%M")
    assert berlin in reminders_to(manager)[-1].body_text


def test_only_the_alliance_with_the_extension_is_reminded_later(cycle, strategy, manager, programme_office):
    other = StrategyFactory(cycle=cycle)
    other_manager = manager_of(other.alliance, "andere@example.org")
    services.extend_deadline(
        strategy=other, user=programme_office, new_deadline=cycle.submission_deadline + timedelta(days=7), reason="X"
    )
    assert services.send_due_submission_reminders(now=cycle.submission_deadline - timedelta(hours=24)) == 2
    assert len(reminders_to(manager)) == 1
    # Eight days before its own deadline, the extended alliance gets its 14-day reminder, naming its own deadline.
    assert list(SubmissionReminder.objects.filter(strategy=other).values_list("offset_hours", "deadline")) == [
        (336, other.cycle.submission_deadline + timedelta(days=7))
    ]
    berlin = timezone.localtime(cycle.submission_deadline + timedelta(days=7)).strftime("%d.%m.%Y, %H:%M")
    assert berlin in reminders_to(other_manager)[0].body_text


def test_the_reminder_hours_come_from_the_cycle(cycle, strategy):
    cycle.first_reminder_hours, cycle.second_reminder_hours, cycle.last_reminder_hours = 100, 50, 10
    cycle.save()
    deadline = strategy.deadline
    assert services.send_due_submission_reminders(now=deadline - timedelta(days=14)) == 0
    assert services.send_due_submission_reminders(now=deadline - timedelta(hours=100)) == 1
    assert services.send_due_submission_reminders(now=deadline - timedelta(hours=50)) == 1
    assert services.send_due_submission_reminders(now=deadline - timedelta(hours=24)) == 0
    assert services.send_due_submission_reminders(now=deadline - timedelta(hours=10)) == 1
    assert sorted(SubmissionReminder.objects.values_list("offset_hours", flat=True)) == [10, 50, 100]


def test_the_hourly_task_sends_the_due_reminders(cycle, strategy, manager):
    from alliances.tasks import send_submission_reminders

    cycle.submission_deadline = timezone.now() + timedelta(hours=20)
    cycle.save()
    assert send_submission_reminders.delay().get() == 1
    assert send_submission_reminders.delay().get() == 0
    assert len(reminders_to(manager)) == 1
