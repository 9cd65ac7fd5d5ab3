"""The programme office withdraws an assignment: a confirmation page with a required reason, the expert told by
e-mail, the reason kept in history; a submitted review cannot be withdrawn."""

import pytest
from django.urls import reverse

from portal.models import OutgoingMessage
from reviews.models import AssignmentStatus
from tests.factories import (
    AllianceFactory,
    EvaluationCycleFactory,
    cleared_assignment,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db

REASON = "Die Gutachterin ist länger erkrankt; wir vergeben neu."


def withdraw_url(assignment):
    return reverse("reviews:office_withdraw", args=[assignment.strategy.cycle.slug, assignment.pk])


def test_the_matrix_links_each_active_assignment_to_its_withdrawal(client, submitted, programme_office):
    strategy, _submission = submitted
    assignment = cleared_assignment(strategy)
    client.force_login(programme_office)
    page = client.get(reverse("reviews:office_assignments", args=[strategy.cycle.slug])).content.decode()
    assert f'href="{withdraw_url(assignment)}"' in page


def test_withdrawing_needs_a_reason(client, submitted, programme_office):
    assignment = cleared_assignment(submitted[0])
    client.force_login(programme_office)
    refused = client.post(withdraw_url(assignment), {"reason": ""})
    assert refused.status_code == 422
    assert "Bitte geben Sie eine Begründung an." in refused.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED


def test_withdrawing_ends_the_assignment_keeps_the_reason_and_tells_the_expert(
    client, submitted, programme_office, django_capture_on_commit_callbacks
):
    assignment = cleared_assignment(submitted[0])
    client.force_login(programme_office)
    assert client.get(withdraw_url(assignment)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(withdraw_url(assignment), {"reason": REASON})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.WITHDRAWN
    latest = assignment.history.first()
    assert latest.history_change_reason == REASON
    assert latest.history_user == programme_office
    mail = OutgoingMessage.objects.get(recipient=assignment.expert, subject__contains="zurückgezogen")
    assert REASON in mail.body_text
    assert "Gesunde Lausitz" in mail.body_text
    # An ended assignment has no withdraw page any more.
    assert client.get(withdraw_url(assignment)).status_code == 404


def test_a_submitted_review_cannot_be_withdrawn(client, cycle, rubric, programme_office):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    submitted_review(assignment, 4)
    client.force_login(programme_office)
    refused = client.post(withdraw_url(assignment), {"reason": REASON})
    assert refused.status_code == 422
    assert "Ein abgegebenes Gutachten kann nicht zurückgezogen werden." in refused.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.CLEARED
    assert not OutgoingMessage.objects.filter(subject__contains="zurückgezogen").exists()


def test_an_assignment_of_another_cycle_is_not_found(client, submitted, programme_office):
    assignment = cleared_assignment(submitted[0])
    other_cycle = EvaluationCycleFactory(slug="zwischenbegutachtung-2027", name="Zwischenbegutachtung 2027")
    client.force_login(programme_office)
    url = reverse("reviews:office_withdraw", args=[other_cycle.slug, assignment.pk])
    assert client.get(url).status_code == 404
