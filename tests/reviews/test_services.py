import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.exceptions import Conflict
from portal.models import Role
from reviews import services
from reviews.models import AssignmentStatus, Review, ReviewStatus, Score
from tests.factories import (
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    submitted_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(submitted):
    return cleared_assignment(submitted[0])


def test_factories_build_a_submitted_review_against_the_programme_rubric(submitted, assignment):
    _strategy, submission = submitted
    review = submitted_review(assignment, 4, not_applicable=())
    assert assignment.status == AssignmentStatus.CLEARED
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submission == submission
    assert review.scores.count() == 8
    assert services.rubric_is_locked(review.rubric)


def draft_input(rubric, points=3):
    scores = {criterion.pk: (points, False, "Begründung") for criterion in rubric.criteria.all()}
    return scores, {"recommendation": "fund", "strengths": f"Stärken {points}"}


def test_review_for_reading_of_a_fresh_assignment_is_an_unsaved_draft_and_writes_nothing(rubric, submitted, assignment):
    _strategy, submission = submitted
    with CaptureQueriesContext(connection) as queries:
        reading = services.review_for_reading(assignment=assignment)
    assert queries.captured_queries
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)
    assert reading.is_new and not reading.older_draft
    assert (reading.review.version, reading.review.submission, reading.review.rubric) == (
        services.NEW_DRAFT_VERSION,
        submission,
        rubric,
    )
    assert reading.scores == []
    assert not Review.objects.exists() and not Review.history.exists()


def test_review_for_reading_before_the_declaration_is_refused(submitted):
    strategy, _submission = submitted
    assignment = services.assign_expert(
        strategy=strategy, expert=ExpertProfileFactory().user, user=UserFactory(role=Role.PROGRAMME_OFFICE)
    )
    with pytest.raises(services.ReviewLocked):
        services.review_for_reading(assignment=assignment)


def first_save(assignment, rubric, points=3, submit=False, expected_version=services.NEW_DRAFT_VERSION, **fields):
    """The expert's first save of the review (or its submission), typed as `draft_input` with `fields` changed."""
    scores, typed = draft_input(rubric, points)
    start = services.start_and_submit_review if submit else services.start_review_draft
    return start(
        assignment=assignment,
        user=assignment.expert,
        scores=scores,
        fields={**typed, **fields},
        expected_version=expected_version,
    )


def test_saving_with_the_new_draft_version_creates_the_draft_once(rubric, submitted, assignment):
    _strategy, submission = submitted
    review = first_save(assignment, rubric)
    assert (review.submission, review.status, review.strengths) == (submission, ReviewStatus.DRAFT, "Stärken 3")
    with pytest.raises(services.ReviewConflict):
        first_save(assignment, rubric, points=1, submit=True)
    review.refresh_from_db()
    assert (review.status, review.strengths, Review.objects.count()) == (ReviewStatus.DRAFT, "Stärken 3", 1)


def test_a_refused_first_save_stores_no_draft(rubric, assignment):
    with pytest.raises(services.ReviewConflict):
        first_save(assignment, rubric, expected_version=1)
    with pytest.raises(ValidationError):
        first_save(assignment, rubric, submit=True, recommendation="")
    assert not Review.objects.exists() and not Score.objects.exists() and not Review.history.exists()


def test_a_stored_draft_is_saved_by_review_and_a_first_save_by_assignment(rubric, assignment):
    review = first_save(assignment, rubric, expected_version=0)
    scores, fields = draft_input(rubric, points=4)
    saved = services.save_review_draft(
        review=review, user=assignment.expert, scores=scores, fields=fields, expected_version=review.version
    )
    assert (saved.pk, saved.strengths, saved.version) == (review.pk, "Stärken 4", review.version + 1)
    with pytest.raises(services.ReviewConflict) as stale:
        services.save_review_draft(
            review=review, user=assignment.expert, scores=scores, fields=fields, expected_version=review.version
        )
    assert isinstance(stale.value, Conflict)
    assert stale.value.current.pk == review.pk
    assert "in einem anderen Tab" in stale.value.message
