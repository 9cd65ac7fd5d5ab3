"""Demo data for the review stage: rubric, expert profiles, assignments, reviews and the panel's Votum."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.test.utils import override_settings
from django.utils import timezone

from alliances.demo import CYCLE_SLUG, LOCAL_MAIL
from alliances.models import AlliancePartner, EvaluationCycle, FederalState, Phase, Strategy
from portal.models import Role, User
from reviews import services
from reviews.models import (
    Assignment,
    ConflictType,
    ExpertProfile,
    PanelVotum,
    Recommendation,
    Review,
    ReviewStatus,
)
from reviews.selectors import reviews_complete

CRITERIA_CSV = Path(__file__).resolve().parent / "data" / "criteria.csv"

# Fictitious institutions: demo experts must not be mistaken for real people or real ties.
EXPERT_PROFILES = [
    ("Institut für Regionalentwicklung (Demo)", "BY", "Strukturwandel, Regionalentwicklung"),
    ("Hochschule für Technik (Demo)", "BW", "Mikrofluidik, Medizintechnik, Fertigung"),
    ("Zentrum für Agrarforschung (Demo)", "NI", "Landwirtschaft, Pflanzenbau, Digitalisierung"),
    ("Institut für Versorgungsforschung (Demo)", "HE", "Gesundheit, Versorgung, Pflege"),
    ("Forschungsstelle Luftfahrt (Demo)", "HB", "Luftfahrt, Drohnen, Mobilität"),
    ("Institut für Arbeitsmarktforschung (Demo)", "NW", "Fachkräfte, Arbeit, Weiterbildung"),
    ("Hochschule Sachsen (Demo)", "SN", "Alter, Pflege, soziale Innovation"),
    ("Innovationsberatung Nord (Demo)", "SH", "Transfer, Gründungen, Mobilität"),
    ("Institut für Wirtschaftsforschung (Demo)", "BE", "Struktureffekte, Evaluation"),
    ("Zentrum für ländliche Räume (Demo)", "TH", "ländlicher Raum, Wohnen, Arbeit"),
    ("Technologiezentrum Süd (Demo)", "BY", "Diagnostik, Laser, Anlagenbau"),
    ("Forschungsinstitut Governance (Demo)", "RP", "Governance, Bündnismanagement, Verstetigung"),
]


def seed_profiles():
    states = {state.code: state for state in FederalState.objects.all()}
    for number, (affiliation, state, keywords) in enumerate(EXPERT_PROFILES, start=1):
        user = User.objects.get(email=f"expert{number}@demo.example")
        ExpertProfile.objects.get_or_create(
            user=user,
            defaults={
                "affiliation": affiliation,
                "email_domain": "",
                "federal_state": states[state],
                "expertise_keywords": keywords,
            },
        )


def seed_partners(cycle):
    for strategy in cycle.strategies.select_related("alliance"):
        alliance = strategy.alliance
        AlliancePartner.objects.get_or_create(
            alliance=alliance,
            name=f"Geschäftsstelle {alliance.name}",
            defaults={"email_domain": f"{alliance.slug}.example"},
        )


def points_for(strategy_number, slot, code):
    # Spread over the scale, so that strategies differ in their weighted totals and the ranking shows something.
    return (strategy_number + slot + len(code)) % 4 + 2


def review_plan(phase, strategy_number, strategies):
    """What each expert assigned to a strategy has done by `phase`; after a "conflicted" one a fourth replaces them.

    Review phase: work in every state. Decision and released: all reviews in, except (decision) two strategies whose
    reviews stayed incomplete, so they have no Votum and no decision.
    """
    if phase == Phase.REVIEW:
        plan = [
            ["submitted", "submitted", "submitted"],
            ["submitted", "draft", "awaiting"],
            ["submitted", "submitted", "draft"],
            ["cleared", "awaiting", "awaiting"],
        ][strategy_number % 4]
        return plan[:2] + ["conflicted"] if strategy_number == 1 else plan
    plan = ["submitted", "submitted", "submitted"]
    if strategy_number == 1:
        return ["submitted", "submitted", "conflicted", "submitted"]
    if phase == Phase.DECISION and strategy_number == strategies - 1:
        return ["submitted", "submitted", "draft"]
    if phase == Phase.DECISION and strategy_number == strategies - 2:
        return ["submitted", "cleared", "submitted"]
    return plan


def seed(*, stdout, phase=None):
    """Rubric, expert profiles and, from the review phase on, assignments, reviews and (after it) the panel's Votum."""
    cycle = EvaluationCycle.objects.get(slug=CYCLE_SLUG)
    services.policy_for(cycle)
    if services.current_rubric(cycle) is None:
        services.replace_rubric(
            cycle=cycle, criteria=services.parse_criteria_csv(CRITERIA_CSV.read_text(encoding="utf-8"))
        )
    seed_profiles()
    seed_partners(cycle)
    if Assignment.objects.filter(strategy__cycle=cycle).exists():
        stdout.write("Begutachtung: bereits angelegt.")
        return []
    if cycle.phase in (Phase.PREPARATION, Phase.SUBMISSION):
        stdout.write("Begutachtung: beginnt nach der Einreichungsfrist.")
        return []
    office = User.objects.get(email="pt@demo.example")
    experts = list(User.objects.filter(role=Role.EXPERT, email__endswith="@demo.example").order_by("pk"))
    strategies = list(
        Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
    )
    with override_settings(MAILERS=LOCAL_MAIL):
        for strategy_number, strategy in enumerate(strategies):
            plan = review_plan(cycle.phase, strategy_number, len(strategies))
            candidates = experts[3 * strategy_number % len(experts) :] + experts[: 3 * strategy_number % len(experts)]
            for slot, state in enumerate(plan):
                # Assigned soon after the deadline; a replacement once the conflict was declared.
                assigned_at = cycle.submission_deadline + timedelta(days=1 if slot < 3 else 4)
                assignment = assign_next(strategy, candidates, office, assigned_at=min(timezone.now(), assigned_at))
                seed_review(assignment, state, strategy_number, slot)
        if cycle.phase in (Phase.DECISION, Phase.RELEASED):
            for strategy in strategies:
                seed_votum(strategy, office)
    counts = {
        status.label: Review.objects.filter(assignment__strategy__cycle=cycle, status=status).count()
        for status in ReviewStatus
    }
    stdout.write("Gutachten: " + ", ".join(f"{label}: {count}" for label, count in counts.items()))
    stdout.write(f"Voten: {PanelVotum.objects.filter(strategy__cycle=cycle).count()}")
    return []


def assign_next(strategy, candidates, office, *, assigned_at):
    """Assigns the first candidate without a conflict hint who is free, as the programme office would."""
    for expert in candidates:
        if services.conflict_flags(expert=expert, strategy=strategy):
            continue
        try:
            assignment = services.assign_expert(strategy=strategy, expert=expert, user=office)
        except services.AssignmentRefused:
            continue
        # The service stamps the present; the demo's cycle may have moved past that moment.
        Assignment.objects.filter(pk=assignment.pk).update(assigned_at=assigned_at)
        assignment.assigned_at = assigned_at
        return assignment
    raise services.AssignmentRefused(f"Kein freier Gutachter für {strategy.alliance.name}.")


def review_moment(assignment, *, days_before_deadline, hours_earlier=0):
    """Now while reviews are open, else that long before the review deadline."""
    before = timedelta(days=days_before_deadline, hours=hours_earlier)
    return min(timezone.now(), assignment.strategy.cycle.review_deadline - before)


def seed_review(assignment, state, strategy_number, slot):
    expert = assignment.expert
    if state == "awaiting":
        return
    declared_at = min(timezone.now(), assignment.assigned_at + timedelta(days=2))
    if state == "conflicted":
        services.declare_conflict(
            assignment=assignment,
            user=expert,
            has_conflict=True,
            conflict_type=ConflictType.INSTITUTIONAL,
            explanation="Frühere Beratungstätigkeit für einen Bündnispartner.",
            now=declared_at,
        )
        return
    services.declare_conflict(assignment=assignment, user=expert, has_conflict=False, now=declared_at)
    if state == "cleared":
        return
    review = services.open_review(assignment=assignment, user=expert)
    scores = {
        criterion.pk: (
            points_for(strategy_number, slot, criterion.code),
            False,
            f"Die Strategie überzeugt im Kriterium „{criterion.title}“ weitgehend.",
        )
        for criterion in review.rubric.criteria.all()
    }
    recommendation = Recommendation.FUND_WITH_CONDITIONS if (strategy_number + slot) % 3 == 1 else Recommendation.FUND
    review = services.save_review_draft(
        review=review,
        user=expert,
        scores=scores,
        expected_version=review.version,
        fields={
            "recommendation": recommendation,
            "strengths": "Breite regionale Verankerung und klare Ziele für die zweite Phase.",
            "weaknesses": "Die Verstetigung ist finanziell noch nicht gesichert.",
            "proposed_conditions": "Verstetigungskonzept bis Ende 2025 vorlegen."
            if recommendation == Recommendation.FUND_WITH_CONDITIONS
            else "",
        },
        now=review_moment(assignment, days_before_deadline=12, hours_earlier=slot),
    )
    if state == "submitted":
        services.submit_review(
            review=review, user=expert, now=review_moment(assignment, days_before_deadline=5, hours_earlier=slot)
        )


def whole_thousands(amount):
    """An amount rounded to whole thousand euros, as the panel and the ministry write them."""
    return (amount / 1000).quantize(Decimal("1")) * 1000


def seed_votum(strategy, office):
    """The panel's Votum, only where every expected review is in; its recommendation follows the reviews."""
    expected = services.policy_for(strategy.cycle).experts_per_strategy
    done = Review.objects.done().filter(assignment__strategy=strategy)
    if not reviews_complete(strategy) or done.count() < expected:
        return
    with_conditions = done.filter(recommendation=Recommendation.FUND_WITH_CONDITIONS).exists()
    requested = strategy.latest_submission.budget_total
    votum = services.save_votum(
        strategy=strategy,
        user=office,
        recommendation=Recommendation.FUND_WITH_CONDITIONS if with_conditions else Recommendation.FUND,
        proposed_amount=whole_thousands(requested * Decimal("0.9")),
        conditions="Verstetigungskonzept bis 30.06.2026 vorlegen." if with_conditions else "",
        summary="Die Jury empfiehlt die Förderung der zweiten Phase"
        + (" mit einer Auflage zur Verstetigung." if with_conditions else " ohne Auflagen."),
    )
    # Written in the panel's sessions (the service stamps the present, which the demo's cycle may have moved past).
    written_at = min(timezone.now(), strategy.cycle.panel_deadline - timedelta(days=2))
    PanelVotum.objects.filter(pk=votum.pk).update(updated_at=written_at)
