"""The expert's binding submission of a review goes through a confirmation page: "Abgeben" saves the input and
shows what is submitted; only the page's post submits, once."""

import pytest
from django.urls import reverse

from portal.models import Role
from reviews import services
from reviews.models import Review, ReviewStatus
from tests.factories import UserFactory, cleared_assignment
from tests.reviews.test_expert_views import post_form, review_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleared(submitted):
    return cleared_assignment(submitted[0], office=UserFactory(role=Role.PROGRAMME_OFFICE))


def pressed_abgeben(client, assignment):
    """The expert fills in the form and presses "Abgeben"; returns the response and the stored draft."""
    client.force_login(assignment.expert)
    unsaved = services.review_for_reading(assignment=assignment).review
    response = post_form(client, assignment, unsaved, points=4, submit="1")
    return response, Review.objects.get(assignment=assignment)


def submit_url(assignment):
    return reverse("reviews:review_submit", args=[assignment.pk])


def test_abgeben_saves_the_draft_and_leads_to_the_confirmation_page_without_submitting(client, cleared):
    response, review = pressed_abgeben(client, cleared)
    assert response.status_code == 302 and response.url == submit_url(cleared)
    assert review.status == ReviewStatus.DRAFT
    page = client.get(submit_url(cleared)).content.decode()
    assert cleared.strategy.alliance.name in page
    assert "nicht mehr ändern" in page and "nicht rückgängig machen" in page
    assert "Eine E-Mail wird dabei nicht versandt." in page
    assert "4 / 5" in page
    assert f'name="version" value="{review.version}"' in page
    # Cancelling leads back to the form; the review stays a draft.
    assert f'href="{reverse("reviews:review", args=[cleared.pk])}"' in page
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_the_confirmation_page_submits_once_and_a_second_post_says_it_is_done(client, cleared):
    _response, review = pressed_abgeben(client, cleared)
    first = client.post(submit_url(cleared), {"version": review.version}, follow=True)
    assert "Ihr Gutachten ist abgegeben." in first.content.decode()
    review.refresh_from_db()
    submitted_at = review.submitted_at
    assert review.status == ReviewStatus.SUBMITTED
    second = client.post(submit_url(cleared), {"version": review.version}, follow=True)
    assert second.status_code == 200
    assert "Ihr Gutachten ist bereits abgegeben." in second.content.decode()
    review.refresh_from_db()
    assert review.submitted_at == submitted_at
    assert review.history.filter(status=ReviewStatus.SUBMITTED).count() == 1


def test_a_draft_changed_after_the_page_was_shown_is_refused_with_what_to_do(client, cleared):
    _response, review = pressed_abgeben(client, cleared)
    shown = review.version
    client.post(reverse("reviews:review", args=[cleared.pk]), review_post(review, save="1", strengths="Neu."))
    response = client.post(submit_url(cleared), {"version": shown})
    assert response.status_code == 409
    assert "bestätigen Sie die Abgabe erneut" in response.content.decode()
    review.refresh_from_db()
    assert review.status == ReviewStatus.DRAFT


def test_the_confirmation_page_without_a_saved_draft_sends_the_expert_to_the_form(client, cleared):
    client.force_login(cleared.expert)
    response = client.get(submit_url(cleared), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reviews:review", args=[cleared.pk])
    assert "danach bestätigen Sie die Abgabe hier" in response.content.decode()
