"""A review's weighted score, computed once by the database and stored, and each strategy's score summary.

The weighted score is sum(weight × normalised points) / sum(weight) × 100 over the criteria the review scored;
a criterion marked "not applicable" (or not scored yet) is left out of both sums, never counted as 0. Points are
normalised onto 0–1 by the criterion's scale: (points − scale_min) / (scale_max − scale_min). The score is NULL
when no criterion is scored.

Every stored score comes from `store_weighted_scores`, and every summary row from `refresh_score_summaries`:
the services, the data migration, seeding, test factories and bulk builders call them, so the stored numbers
have one definition.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    F,
    FloatField,
    Max,
    Min,
    OuterRef,
    Q,
    StdDev,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce


def normalised_points(prefix=""):
    """A score's points on 0–100 by its criterion's scale (NULL when not applicable or unscored)."""
    value = Cast(F(f"{prefix}value"), FloatField())
    low = Cast(F(f"{prefix}criterion__scale_min"), FloatField())
    high = Cast(F(f"{prefix}criterion__scale_max"), FloatField())
    return (value - low) * Value(100.0) / (high - low)


def applicable(prefix=""):
    """The scores that enter the weighted score: scored and not marked "not applicable"."""
    return Q(**{f"{prefix}not_applicable": False, f"{prefix}value__isnull": False})


def weighted_score(score_model=None):
    """A correlated subquery: the weighted 0–100 score of the review in the outer query, from its Score rows
    (`score_model` is the Score model of a migration's state; the current one by default)."""
    if score_model is None:
        from reviews.models import Score as score_model

    weight = Cast(F("criterion__weight"), FloatField())
    scores = (
        score_model.objects.filter(applicable(), review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(weighted=Sum(weight * normalised_points()) / Sum(weight))
        .values("weighted")
    )
    return Subquery(scores, output_field=FloatField())


def store_weighted_scores(reviews):
    """Stores the weighted score of every review in the queryset `reviews`, with the rubric version it was
    computed against, in ONE UPDATE. Returns the number of reviews updated.

    Side effects: writes Review.weighted_score and weighted_score_rubric (no history row: both are derived).
    Call it in the transaction that changes a review's scores or its rubric's criteria.
    """
    # The Score model of the queryset's own registry, so a data migration's historical models work too.
    score_model = reviews.model._meta.apps.get_model("reviews", "Score")
    return reviews.order_by().update(weighted_score=weighted_score(score_model), weighted_score_rubric=F("rubric"))


class Median(Aggregate):
    """PostgreSQL's true median: the middle value, or the mean of the two middle values."""

    function = "percentile_cont"
    name = "Median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)%(filter)s"


def _summary_annotations(using):
    """The grouped statistics over a strategy's counting reviews, as annotations of a Strategy queryset (a
    strategy without counting reviews gets count 0 and NULL scores)."""
    from reviews import aggregates
    from reviews.models import Recommendation

    counting = Q(assignments__reviews__in=aggregates.counting_reviews().using(using).values("pk"))
    score = "assignments__reviews__weighted_score"
    recommendation = "assignments__reviews__recommendation"
    if connections[using].vendor == "postgresql":
        median = Median(score, filter=counting)
    else:
        # SQLite has no percentile_cont: the middle rows by ROW_NUMBER in a correlated subquery.
        median = aggregates.median_of_outer_strategy()

    def count(extra=None):
        return Count("assignments__reviews", filter=counting & extra if extra else counting)

    return {
        "review_count": count(),
        "score_mean": Avg(score, filter=counting),
        "score_median": median,
        "score_min": Min(score, filter=counting),
        "score_max": Max(score, filter=counting),
        "score_stddev": StdDev(score, filter=counting),
        "count_fund": count(Q(**{recommendation: Recommendation.FUND})),
        "count_conditions": count(Q(**{recommendation: Recommendation.FUND_WITH_CONDITIONS})),
        "count_reject": count(Q(**{recommendation: Recommendation.DO_NOT_FUND})),
    }


def _summary_rows(strategy_ids, using):
    """One grouped SELECT: the summary row of each strategy in `strategy_ids`, in SUMMARY_COLUMNS order."""
    from alliances.models import Strategy

    return (
        Strategy.objects.using(using)
        .filter(pk__in=strategy_ids)
        .order_by()
        .values("pk")
        .annotate(**_summary_annotations(using))
        .values_list(*SUMMARY_COLUMNS)
    )


# The summary's columns in the order of the grouped SELECT (the first is the primary key).
SUMMARY_COLUMNS = [
    "pk",
    "review_count",
    "score_mean",
    "score_median",
    "score_min",
    "score_max",
    "score_stddev",
    "count_fund",
    "count_conditions",
    "count_reject",
]


def _differs(stored, expected):
    """Q: the stored float differs from the expected one by more than 1e-9, or only one of them is NULL."""
    return (
        Q(**{f"{stored}__isnull": True, f"{expected}__isnull": False})
        | Q(**{f"{stored}__isnull": False, f"{expected}__isnull": True})
        | Q(**{f"{expected}__gt": F(stored) + TOLERANCE})
        | Q(**{f"{expected}__lt": F(stored) - TOLERANCE})
    )


TOLERANCE = 1e-9


def stale_figures(using=DEFAULT_DB_ALIAS):
    """ONE query: the pk of a review whose stored weighted score (or its rubric) differs from the definition,
    and the pk of a strategy whose summary differs from the grouped definition; None where all agree."""
    from alliances.models import Strategy
    from reviews.models import Review

    reviews = (
        Review.objects.using(using)
        .order_by()
        .annotate(expected=weighted_score())
        .filter(
            _differs("weighted_score", "expected")
            | Q(weighted_score__isnull=False, weighted_score_rubric__isnull=True)
            | ~Q(weighted_score_rubric=F("rubric"))
        )
        .values("pk")[:1]
    )
    stored = {f"stored_{name}": F(f"score_summary__{name}") for name in SUMMARY_COLUMNS[1:]}
    counts = ["review_count", "count_fund", "count_conditions", "count_reject"]
    floats = ["score_mean", "score_median", "score_min", "score_max", "score_stddev"]
    mismatch = Q()
    for name in counts:
        mismatch |= ~Q(**{name: Coalesce(F(f"stored_{name}"), Value(0))})
    for name in floats:
        mismatch |= _differs(f"stored_{name}", name)
    strategies = (
        Strategy.objects.using(using)
        .order_by()
        .annotate(**stored)
        .values("pk", *stored)
        .annotate(**_summary_annotations(using))
        .filter(mismatch)
        .values("pk")[:1]
    )
    review_sql, review_params = reviews.query.get_compiler(using=using).as_sql()
    strategy_sql, strategy_params = strategies.query.get_compiler(using=using).as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT ({review_sql}), ({strategy_sql})", (*review_params, *strategy_params))
        return cursor.fetchone()


def refresh_score_summaries(*, strategy_ids, using=DEFAULT_DB_ALIAS):
    """Recomputes the score summary of every strategy in `strategy_ids` with ONE statement (INSERT … SELECT
    grouped … ON CONFLICT DO UPDATE).

    Side effects: writes StrategyScoreSummary rows. Call it in the transaction of every change that can alter a
    strategy's counting reviews: review submit and reopen, assignment withdraw, a new snapshot; bulk builders
    call it after storing the weighted scores.
    """
    from reviews.models import StrategyScoreSummary

    strategy_ids = list(strategy_ids)
    if not strategy_ids:
        return
    connection = connections[using]
    select_sql, params = _summary_rows(strategy_ids, using).query.get_compiler(using=using).as_sql()
    quote = connection.ops.quote_name
    columns = ["strategy_id", *SUMMARY_COLUMNS[1:]]
    updates = ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in columns[1:])
    sql = (
        f"INSERT INTO {quote(StrategyScoreSummary._meta.db_table)} ({', '.join(quote(name) for name in columns)}) "
        f"{select_sql} ON CONFLICT ({quote('strategy_id')}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
