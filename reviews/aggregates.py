"""Score aggregation in SQL: the one place that computes review scores and strategy statistics.

The dashboard, its exports, the charts and the dossiers read their numbers from here. Every number is computed
by the database, with constructs that PostgreSQL and SQLite both understand (scalar subqueries, window functions
ROW_NUMBER/COUNT/AVG, and STDDEV_POP, which Django registers on SQLite).

- A review's weighted score is sum(weight × normalised points) / sum(weight) × 100 over the criteria it
  scored; a criterion marked "not applicable" is left out of both sums, never counted as 0. Points are
  normalised onto 0–1 by the criterion's scale: (points − scale_min) / (scale_max − scale_min), which is
  points / scale_max for the programme's 0–5 scale.
- A review counts when it is submitted, recommends something other than abstention, belongs to an active
  assignment, is of the strategy's latest submitted snapshot and scores at least one criterion.
- Per strategy: number of counting reviews, mean, true median (the middle value, or the mean of the two
  middle values), minimum, maximum, spread (max − min), population standard deviation, the disagreement flag
  (spread above the threshold of the cycle's ReviewPolicy) and the counts of each recommendation.
"""

from decimal import Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils.translation import get_language

from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Recommendation, Review, ReviewPolicy, Score

# Used when a cycle has no ReviewPolicy yet; the same as ReviewPolicy.disagreement_threshold's default.
DEFAULT_DISAGREEMENT_THRESHOLD = ReviewPolicy._meta.get_field("disagreement_threshold").default

RECOMMENDATION_COUNTS = {
    "count_fund": Recommendation.FUND,
    "count_conditions": Recommendation.FUND_WITH_CONDITIONS,
    "count_reject": Recommendation.DO_NOT_FUND,
}


def _normalised_points(prefix=""):
    """A score's points on 0–100 by its criterion's scale (NULL when not applicable or unscored)."""
    value = Cast(F(f"{prefix}value"), FloatField())
    low = Cast(F(f"{prefix}criterion__scale_min"), FloatField())
    high = Cast(F(f"{prefix}criterion__scale_max"), FloatField())
    return (value - low) * Value(100.0) / (high - low)


def _applicable(prefix=""):
    return Q(**{f"{prefix}not_applicable": False, f"{prefix}value__isnull": False})


def _weighted_score():
    """A correlated subquery: the weighted 0–100 score of the review in the outer query."""
    weight = Cast(F("criterion__weight"), FloatField())
    scores = (
        Score.objects.filter(_applicable(), review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(weighted=Sum(weight * _normalised_points()) / Sum(weight))
        .values("weighted")
    )
    return Subquery(scores, output_field=FloatField())


def review_scores(reviews):
    """`reviews` annotated with `weighted_score` (0–100; NULL when every criterion is "not applicable")."""
    return reviews.annotate(weighted_score=_weighted_score())


def counting_reviews():
    """The reviews that count for a strategy's statistics (see the module docstring)."""
    scored = Score.objects.filter(_applicable(), review=OuterRef("pk"))
    return (
        Review.objects.counting()
        .of_latest_snapshot()
        .filter(assignment__status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .filter(Exists(scored))
    )


class _OverScores(Subquery):
    """(SELECT <function> FROM (<one strategy's scored reviews>) WHERE <condition>) — one statistic per strategy.

    The inner query selects the column `weighted_score`, and for the median `position` and `total` too.
    """

    template = '(SELECT %(function)s FROM (%(subquery)s) "scored_reviews" WHERE %(condition)s)'

    def __init__(self, queryset, *, function, condition="1 = 1", output_field=None):
        super().__init__(queryset, output_field=output_field or FloatField(), function=function, condition=condition)


# The middle row when the count is odd, the two middle rows when it is even.
MEDIAN_ROWS = '2 * "position" >= "total" AND 2 * "position" <= "total" + 2'


def _scored_reviews_of_outer_strategy():
    return review_scores(counting_reviews().filter(assignment__strategy=OuterRef("pk"))).order_by()


def _ranked(reviews):
    """Each review's `position` by weighted score (1-based) and the `total` number of reviews."""
    return reviews.annotate(
        position=Window(RowNumber(), order_by=[F("weighted_score").asc(), F("pk").asc()]),
        total=Window(Count("pk")),
    ).values("weighted_score", "position", "total")


def _recommendation_count(recommendation):
    reviews = (
        counting_reviews()
        .filter(assignment__strategy=OuterRef("pk"), recommendation=recommendation)
        .order_by()
        .values("assignment__strategy")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(reviews, output_field=IntegerField()), Value(0))


def _threshold():
    policy = ReviewPolicy.objects.filter(cycle=OuterRef("cycle")).values("disagreement_threshold")[:1]
    return Coalesce(Cast(Subquery(policy), FloatField()), Value(float(DEFAULT_DISAGREEMENT_THRESHOLD)))


def strategy_statistics(strategies):
    """`strategies` annotated with their score statistics and recommendation counts, all computed in SQL.

    Adds review_count, score_mean, score_median, score_min, score_max, score_spread, score_stddev (NULL without
    counting reviews), disagreement (bool) and count_fund, count_conditions, count_reject.
    """
    reviews = _scored_reviews_of_outer_strategy()
    rows = reviews.values("weighted_score")
    return strategies.annotate(
        review_count=Coalesce(_OverScores(rows, function="COUNT(*)", output_field=IntegerField()), Value(0)),
        score_mean=_OverScores(rows, function='AVG("weighted_score")'),
        score_median=_OverScores(_ranked(reviews), function='AVG("weighted_score")', condition=MEDIAN_ROWS),
        score_min=_OverScores(rows, function='MIN("weighted_score")'),
        score_max=_OverScores(rows, function='MAX("weighted_score")'),
        score_spread=_OverScores(rows, function='MAX("weighted_score") - MIN("weighted_score")'),
        score_stddev=_OverScores(rows, function='STDDEV_POP("weighted_score")'),
        **{name: _recommendation_count(value) for name, value in RECOMMENDATION_COUNTS.items()},
    ).annotate(
        disagreement=Case(When(score_spread__gt=_threshold(), then=Value(True)), default=Value(False)),
    )


def criterion_means(*, cycle, strategy=None):
    """Mean normalised points (0–100) per strategy and criterion code over the counting reviews of `cycle`.

    Returns dicts with strategy_id, code, title (in the active language), mean_normalised and count, ordered by
    the criteria's position. "Not applicable" scores are left out; a criterion nobody could score has no row.
    """
    reviews = counting_reviews().filter(assignment__strategy__cycle=cycle)
    if strategy is not None:
        reviews = reviews.filter(assignment__strategy=strategy)
    # The cycle's own database (the default router's choice for a hint instance).
    rows = criterion_mean_rows(reviews, using=cycle).order_by("position", "code", "strategy_id")
    english = (get_language() or "de").startswith("en")
    result = []
    for row in rows:
        title_de, title_en = row.pop("title_de"), row.pop("title_en")
        row["title"] = title_en if english and title_en else title_de
        result.append(row)
    return result


def criterion_mean_rows(reviews, *, using=None):
    """The applicable scores of `reviews` grouped per strategy and criterion code, unordered: strategy_id, code,
    title_de, title_en, position, mean_normalised (0–100) and count. `using` is a hint instance for the database."""
    manager = Score.objects.db_manager(hints={"instance": using}) if using is not None else Score.objects
    return (
        manager.filter(_applicable(), review__in=reviews)
        .values(strategy_id=F("review__assignment__strategy_id"), code=F("criterion__code"))
        .annotate(
            title_de=Max("criterion__title"),
            title_en=Max("criterion__title_en"),
            position=Min("criterion__position"),
            mean_normalised=Avg(_normalised_points()),
            count=Count("pk"),
        )
        .order_by()
    )


def disagreement_threshold(cycle):
    """The cycle's threshold on the 0–100 scale, as the statistics apply it."""
    policy = ReviewPolicy.objects.filter(cycle=cycle).values_list("disagreement_threshold", flat=True).first()
    return Decimal(policy if policy is not None else DEFAULT_DISAGREEMENT_THRESHOLD)
