"""One definition of "review done": a submitted review of the strategy's latest snapshot.

After a strategy is reopened and resubmitted, a review of the old snapshot no longer counts: the expert is
reminded, listed as outstanding, and the Votum waits until they have reviewed the new snapshot.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from reviews import services
from reviews.models import Assignment
from tests.factories import (
    AllianceFactory,
    cleared_assignment,
    programme_rubric,
    resubmit,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


def test_a_review_of_the_old_snapshot_is_outstanding_after_a_resubmission(
    client, cycle, programme_office, django_capture_on_commit_callbacks
):
    programme_rubric(cycle)
    strategy, _first = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy, office=programme_office)
    submitted_review(assignment, 4)
    assert assignment.is_done
    assert services.reviews_complete(strategy)
    assert services.experts_with_outstanding_reviews(cycle) == {}

    resubmit(strategy, programme_office)

    assert not Assignment.objects.get(pk=assignment.pk).is_done
    assert list(Assignment.objects.active().done()) == []
    assert not services.reviews_complete(strategy)
    assert services.experts_with_outstanding_reviews(cycle) == {assignment.expert: 1}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.send_due_reminders(cycle=cycle, now=cycle.review_deadline - timedelta(days=1))
    assert sent == 1
    assert {tuple(message.to) for message in mail.outbox} == {(assignment.expert.email,)}
    client.force_login(programme_office)
    progress = reverse("reviews:office_progress", args=[cycle.slug])
    outstanding = client.get(progress, {"state": "outstanding"}).context["strategies"]
    assert [(row.pk, row.submitted, row.outstanding) for row in outstanding] == [(strategy.pk, 0, 1)]

    submitted_review(Assignment.objects.get(pk=assignment.pk), 5)

    assert Assignment.objects.get(pk=assignment.pk).is_done
    assert services.reviews_complete(strategy)
    assert services.experts_with_outstanding_reviews(cycle) == {}
    assert list(client.get(progress, {"state": "outstanding"}).context["strategies"]) == []
    complete = client.get(progress, {"state": "complete"}).context["strategies"]
    assert [(row.pk, row.submitted, row.outstanding) for row in complete] == [(strategy.pk, 1, 0)]
