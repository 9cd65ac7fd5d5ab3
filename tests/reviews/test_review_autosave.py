"""The review draft's autosave: it only ever saves the draft, and a conflict with another tab shows both versions."""

import json

import pytest
from django.urls import reverse

from reviews.models import Review, ReviewStatus
from reviews.selectors import review_for_reading
from tests.factories import cleared_assignment

pytestmark = pytest.mark.django_db

AUTOSAVE = {"HTTP_X_AUTOSAVE": "1"}


@pytest.fixture
def assignment(submitted):
    return cleared_assignment(submitted[0])


def complete_input(review, version, **extra):
    data = {"version": version, "recommendation": "fund", "strengths": "Stärken", "weaknesses": "Schwächen"}
    for criterion in review.rubric.criteria.all():
        data[f"score_{criterion.pk}"] = "4"
        data[f"justification_{criterion.pk}"] = "Nachvollziehbar."
    data.update(extra)
    return data


def reviewing(client, assignment):
    client.force_login(assignment.expert)
    return review_for_reading(assignment=assignment).review


def test_an_autosave_saves_the_draft_and_never_submits_it(client, assignment):
    review = reviewing(client, assignment)
    url = reverse("reviews:review", args=[assignment.pk])

    response = client.post(url, complete_input(review, review.version, submit="1"), **AUTOSAVE)

    assert response.status_code == 200
    stored = Review.objects.get(assignment=assignment)
    assert json.loads(response.content)["version"] == stored.version
    assert stored.status == ReviewStatus.DRAFT
    assert stored.strengths == "Stärken"


def test_an_autosave_after_another_tabs_save_shows_both_versions_and_keeps_the_stored_one(client, assignment):
    review = reviewing(client, assignment)
    url = reverse("reviews:review", args=[assignment.pk])
    first = client.post(url, complete_input(review, review.version, save="1", strengths="Aus dem ersten Tab."))
    assert first.status_code == 302

    response = client.post(url, complete_input(review, review.version, strengths="Aus dem zweiten Tab."), **AUTOSAVE)

    assert response.status_code == 409
    panel = response.content.decode()
    assert "an anderer Stelle (etwa in einem anderen Tab) gespeichert" in panel
    assert "Aus dem ersten Tab." in panel and "Aus dem zweiten Tab." in panel
    assert 'href="#id_strengths"' in panel
    assert 'href="#id_weaknesses"' not in panel
    stored = Review.objects.get(assignment=assignment)
    assert f'data-current-version="{stored.version}"' in panel
    assert stored.strengths == "Aus dem ersten Tab."


def test_a_stale_manual_save_shows_a_changed_score_by_its_label(client, assignment):
    review = reviewing(client, assignment)
    url = reverse("reviews:review", args=[assignment.pk])
    client.post(url, complete_input(review, review.version, save="1"))
    criterion = review.rubric.criteria.first()

    refused = client.post(url, complete_input(review, review.version, save="1", **{f"score_{criterion.pk}": "2"}))

    assert refused.status_code == 409
    page = refused.content.decode()
    assert f'href="#id_score_{criterion.pk}_0"' in page
    assert '<div class="form-conflict-value" data-stored>4 – ' in page
    assert '<div class="form-conflict-value" data-typed>2 – ' in page
