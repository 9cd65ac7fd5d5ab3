"""The stored weighted score and the strategy score summary: one definition, kept right by every change."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.models import Strategy
from reviews import aggregates, services
from reviews.models import Review, Score, StrategyScoreSummary
from reviews.scoring import refresh_score_summaries, stale_figures, store_weighted_scores, weighted_score
from tests.factories import (
    AssignmentFactory,
    CriterionFactory,
    ReviewFactory,
    RubricVersionFactory,
    ScoreFactory,
    SubmissionFactory,
    cleared_assignment,
    resubmit,
    submitted_review,
)

pytestmark = pytest.mark.django_db


def reference_score(criteria, points):
    """The definition in plain Python: sum(weight × normalised points) / sum(weight) × 100 over the scored
    criteria; None when none is scored."""
    pairs = [
        (weight, (value - low) / (high - low))
        for (weight, low, high, _na), value in zip(criteria, points, strict=True)
        if value is not None
    ]
    if not pairs:
        return None
    return sum(weight * normalised for weight, normalised in pairs) / sum(weight for weight, _n in pairs) * 100


@st.composite
def rubric_and_points(draw):
    """Criteria (weight 1–10, scale_min < scale_max, maybe allowing n/a) and reviews' points (None = n/a or not
    scored) for them."""
    criteria = []
    for _ in range(draw(st.integers(1, 5))):
        low = draw(st.integers(0, 5))
        criteria.append((draw(st.integers(1, 10)), low, draw(st.integers(low + 1, 12)), draw(st.booleans())))
    reviews = draw(
        st.lists(
            st.tuples(*[st.one_of(st.none(), st.integers(low, high)) for _w, low, high, _na in criteria]),
            min_size=1,
            max_size=4,
        )
    )
    return criteria, reviews


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rubric_and_points())
def test_property_the_stored_score_equals_the_definition_and_the_old_annotation(cycle, data):
    criteria, reviews = data
    with transaction.atomic():
        snapshot = SubmissionFactory(strategy__cycle=cycle)
        rubric = RubricVersionFactory(cycle=cycle)
        made = [
            CriterionFactory(rubric=rubric, weight=w, scale_min=low, scale_max=high, allows_not_applicable=na)
            for w, low, high, na in criteria
        ]
        built = []
        for points in reviews:
            review = Review.objects.create(
                assignment=AssignmentFactory(strategy=snapshot.strategy), submission=snapshot, rubric=rubric
            )
            Score.objects.bulk_create(
                Score(
                    review=review,
                    criterion=criterion,
                    value=value,
                    # A criterion without "n/a" is left unscored instead; both are out of the sums.
                    not_applicable=value is None and criterion.allows_not_applicable,
                )
                for criterion, value in zip(made, points, strict=True)
            )
            built.append(review)
        assert store_weighted_scores(Review.objects.filter(submission=snapshot)) == len(reviews)
        stored = dict(Review.objects.filter(submission=snapshot).values_list("pk", "weighted_score"))
        annotated = dict(
            Review.objects.filter(submission=snapshot)
            .annotate(annotated=weighted_score())
            .values_list("pk", "annotated")
        )
        for review, points in zip(built, reviews, strict=True):
            expected = reference_score(criteria, points)
            if expected is None:
                assert stored[review.pk] is None and annotated[review.pk] is None
            else:
                assert stored[review.pk] == pytest.approx(expected, abs=1e-9)
                assert stored[review.pk] == pytest.approx(annotated[review.pk], abs=1e-9)
                assert 0 <= stored[review.pk] <= 100
        assert set(Review.objects.filter(submission=snapshot).values_list("weighted_score_rubric", flat=True)) == {
            rubric.pk
        }
        transaction.set_rollback(True)


@pytest.fixture
def assignment(submitted):
    return cleared_assignment(submitted[0])


def summary_of(strategy):
    return StrategyScoreSummary.objects.filter(strategy=strategy).values_list("review_count", "score_mean").first()


def test_saving_a_draft_stores_its_weighted_score(rubric, submitted, assignment):
    review = services.open_review(assignment=assignment, user=assignment.expert)
    assert Review.objects.get(pk=review.pk).weighted_score is None
    criteria = list(rubric.criteria.all())
    scores = {criteria[0].pk: (5, False, "Begründung")}
    review = services.save_review_draft(
        review=review, user=assignment.expert, scores=scores, fields={}, expected_version=review.version
    )
    assert (review.weighted_score, review.weighted_score_rubric_id) == (100.0, rubric.pk)
    scores[criteria[1].pk] = (0, False, "Begründung")
    review = services.save_review_draft(
        review=review, user=assignment.expert, scores=scores, fields={}, expected_version=review.version
    )
    # Both criteria weigh 15: (15·100 + 15·0) / 30.
    assert Review.objects.get(pk=review.pk).weighted_score == pytest.approx(50.0)


def test_submit_and_reopen_refresh_the_strategy_summary(submitted, assignment, programme_office):
    strategy, _submission = submitted
    assert summary_of(strategy) in (None, (0, None))
    review = submitted_review(assignment, 4)
    assert summary_of(strategy) == (1, pytest.approx(80.0))
    services.reopen_review(review=review, user=programme_office, reason="Bitte ergänzen.")
    assert summary_of(strategy) == (0, None)


def test_a_new_snapshot_leaves_the_older_reviews_out_of_the_summary(submitted, assignment, programme_office):
    strategy, _submission = submitted
    submitted_review(assignment, 4)
    assert summary_of(strategy)[0] == 1
    resubmit(strategy, programme_office)
    assert summary_of(strategy) == (0, None)
    assert aggregates.strategy_statistics(Strategy.objects.filter(pk=strategy.pk)).get().review_count == 0


def test_withdrawing_an_assignment_refreshes_the_summary(submitted, assignment, programme_office):
    strategy, _submission = submitted
    submitted_review(assignment, 4)
    other = cleared_assignment(strategy)
    services.withdraw_assignment(assignment=other, user=programme_office, reason="Ersatz gefunden.")
    assert summary_of(strategy) == (1, pytest.approx(80.0))


def test_editing_a_rubric_in_place_rescores_its_drafts(cycle, rubric, submitted, assignment):
    review = services.open_review(assignment=assignment, user=assignment.expert)
    criteria = list(rubric.criteria.order_by("position"))
    scores = {criteria[0].pk: (5, False, "Begründung"), criteria[-1].pk: (0, False, "Begründung")}
    services.save_review_draft(
        review=review, user=assignment.expert, scores=scores, fields={}, expected_version=review.version
    )
    # Weights 15 and 10: (15·100 + 10·0) / 25 = 60.
    assert Review.objects.get(pk=review.pk).weighted_score == pytest.approx(60.0)
    kept = [
        {
            "code": c.code,
            "position": c.position,
            "title": c.title,
            "title_en": c.title_en,
            "guiding_questions": c.guiding_questions,
            "weight": c.weight,
        }
        for c in criteria[:-1]
    ]
    services.replace_rubric(cycle=cycle, criteria=kept)
    assert Review.objects.get(pk=review.pk).weighted_score == pytest.approx(100.0)


def test_the_database_refuses_a_score_off_the_range_or_of_another_rubric(cycle, rubric, submitted, assignment):
    review = submitted_review(assignment, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(weighted_score=100.5)
    other = RubricVersionFactory(cycle=cycle, number=rubric.number + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(weighted_score_rubric=other)


def test_the_check_names_a_review_and_a_strategy_whose_stored_figures_are_stale(submitted, assignment):
    strategy, _submission = submitted
    review = submitted_review(assignment, 3)
    assert stale_figures() == (None, None)
    Review.objects.filter(pk=review.pk).update(weighted_score=12.5)
    assert stale_figures()[0] == review.pk
    store_weighted_scores(Review.objects.filter(pk=review.pk))
    StrategyScoreSummary.objects.filter(strategy=strategy).update(score_median=1.0)
    assert stale_figures() == (None, strategy.pk)
    StrategyScoreSummary.objects.filter(strategy=strategy).delete()
    assert stale_figures() == (None, strategy.pk)
    refresh_score_summaries(strategy_ids=[strategy.pk])
    assert stale_figures() == (None, None)


def test_the_data_migration_fills_scores_and_summaries_of_existing_rows(submitted, assignment):
    strategy, _submission = submitted
    review = submitted_review(assignment, 4)
    Review.objects.filter(pk=review.pk).update(weighted_score=None, weighted_score_rubric=None)
    StrategyScoreSummary.objects.all().delete()
    migration = importlib.import_module("reviews.migrations.0003_fill_weighted_scores")
    migration.fill(global_apps, SimpleNamespace(connection=connection))
    assert Review.objects.get(pk=review.pk).weighted_score == pytest.approx(80.0)
    assert summary_of(strategy) == (1, pytest.approx(80.0))


def test_the_factories_store_what_the_services_would(cycle, submitted):
    strategy, submission = submitted
    rubric = RubricVersionFactory(cycle=cycle)
    criterion = CriterionFactory(rubric=rubric, weight=3, scale_min=1, scale_max=3)
    review = ReviewFactory(assignment=AssignmentFactory(strategy=strategy), submission=submission, rubric=rubric)
    assert review.weighted_score is None
    ScoreFactory(review=review, criterion=criterion, value=2)
    assert Review.objects.get(pk=review.pk).weighted_score == pytest.approx(50.0)
    assert summary_of(strategy) == (1, pytest.approx(50.0))
