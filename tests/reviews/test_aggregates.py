"""Score aggregation: exact numbers on hand-made cases, properties with hypothesis, and the same SQL on SQLite."""

import math
import statistics
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.models import Strategy
from reviews import aggregates
from reviews.models import AssignmentStatus, Review, ReviewPolicy, ReviewStatus
from tests.factories import (
    AssignmentFactory,
    CriterionFactory,
    ExpertFactory,
    ReviewFactory,
    RubricVersionFactory,
    ScoreFactory,
    SubmissionFactory,
    SubmittedStrategyFactory,
    stored_figures,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def snapshot(cycle):
    return SubmissionFactory(strategy=SubmittedStrategyFactory(cycle=cycle))


@pytest.fixture
def rubric(cycle):
    """Weights 15/10/5; the third criterion has a 1–3 scale and may be "not applicable"."""
    rubric = RubricVersionFactory(cycle=cycle)
    CriterionFactory(rubric=rubric, code="a", title="Alpha", title_en="Alpha (en)", weight=15, position=1)
    CriterionFactory(rubric=rubric, code="b", title="Beta", weight=10, position=2)
    CriterionFactory(
        rubric=rubric,
        code="c",
        title="Gamma",
        weight=5,
        scale_min=1,
        scale_max=3,
        allows_not_applicable=True,
        position=3,
    )
    return rubric


@pytest.fixture
def percent_rubric(cycle):
    """One criterion on a 0–100 scale, so a review's weighted score equals its points."""
    rubric = RubricVersionFactory(cycle=cycle)
    CriterionFactory(rubric=rubric, code="p", weight=1, scale_min=0, scale_max=100)
    return rubric


def review(submission, rubric, points, **fields):
    """A review of `submission` with `points` by criterion code (None = "not applicable")."""
    fields.setdefault("assignment", AssignmentFactory(strategy=submission.strategy))
    made = ReviewFactory(submission=submission, rubric=rubric, **fields)
    for criterion in rubric.criteria.all():
        if criterion.code in points:
            value = points[criterion.code]
            ScoreFactory(review=made, criterion=criterion, value=value, not_applicable=value is None)
    return made


def weighted(made):
    return Review.objects.get(pk=made.pk).weighted_score


def stats_of(strategy):
    return aggregates.strategy_statistics(Strategy.objects.filter(pk=strategy.pk)).get()


# --- Per review -------------------------------------------------------------------------------------------


def test_weighted_score_weights_each_criterion_on_its_own_scale(snapshot, rubric):
    # a: 4/5 = 80 (×15), b: 2/5 = 40 (×10), c: 3 on 1–3 = 100 (×5) → (1200 + 400 + 500) / 30
    assert weighted(review(snapshot, rubric, {"a": 4, "b": 2, "c": 3})) == pytest.approx(70.0)


def test_not_applicable_criterion_is_left_out_not_counted_as_zero(snapshot, rubric):
    not_applicable = weighted(review(snapshot, rubric, {"a": 4, "b": 2, "c": None}))
    at_scale_minimum = weighted(review(snapshot, rubric, {"a": 4, "b": 2, "c": 1}))
    assert not_applicable == pytest.approx((1200 + 400) / 25)
    assert at_scale_minimum == pytest.approx((1200 + 400) / 30)
    assert not_applicable > at_scale_minimum


def test_scale_minimum_is_zero_and_scale_maximum_is_one_hundred(snapshot, rubric):
    assert weighted(review(snapshot, rubric, {"a": 0, "b": 0, "c": 1})) == pytest.approx(0.0)
    assert weighted(review(snapshot, rubric, {"a": 5, "b": 5, "c": 3})) == pytest.approx(100.0)


def test_a_review_with_every_criterion_not_applicable_has_no_score_and_does_not_count(cycle, snapshot):
    rubric = RubricVersionFactory(cycle=cycle)
    CriterionFactory(rubric=rubric, code="x", allows_not_applicable=True)
    empty = review(snapshot, rubric, {"x": None})
    assert weighted(empty) is None
    assert stats_of(snapshot.strategy).review_count == 0


# --- Per strategy -----------------------------------------------------------------------------------------


def test_statistics_of_three_reviews_odd_median(snapshot, percent_rubric):
    for points, recommendation in ((10, "reject"), (80, "fund"), (30, "conditions")):
        review(snapshot, percent_rubric, {"p": points}, recommendation=recommendation)
    stats = stats_of(snapshot.strategy)
    assert stats.review_count == 3
    assert stats.score_mean == pytest.approx(40.0)
    assert stats.score_median == pytest.approx(30.0)
    assert (stats.score_min, stats.score_max, stats.score_spread) == (
        pytest.approx(10),
        pytest.approx(80),
        pytest.approx(70),
    )
    assert stats.score_stddev == pytest.approx(math.sqrt(2600 / 3))
    assert (stats.count_fund, stats.count_conditions, stats.count_reject) == (1, 1, 1)


def test_even_median_is_the_mean_of_the_two_middle_scores(snapshot, percent_rubric):
    for points in (80, 10, 50, 30):
        review(snapshot, percent_rubric, {"p": points})
    stats = stats_of(snapshot.strategy)
    assert stats.score_median == pytest.approx(40.0)
    assert stats.score_mean == pytest.approx(42.5)


def test_median_with_ties_is_the_middle_value(snapshot, percent_rubric):
    for points in (10, 10, 20, 50):
        review(snapshot, percent_rubric, {"p": points})
    assert stats_of(snapshot.strategy).score_median == pytest.approx(15.0)


def test_single_review_has_zero_spread_and_deviation(snapshot, percent_rubric):
    review(snapshot, percent_rubric, {"p": 64})
    stats = stats_of(snapshot.strategy)
    assert (stats.score_median, stats.score_spread, stats.score_stddev) == (pytest.approx(64), 0, 0)
    assert stats.disagreement is False


def test_strategy_without_reviews_has_no_numbers_and_zero_counts(snapshot):
    stats = stats_of(snapshot.strategy)
    assert stats.review_count == 0
    assert stats.score_mean is None and stats.score_median is None and stats.score_spread is None
    assert stats.disagreement is False
    assert (stats.count_fund, stats.count_conditions, stats.count_reject) == (0, 0, 0)


def test_disagreement_is_a_spread_above_the_programme_office_threshold(cycle, snapshot, percent_rubric):
    review(snapshot, percent_rubric, {"p": 40})
    review(snapshot, percent_rubric, {"p": 70})
    assert stats_of(snapshot.strategy).disagreement is True  # 30 > default 25
    ReviewPolicy.objects.create(cycle=cycle, disagreement_threshold=Decimal("30"))
    assert stats_of(snapshot.strategy).disagreement is False  # 30 is not above 30
    ReviewPolicy.objects.filter(cycle=cycle).update(disagreement_threshold=Decimal("29.99"))
    assert stats_of(snapshot.strategy).disagreement is True
    assert aggregates.disagreement_threshold(cycle) == Decimal("29.99")


def test_only_submitted_counting_reviews_of_active_assignments_and_latest_snapshot_count(snapshot, percent_rubric):
    strategy = snapshot.strategy
    review(snapshot, percent_rubric, {"p": 60}, recommendation="fund")
    review(snapshot, percent_rubric, {"p": 0}, recommendation="abstain")
    review(snapshot, percent_rubric, {"p": 0}, status=ReviewStatus.DRAFT, recommendation="", submitted_at=None)
    review(
        snapshot,
        percent_rubric,
        {"p": 0},
        assignment=AssignmentFactory(strategy=strategy, status=AssignmentStatus.WITHDRAWN),
    )
    review(
        snapshot,
        percent_rubric,
        {"p": 0},
        assignment=AssignmentFactory(strategy=strategy, status=AssignmentStatus.CONFLICTED),
    )
    stats = stats_of(strategy)
    assert (stats.review_count, stats.score_median, stats.count_fund) == (1, pytest.approx(60), 1)

    # A resubmission: reviews of the older snapshot no longer count.
    newer = SubmissionFactory(strategy=strategy, number=2)
    review(newer, percent_rubric, {"p": 90}, recommendation="reject")
    stats = stats_of(strategy)
    assert (stats.review_count, stats.score_median, stats.count_fund, stats.count_reject) == (
        1,
        pytest.approx(90),
        0,
        1,
    )


def test_statistics_keep_strategies_apart(cycle, percent_rubric):
    first, second = SubmissionFactory(strategy__cycle=cycle), SubmissionFactory(strategy__cycle=cycle)
    review(first, percent_rubric, {"p": 20})
    review(second, percent_rubric, {"p": 90})
    review(second, percent_rubric, {"p": 70})
    rows = {row.pk: row for row in aggregates.strategy_statistics(Strategy.objects.filter(cycle=cycle))}
    assert rows[first.strategy_id].score_median == pytest.approx(20)
    assert rows[second.strategy_id].score_median == pytest.approx(80)
    assert rows[second.strategy_id].review_count == 2


# --- Per criterion ----------------------------------------------------------------------------------------


def test_criterion_means_per_strategy_leave_not_applicable_out(cycle, snapshot, rubric):
    review(snapshot, rubric, {"a": 5, "b": 1, "c": None})
    review(snapshot, rubric, {"a": 3, "b": 2, "c": 2})
    review(snapshot, rubric, {"a": 0, "b": 0, "c": 1}, recommendation="abstain")
    means = aggregates.criterion_means(cycle=cycle)
    assert [(m["code"], m["title"], m["count"]) for m in means] == [
        ("a", "Alpha", 2),
        ("b", "Beta", 2),
        ("c", "Gamma", 1),
    ]
    by_code = {m["code"]: m["mean_normalised"] for m in means}
    assert by_code == {"a": pytest.approx(80.0), "b": pytest.approx(30.0), "c": pytest.approx(50.0)}
    assert all(m["strategy_id"] == snapshot.strategy_id for m in means)
    with translation.override("en"):
        assert aggregates.criterion_means(cycle=cycle, strategy=snapshot.strategy)[0]["title"] == "Alpha (en)"


# --- Properties (PostgreSQL) ------------------------------------------------------------------------------

criterion_specs = st.lists(
    st.tuples(st.integers(1, 20), st.integers(0, 3), st.integers(1, 8)),  # weight, scale_min, scale width
    min_size=1,
    max_size=5,
)


@st.composite
def rubric_and_reviews(draw):
    specs = draw(criterion_specs)
    reviews = draw(
        st.lists(
            st.lists(st.one_of(st.none(), st.floats(0, 1)), min_size=len(specs), max_size=len(specs)).filter(
                lambda points: any(p is not None for p in points)
            ),
            min_size=1,
            max_size=6,
        )
    )
    return specs, [
        [None if p is None else round(p * width) for p, (_w, _m, width) in zip(points, specs, strict=True)]
        for points in reviews
    ]


def python_weighted(specs, points):
    pairs = [
        (weight, offset / width * 100)
        for (weight, _low, width), offset in zip(specs, points, strict=True)
        if offset is not None
    ]
    return sum(weight * value for weight, value in pairs) / sum(weight for weight, _v in pairs)


HYPOTHESIS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def spec_rubric(cycle, specs):
    """A rubric with a criterion for each (weight, scale_min, scale width) of `specs`, each allowing "not
    applicable"."""
    rubric = RubricVersionFactory(cycle=cycle)
    for weight, low, width in specs:
        CriterionFactory(rubric=rubric, weight=weight, scale_min=low, scale_max=low + width, allows_not_applicable=True)
    return rubric


def offset_review(submission, rubric, expert, offsets):
    """A review by `expert` with `offsets` above each criterion's scale minimum, in order (None = "not
    applicable")."""
    criteria = rubric.criteria.order_by("position")
    points = {c.code: None if o is None else c.scale_min + o for c, o in zip(criteria, offsets, strict=True)}
    return review(submission, rubric, points, assignment=AssignmentFactory(strategy=submission.strategy, expert=expert))


@pytest.fixture
def experts(db):
    return ExpertFactory.create_batch(6)


@HYPOTHESIS
@given(data=rubric_and_reviews())
def test_property_scores_stay_within_0_and_100_and_statistics_match_python(cycle, experts, data):
    specs, reviews = data
    with transaction.atomic():
        snapshot = SubmissionFactory(strategy__cycle=cycle)
        rubric = spec_rubric(cycle, specs)
        for expert, points in zip(experts, reviews, strict=False):
            offset_review(snapshot, rubric, expert, points)
        scores = list(Review.objects.filter(submission=snapshot).values_list("weighted_score", flat=True))
        expected = [python_weighted(specs, points) for points in reviews]
        assert all(0 <= score <= 100 + 1e-9 for score in scores)
        assert sorted(scores) == pytest.approx(sorted(expected))
        stats = stats_of(snapshot.strategy)
        assert stats.review_count == len(expected)
        assert stats.score_median == pytest.approx(statistics.median(expected))
        assert stats.score_mean == pytest.approx(statistics.fmean(expected))
        assert stats.score_stddev == pytest.approx(statistics.pstdev(expected), abs=1e-6)
        assert stats.score_spread == pytest.approx(max(expected) - min(expected))
        transaction.set_rollback(True)


@HYPOTHESIS
@given(specs=criterion_specs, points=st.lists(st.floats(0, 1), min_size=5, max_size=5), which=st.integers(0, 4))
def test_property_not_applicable_never_lowers_a_score(cycle, experts, specs, points, which):
    which %= len(specs)
    offsets = [round(p * width) for p, (_w, _m, width) in zip(points, specs, strict=False)]
    with transaction.atomic():
        snapshot = SubmissionFactory(strategy__cycle=cycle)
        rubric = spec_rubric(cycle, specs)

        def score_with(expert, marked_not_applicable):
            marked = [None if i == which and marked_not_applicable else o for i, o in enumerate(offsets)]
            return weighted(offset_review(snapshot, rubric, expert, marked))

        scored = score_with(experts[0], False)
        not_applicable = score_with(experts[1], True)
        lowest = [o if i != which else 0 for i, o in enumerate(offsets)]
        if len(specs) == 1:
            assert not_applicable is None
        else:
            # Left out: at least what the lowest possible points for that criterion would give.
            assert not_applicable >= python_weighted(specs, lowest) - 1e-9
            others = [None if i == which else o for i, o in enumerate(offsets)]
            assert not_applicable == pytest.approx(python_weighted(specs, others))
            assert 0 <= scored <= 100 + 1e-9
        transaction.set_rollback(True)


# --- The same SQL on SQLite -------------------------------------------------------------------------------


def test_the_same_statistics_on_sqlite(sqlite_connection):
    from portal.models import Role, User
    from reviews.models import Assignment, Criterion, RubricVersion, Score
    from tests.factories import submitted_snapshots_on

    db = sqlite_connection.alias
    assert sqlite_connection.vendor == "sqlite"
    cycle, office, [(strategy, snapshot)] = submitted_snapshots_on(db, ["s"])
    rubric = RubricVersion.objects.using(db).create(cycle=cycle, number=1)
    heavy = Criterion.objects.using(db).create(rubric=rubric, code="a", title="A", weight=3, scale_max=5)
    light = Criterion.objects.using(db).create(
        rubric=rubric, code="b", title="B", weight=1, scale_min=1, scale_max=3, allows_not_applicable=True
    )
    # Weighted: (3·80 + 1·100)/4 = 85; (3·20 + 1·0)/4 = 15; b n/a → 60; 100; abstention does not count.
    for letter, (a, b, recommendation) in zip(
        "ABCDE",
        [(4, 3, "fund"), (1, 1, "reject"), (3, None, "conditions"), (5, 3, "fund"), (0, 1, "abstain")],
        strict=True,
    ):
        expert = User.objects.using(db).create(email=f"{letter}@sqlite.example", role=Role.EXPERT)
        assignment = Assignment.objects.using(db).create(
            strategy=strategy, expert=expert, assigned_by=office, status="cleared", pseudonym=letter
        )
        made = Review.objects.using(db).create(
            assignment=assignment,
            submission=snapshot,
            rubric=rubric,
            status="submitted",
            recommendation=recommendation,
            submitted_at=cycle.submission_deadline,
        )
        Score.objects.using(db).create(review=made, criterion=heavy, value=a)
        Score.objects.using(db).create(review=made, criterion=light, value=b, not_applicable=b is None)
    stored_figures(reviews=Review.objects.using(db).filter(submission=snapshot))

    stats = aggregates.strategy_statistics(Strategy.objects.using(db).filter(pk=strategy.pk)).get()
    assert stats.review_count == 4
    assert stats.score_median == pytest.approx((60 + 85) / 2)
    assert stats.score_mean == pytest.approx((85 + 15 + 60 + 100) / 4)
    assert stats.score_spread == pytest.approx(85)
    assert stats.score_stddev == pytest.approx(statistics.pstdev([85, 15, 60, 100]))
    assert stats.disagreement is True
    assert (stats.count_fund, stats.count_conditions, stats.count_reject) == (2, 1, 1)
    means = {
        m["code"]: m["mean_normalised"]
        for m in aggregates.criterion_means(cycle=cycle)
        if m["strategy_id"] == strategy.pk
    }
    assert means == {"a": pytest.approx((80 + 20 + 60 + 100) / 4), "b": pytest.approx((100 + 0 + 100) / 3)}
