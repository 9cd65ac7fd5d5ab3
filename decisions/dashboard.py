"""The ministry dashboard: one row per alliance of a cycle, in a fixed number of queries."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, OuterRef, Prefetch, Subquery, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from alliances.models import SECTION_FIELDS, BudgetLine, FederalState, Strategy, StrategyStatus
from decisions.models import DecisionStatus, FundingDecision
from decisions.selectors import confirmed_sum
from reviews import aggregates
from reviews.models import ACTIVE_ASSIGNMENT_STATUSES, Assignment, Recommendation

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
    expected = Subquery(
        Assignment.objects.filter(strategy=OuterRef("pk"), status__in=ACTIVE_ASSIGNMENT_STATUSES)
        .values("strategy")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    strategies = (
        Strategy.objects.filter(cycle=cycle)
        .select_related("alliance", "votum")
        .prefetch_related(Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")))
        .defer(*SECTION_FIELDS)
        .with_budget_total()
        .annotate(
            reviews_expected=expected,
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


def filter_and_sort(queryset, filters):
    if filters.state:
        queryset = queryset.filter(alliance__states__code=filters.state)
    if filters.status in StrategyStatus.values:
        queryset = queryset.filter(status=filters.status)
    if filters.recommendation in Recommendation.values:
        queryset = queryset.filter(votum__recommendation=filters.recommendation)
    key = filters.sort.lstrip("-")
    field = SORTS.get(key, SORTS["alliance"])
    descending = filters.sort.startswith("-")
    order = F(field).desc(nulls_last=True) if descending else F(field).asc(nulls_last=True)
    return queryset.order_by(order, "alliance__name")


def budget_panel(*, cycle, rows=None):
    """The whole cycle's budget against the sums requested, proposed and confirmed, whatever the filters."""
    requested = BudgetLine.objects.filter(strategy__cycle=cycle).exclude(
        strategy__status=StrategyStatus.DRAFT
    ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    proposed = FundingDecision.objects.filter(strategy__cycle=cycle, status=DecisionStatus.PROPOSED).aggregate(
        total=Sum("granted_amount")
    )["total"] or Decimal("0")
    confirmed = confirmed_sum(cycle)
    return {
        "budget": cycle.budget,
        "requested": requested,
        "proposed": proposed,
        "confirmed": confirmed,
        "remaining": cycle.budget - confirmed,
        "over_budget": confirmed > cycle.budget,
    }


def score_points(*, cycle):
    """Each counting review's weighted score per strategy, for the distribution chart (the reviews the
    statistics count)."""
    reviews = (
        aggregates.counting_reviews()
        .filter(assignment__strategy__cycle=cycle)
        .order_by("assignment__pseudonym")
        .values("assignment__strategy_id", "assignment__pseudonym", "weighted_score")
    )
    points = {}
    for review in reviews:
        points.setdefault(review["assignment__strategy_id"], []).append(review)
    return points


def recommendation_filter_choices():
    return [(value, label) for value, label in Recommendation.choices if value != Recommendation.ABSTAIN]


def rounded(value, places=1):
    """`value` as a Decimal rounded half up, as the page's `floatformat` shows it (None stays None)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def export_row(row):
    """The values of one dashboard row as the page shows them, for CSV and XLSX."""
    return {
        "alliance": row.alliance.name,
        "states": ", ".join(state.name for state in row.alliance.states.all()),
        "innovation_field": row.alliance.innovation_field,
        "status": str(row.get_status_display()),
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
