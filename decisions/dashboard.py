"""The ministry dashboard: one row per alliance of a cycle, in a fixed number of queries.

The page shows 100 rows at a time. What it computes (the rows of the page, the number of matching alliances, the
budget sums and the charts' data) is cached per cycle and figures version: every service that changes a figure
increments the version in its own transaction, so an entry is never read after a change is committed.
"""

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import Case, F, IntegerField, OuterRef, Prefetch, Subquery, Sum, Value, When
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from alliances.models import SECTION_FIELDS, BudgetLine, FederalState, Strategy, StrategyStatus
from decisions import charts
from decisions.charts import rounded
from decisions.models import DecisionStatus, FundingDecision
from decisions.selectors import confirmed_sum
from reviews import aggregates
from reviews.models import Recommendation

# Rows per page; a cycle of 24 alliances stays on one page.
PAGE_SIZE = 100
# Up to this many matching alliances the heat map has a row per alliance; above, it counts them per score band.
HEATMAP_ALLIANCES_MAX = 50
CACHE_SECONDS = 600
# Part of every cache key: increment it when the cached structures change, so no old entry is unpickled.
CACHE_FORMAT = 2

# URL sort keys, mapped to the annotated or model field they order by.
SORTS = {
    "alliance": "alliance__name",
    "status": "status",
    "reviews": "review_count",
    "mean": "score_mean",
    "median": "score_median",
    "spread": "score_spread",
    "requested": "budget_total",
    "votum": "votum__recommendation",
    "decision": "decision_status",
    "granted": "decision_amount",
}

COLUMNS = [
    ("alliance", _("Bündnis")),
    ("states", _("Bundesland")),
    ("innovation_field", _("Innovationsfeld")),
    ("status", _("Einreichung")),
    ("reviews", _("Gutachten (abgegeben / erwartet)")),
    ("mean", _("Mittelwert")),
    ("median", _("Median")),
    ("spread", _("Spannweite")),
    ("disagreement", _("Uneinigkeit")),
    ("recommendations", _("Empfehlungen (fördern / mit Auflagen / nicht fördern)")),
    ("votum", _("Votum")),
    ("requested", _("Beantragt (EUR)")),
    ("decision", _("Entscheidung")),
    ("granted", _("Bewilligt (EUR)")),
]


def _current_decision(field):
    return Subquery(
        FundingDecision.objects.filter(strategy=OuterRef("pk")).in_effect().order_by("-proposed_at").values(field)[:1]
    )


def dashboard_queryset(*, cycle):
    strategies = (
        Strategy.objects.filter(cycle=cycle)
        .select_related("alliance", "votum__pitch")
        # A plain list per alliance: `states.all()` would build a manager and clone a queryset for every row.
        .prefetch_related(
            Prefetch("alliance__states", queryset=FederalState.objects.order_by("name"), to_attr="states_by_name")
        )
        .defer(*SECTION_FIELDS)
        .with_budget_total()
        .annotate(
            reviews_expected=aggregates.expected_reviews(),
            decision_status=_current_decision("status"),
            decision_outcome=_current_decision("outcome"),
            decision_amount=_current_decision("granted_amount"),
        )
    )
    return aggregates.strategy_statistics(strategies)


@dataclass
class DashboardFilters:
    state: str = ""
    status: str = ""
    recommendation: str = ""
    sort: str = "alliance"


def _labelled(row):
    row.decision_status_label = DecisionStatus(row.decision_status).label if row.decision_status else ""
    return row


def rows_for(*, cycle, filters):
    """The dashboard rows, filtered and sorted, each with its decision status as a label."""
    return [_labelled(row) for row in filter_and_sort(dashboard_queryset(cycle=cycle), filters)]


def row_for(*, strategy):
    """The dashboard row of one strategy."""
    return _labelled(dashboard_queryset(cycle=strategy.cycle).get(pk=strategy.pk))


def _filtered(queryset, filters):
    if filters.state:
        queryset = queryset.filter(alliance__states__code=filters.state)
    if filters.status in StrategyStatus.values:
        queryset = queryset.filter(status=filters.status)
    if filters.recommendation in Recommendation.values:
        queryset = queryset.filter(votum__recommendation=filters.recommendation)
    return queryset


def filter_and_sort(queryset, filters):
    """`queryset` filtered and sorted; missing values sort last either way, ties by alliance name, then pk."""
    key = filters.sort.lstrip("-")
    field = SORTS.get(key, SORTS["alliance"])
    descending = filters.sort.startswith("-")
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return _filtered(queryset, filters).order_by(order, "alliance__name", "pk")


def normalised_filters(filters):
    """`filters` with every value the page would ignore replaced by its default: the same rows, one cache key."""
    key = filters.sort.lstrip("-")
    return DashboardFilters(
        state=filters.state,
        status=filters.status if filters.status in StrategyStatus.values else "",
        recommendation=filters.recommendation if filters.recommendation in Recommendation.values else "",
        sort=("-" if filters.sort.startswith("-") else "") + (key if key in SORTS else "alliance"),
    )


def _budget_sums(cycle):
    requested = BudgetLine.objects.filter(strategy__cycle=cycle).exclude(
        strategy__status=StrategyStatus.DRAFT
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    proposed = FundingDecision.objects.filter(strategy__cycle=cycle, status=DecisionStatus.PROPOSED).aggregate(
        total=Sum("granted_amount")
    )["total"] or Decimal("0")
    return {"requested": requested, "proposed": proposed, "confirmed": confirmed_sum(cycle)}


def budget_figures(*, cycle, sums):
    """The budget panel from the sums of `_budget_sums`; the budget itself is read with the cycle, never cached."""
    confirmed = sums["confirmed"]
    return {
        "budget": cycle.budget,
        **sums,
        "remaining": cycle.budget - confirmed,
        "over_budget": confirmed > cycle.budget,
    }


def budget_panel(*, cycle, rows=None):
    """The whole cycle's budget against the sums requested, proposed and confirmed, whatever the filters."""
    return budget_figures(cycle=cycle, sums=_budget_sums(cycle))


def recommendation_filter_choices():
    return [(value, label) for value, label in Recommendation.choices if value != Recommendation.ABSTAIN]


def export_row(row):
    """The values of one dashboard row as the page shows them, for CSV and XLSX."""
    return {
        "alliance": row.alliance.name,
        "states": ", ".join(state.name for state in row.alliance.states_by_name),
        "innovation_field": row.alliance.innovation_field,
        "status": str(StrategyStatus(row.status).label),  # get_status_display() rebuilds its choices per call
        "reviews": f"{row.review_count or 0} / {row.reviews_expected or 0}",
        "mean": rounded(row.score_mean),
        "median": rounded(row.score_median),
        "spread": rounded(row.score_spread),
        "disagreement": gettext("ja") if row.disagreement else gettext("nein"),
        "recommendations": f"{row.count_fund or 0} / {row.count_conditions or 0} / {row.count_reject or 0}",
        "votum": str(row.votum.get_recommendation_display()) if getattr(row, "votum", None) else "",
        "requested": rounded(row.budget_total, 2),
        "decision": str(row.decision_status_label),
        "granted": rounded(row.decision_amount, 2),
    }


def criterion_means(*, cycle, strategy=None):
    return aggregates.criterion_means(cycle=cycle, strategy=strategy)


# --- The page: plain rows and chart data, cached per figures version --------------------------------------


@dataclass(frozen=True)
class AllianceFacts:
    name: str
    slug: str
    innovation_field: str
    state_names: tuple


@dataclass(frozen=True)
class DashboardRow:
    """One row of the page as plain values, so it can be cached; labels follow the language at render time."""

    pk: int
    alliance: AllianceFacts
    status: str
    review_count: int
    reviews_expected: int | None
    score_mean: float | None
    score_median: float | None
    score_spread: float | None
    disagreement: bool
    count_fund: int
    count_conditions: int
    count_reject: int
    votum_recommendation: str
    budget_total: Decimal
    decision_status: str | None
    decision_amount: Decimal | None
    # The day of the jury session whose result the Votum is (None when the office wrote it); defaulted, so rows
    # cached before it existed still load.
    votum_pitch_day: date | None = None

    @property
    def status_label(self):
        return StrategyStatus(self.status).label

    @property
    def votum_label(self):
        return Recommendation(self.votum_recommendation).label if self.votum_recommendation else ""

    @property
    def decision_status_label(self):
        return DecisionStatus(self.decision_status).label if self.decision_status else ""


def _plain(row):
    alliance = row.alliance
    votum = getattr(row, "votum", None)
    return DashboardRow(
        pk=row.pk,
        alliance=AllianceFacts(
            name=alliance.name,
            slug=alliance.slug,
            innovation_field=alliance.innovation_field,
            state_names=tuple(state.name for state in alliance.states_by_name),
        ),
        status=row.status,
        review_count=row.review_count or 0,
        reviews_expected=row.reviews_expected,
        score_mean=row.score_mean,
        score_median=row.score_median,
        score_spread=row.score_spread,
        disagreement=bool(row.disagreement),
        count_fund=row.count_fund or 0,
        count_conditions=row.count_conditions or 0,
        count_reject=row.count_reject or 0,
        votum_recommendation=votum.recommendation if votum is not None else "",
        budget_total=row.budget_total,
        decision_status=row.decision_status,
        decision_amount=row.decision_amount,
        votum_pitch_day=timezone.localdate(votum.pitch.starts_at) if votum is not None and votum.pitch else None,
    )


@dataclass(frozen=True)
class DashboardFigures:
    """What one page of the dashboard computes: `rows` of page `number` of `count` matching alliances; `key` is
    the cache key it is stored under, which also names the page's rendered table and charts."""

    rows: tuple
    count: int
    number: int
    budget_sums: dict
    distribution: dict
    heatmap: dict
    key: str = ""

    def page(self):
        """The rows as a Page for the pagination partial, without a query."""
        return Page(list(self.rows), self.number, Paginator(range(self.count), PAGE_SIZE))


def score_points(*, strategies):
    """Each counting review's weighted score per strategy of `strategies` (ids or a queryset), for the
    distribution chart, in one query (the reviews the statistics count)."""
    reviews = (
        aggregates.counting_reviews()
        .filter(assignment__strategy__in=strategies)
        .order_by("assignment__pseudonym", "pk")
        .values("assignment__strategy_id", "assignment__pseudonym", "weighted_score")
    )
    points = {}
    for review in reviews:
        points.setdefault(review["assignment__strategy_id"], []).append(review)
    return points


def page_criterion_means(*, cycle, strategy_ids):
    """`criterion_means` of the strategies of one page, in one query."""
    reviews = aggregates.counting_reviews().filter(assignment__strategy_id__in=strategy_ids)
    return aggregates.titled(
        aggregates.criterion_mean_rows(reviews, using=cycle).order_by("position", "code", "strategy_id")
    )


def _band(field):
    """The score band 0–4 (0–20, 20–40, 40–60, 60–80, 80–100) of a value on 0–100."""
    width = 100 / charts.HEAT_BUCKETS
    whens = [When(**{f"{field}__lt": width * (band + 1)}, then=Value(band)) for band in range(charts.HEAT_BUCKETS - 1)]
    return Case(*whens, default=Value(charts.HEAT_BUCKETS - 1), output_field=IntegerField())


def criterion_band_counts(*, cycle, filters):
    """Per criterion code, how many of the matching alliances have their mean in each score band: dicts with code,
    title (active language) and counts (one per band), ordered by the criteria's position. One grouped query."""
    strategies = _filtered(Strategy.objects.filter(cycle=cycle), filters).values("pk")
    reviews = aggregates.counting_reviews().filter(assignment__strategy__in=strategies)
    means = aggregates.criterion_mean_rows(reviews, using=cycle).annotate(band=_band("mean_normalised"))
    connection = connections[means.db]
    inner, params = means.query.get_compiler(connection=connection).as_sql()
    q = connection.ops.quote_name
    # The inner query is Django's own compilation, with its parameters passed separately.
    sql = (
        f"SELECT {q('code')}, {q('band')}, MIN({q('position')}), MAX({q('title_de')}), MAX({q('title_en')}), "  # noqa: S608
        f"COUNT(*) FROM ({inner}) {q('criterion_means')} GROUP BY {q('code')}, {q('band')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    by_code = {}
    for code, band, position, title_de, title_en, count in found:
        criterion = by_code.setdefault(
            code,
            {"code": code, "title_de": title_de, "title_en": title_en, "position": position, "counts": [0] * 5},
        )
        criterion["position"] = min(criterion["position"], position)
        criterion["counts"][band] = count
    ordered = sorted(by_code.values(), key=lambda criterion: (criterion["position"], criterion["code"]))
    for criterion in ordered:
        del criterion["position"]
    return aggregates.titled(ordered)


def compute_figures(*, cycle, filters, number):
    """The page's figures from the database: count, page rows, their states, score points, heat map, budget."""
    queryset = filter_and_sort(dashboard_queryset(cycle=cycle), filters)
    page = Paginator(queryset, PAGE_SIZE).get_page(number)
    rows = tuple(_plain(row) for row in page.object_list)
    count = page.paginator.count
    ids = [row.pk for row in rows]
    if count > HEATMAP_ALLIANCES_MAX:
        heatmap = charts.criterion_bands(criteria=criterion_band_counts(cycle=cycle, filters=filters))
    else:
        heatmap = charts.criterion_heatmap(rows=rows, means=page_criterion_means(cycle=cycle, strategy_ids=ids))
    return DashboardFigures(
        rows=rows,
        count=count,
        number=page.number,
        budget_sums=_budget_sums(cycle),
        distribution=charts.score_distribution(rows=rows, points=score_points(strategies=ids)),
        heatmap=heatmap,
    )


def page_number(value):
    """The requested page as a number of at least 1 (`seite`); beyond the last page the last is shown."""
    try:
        return max(int(value), 1)
    except (TypeError, ValueError):
        return 1


def cache_key(*, cycle, filters, number):
    """Cycle, figures version (read with the cycle), filters, sort, page and language; `filters` normalised."""
    facts = json.dumps([filters.state, filters.status, filters.recommendation, filters.sort, number, get_language()])
    digest = hashlib.sha256(facts.encode()).hexdigest()[:32]
    return f"dashboard:{CACHE_FORMAT}:{cycle.pk}:{cycle.figures_version}:{digest}"


def figures_for(*, cycle, filters, number=None):
    """The figures of one page of the dashboard, from the cache when this version of the cycle was computed.

    `cycle.figures_version` must be read no earlier than the request began: the figures computed now are at least
    as new as that version, so an entry under its key never shows less than the version says.
    """
    filters = normalised_filters(filters)
    number = page_number(number)
    key = cache_key(cycle=cycle, filters=filters, number=number)
    figures = cache.get(key)
    if figures is None:
        figures = replace(compute_figures(cycle=cycle, filters=filters, number=number), key=key)
        cache.set(key, figures, CACHE_SECONDS)
    return figures
