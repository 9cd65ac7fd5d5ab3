import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.exceptions import Conflict
from portal.models import Role
from reviews import services
from reviews.models import AssignmentStatus, Review, ReviewStatus, Score
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    UserFactory,
    cleared_assignment,
    programme_rubric,
    submitted_review,
    submitted_strategy,
)

pytestmark = pytest.mark.django_db


def test_factories_build_a_submitted_review_against_the_programme_rubric(cycle):
    programme_rubric(cycle)
    strategy, submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    review = submitted_review(assignment, 4, not_applicable=())
    assert assignment.status == AssignmentStatus.CLEARED
    assert review.status == ReviewStatus.SUBMITTED
    assert review.submission == submission
    assert review.scores.count() == 8
    assert services.rubric_is_locked(review.rubric)


def draft_input(rubric, points=3):
    scores = {criterion.pk: (points, False, "Begründung") for criterion in rubric.criteria.all()}
    return scores, {"recommendation": "fund", "strengths": f"Stärken {points}"}


def test_review_for_reading_of_a_fresh_assignment_is_an_unsaved_draft_and_writes_nothing(cycle):
    rubric = programme_rubric(cycle)
    strategy, submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
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


def test_review_for_reading_before_the_declaration_is_refused(cycle):
    programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    assignment = services.assign_expert(
        strategy=strategy, expert=ExpertProfileFactory().user, user=UserFactory(role=Role.PROGRAMME_OFFICE)
    )
    with pytest.raises(services.ReviewLocked):
        services.review_for_reading(assignment=assignment)


def test_saving_with_the_new_draft_version_creates_the_draft_once(cycle):
    rubric = programme_rubric(cycle)
    strategy, submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    scores, fields = draft_input(rubric)
    review = services.start_review_draft(
        assignment=assignment,
        user=assignment.expert,
        scores=scores,
        fields=fields,
        expected_version=services.NEW_DRAFT_VERSION,
    )
    assert (review.submission, review.status, review.strengths) == (submission, ReviewStatus.DRAFT, "Stärken 3")
    scores, fields = draft_input(rubric, points=1)
    with pytest.raises(services.ReviewConflict):
        services.start_and_submit_review(
            assignment=assignment,
            user=assignment.expert,
            scores=scores,
            fields=fields,
            expected_version=services.NEW_DRAFT_VERSION,
        )
    review.refresh_from_db()
    assert (review.status, review.strengths, Review.objects.count()) == (ReviewStatus.DRAFT, "Stärken 3", 1)


def test_a_refused_first_save_stores_no_draft(cycle):
    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    scores, fields = draft_input(rubric)
    with pytest.raises(services.ReviewConflict):
        services.start_review_draft(
            assignment=assignment, user=assignment.expert, scores=scores, fields=fields, expected_version=1
        )
    fields["recommendation"] = ""
    with pytest.raises(ValidationError):
        services.start_and_submit_review(
            assignment=assignment,
            user=assignment.expert,
            scores=scores,
            fields=fields,
            expected_version=services.NEW_DRAFT_VERSION,
        )
    assert not Review.objects.exists() and not Score.objects.exists() and not Review.history.exists()


def test_a_stored_draft_is_saved_by_review_and_a_first_save_by_assignment(cycle):
    rubric = programme_rubric(cycle)
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    assignment = cleared_assignment(strategy)
    scores, fields = draft_input(rubric)
    review = services.start_review_draft(
        assignment=assignment, user=assignment.expert, scores=scores, fields=fields, expected_version=0
    )
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
