import pytest

from reviews import services
from reviews.models import AssignmentStatus, ReviewStatus
from tests.factories import (
    AllianceFactory,
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
