"""Score aggregation in SQL: the one place that computes review scores and strategy statistics.

The dashboard, its exports, the charts and the dossiers read their numbers from here. Every number is computed
by the database. A review's weighted score is computed once and stored (Review.weighted_score, defined and
written in reviews.scoring); a strategy's statistics are stored in its StrategyScoreSummary, refreshed by one
grouped query in the transaction of every change that can alter them (PostgreSQL's percentile_cont for the
median; the ROW_NUMBER approach on SQLite).

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
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber
from django.utils.translation import get_language

from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, Recommendation, Review, ReviewPolicy, Score
from reviews.scoring import applicable, normalised_points

# Used when a cycle has no ReviewPolicy yet; the same as ReviewPolicy.disagreement_threshold's default.
DEFAULT_DISAGREEMENT_THRESHOLD = ReviewPolicy._meta.get_field("disagreement_threshold").default

RECOMMENDATION_COUNTS = {
    "count_fund": Recommendation.FUND,
    "count_conditions": Recommendation.FUND_WITH_CONDITIONS,
    "count_reject": Recommendation.DO_NOT_FUND,
}


def counting_reviews():
    """The reviews that count for a strategy's statistics (see the module docstring).

    A stored weighted score is set exactly when the review scores at least one criterion (reviews.scoring).
    """
    return (
        Review.objects.counting()
        .of_latest_snapshot()
        .filter(assignment__status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .filter(weighted_score__isnull=False)
    )


class _OverScores(Subquery):
    """(SELECT <function> FROM (<one strategy's scored reviews>) WHERE <condition>) — one statistic per strategy.

    The inner query selects the column `weighted_score`, `position` and `total`.
    """

    template = '(SELECT %(function)s FROM (%(subquery)s) "scored_reviews" WHERE %(condition)s)'

    def __init__(self, queryset, *, function, condition="1 = 1", output_field=None):
        super().__init__(queryset, output_field=output_field or FloatField(), function=function, condition=condition)


# The middle row when the count is odd, the two middle rows when it is even.
MEDIAN_ROWS = '2 * "position" >= "total" AND 2 * "position" <= "total" + 2'


def median_of_outer_strategy(outer="pk"):
    """The median weighted score of the counting reviews of the strategy whose id is the outer query's `outer`,
    by ROW_NUMBER (for databases without percentile_cont)."""
    reviews = counting_reviews().filter(assignment__strategy=OuterRef(outer)).order_by()
    ranked = reviews.annotate(
        position=Window(RowNumber(), order_by=[F("weighted_score").asc(), F("pk").asc()]),
        total=Window(Count("pk")),
    ).values("weighted_score", "position", "total")
    return _OverScores(ranked, function='AVG("weighted_score")', condition=MEDIAN_ROWS)


def _threshold():
    policy = ReviewPolicy.objects.filter(cycle=OuterRef("cycle")).values("disagreement_threshold")[:1]
    return Coalesce(Cast(Subquery(policy), FloatField()), Value(float(DEFAULT_DISAGREEMENT_THRESHOLD)))


def strategy_statistics(strategies):
    """`strategies` annotated with their score statistics and recommendation counts.

    Adds review_count, score_mean, score_median, score_min, score_max, score_spread, score_stddev (NULL without
    counting reviews), disagreement (bool) and count_fund, count_conditions, count_reject. They are read from
    each strategy's StrategyScoreSummary (one join), which reviews.scoring keeps equal to the definition above.
    """
    summary = "score_summary__"
    return strategies.annotate(
        review_count=Coalesce(F(f"{summary}review_count"), Value(0)),
        score_mean=F(f"{summary}score_mean"),
        score_median=F(f"{summary}score_median"),
        score_min=F(f"{summary}score_min"),
        score_max=F(f"{summary}score_max"),
        score_spread=ExpressionWrapper(F(f"{summary}score_max") - F(f"{summary}score_min"), output_field=FloatField()),
        score_stddev=F(f"{summary}score_stddev"),
        **{name: Coalesce(F(f"{summary}{name}"), Value(0)) for name in RECOMMENDATION_COUNTS},
    ).annotate(
        disagreement=Case(When(score_spread__gt=_threshold(), then=Value(True)), default=Value(False)),
    )


def expected_reviews(outer="pk"):
    """Subquery: how many reviews the strategy at `outer` expects, one per active assignment."""
    return Subquery(
        Assignment.objects.filter(strategy=OuterRef(outer), status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .values("strategy")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )


def score_overview(strategy):
    """`strategy` with its score statistics (see strategy_statistics) and `reviews_expected`: what the pages where
    a Votum or a decision is taken show above the form. One query."""
    queryset = type(strategy)._default_manager.filter(pk=strategy.pk).annotate(reviews_expected=expected_reviews())
    return strategy_statistics(queryset).get()


def criterion_means(*, cycle, strategy=None):
    """Mean normalised points (0–100) per strategy and criterion code over the counting reviews of `cycle`.

    Returns dicts with strategy_id, code, title (in the active language), mean_normalised and count, ordered by
    the criteria's position. "Not applicable" scores are left out; a criterion nobody could score has no row.
    """
    reviews = counting_reviews().filter(assignment__strategy__cycle=cycle)
    if strategy is not None:
        reviews = reviews.filter(assignment__strategy=strategy)
    # The cycle's own database (the default router's choice for a hint instance).
    return titled(criterion_mean_rows(reviews, using=cycle).order_by("position", "code", "strategy_id"))


def titled(rows):
    """Each row with the criterion's `title` in the active language in place of title_de and title_en."""
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
        manager.filter(applicable(), review__in=reviews)
        .values(strategy_id=F("review__assignment__strategy_id"), code=F("criterion__code"))
        .annotate(
            title_de=Max("criterion__title"),
            title_en=Max("criterion__title_en"),
            position=Min("criterion__position"),
            mean_normalised=Avg(normalised_points()),
            count=Count("pk"),
        )
        .order_by()
    )


def disagreement_threshold(cycle):
    """The cycle's threshold on the 0–100 scale, as the statistics apply it."""
    policy = ReviewPolicy.objects.filter(cycle=cycle).values_list("disagreement_threshold", flat=True).first()
    return Decimal(policy if policy is not None else DEFAULT_DISAGREEMENT_THRESHOLD)
