"""Demo data for the review stage: rubric, expert profiles and reviews in every state."""

from pathlib import Path

from django.test.utils import override_settings

from alliances.demo import CYCLE_SLUG
from alliances.models import AlliancePartner, EvaluationCycle, FederalState, Strategy
from portal.models import Role, User
from reviews import services
from reviews.models import Assignment, ConflictType, ExpertProfile, Review, ReviewStatus

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


def points_for(number, code):
    return (number + len(code)) % 3 + 2


def seed(*, stdout):
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
    office = User.objects.get(email="pt@demo.example")
    experts = list(User.objects.filter(role=Role.EXPERT, email__endswith="@demo.example").order_by("pk"))
    next_expert = 0
    with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        for strategy_number, strategy in enumerate(
            Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name")
        ):
            assignments = []
            while len(assignments) < 3 and next_expert < len(experts) * 3:
                expert = experts[next_expert % len(experts)]
                next_expert += 1
                if services.conflict_flags(expert=expert, strategy=strategy):
                    continue
                try:
                    assignments.append(services.assign_expert(strategy=strategy, expert=expert, user=office))
                except services.AssignmentRefused:
                    continue
            for slot, assignment in enumerate(assignments):
                # Strategy 0: every review submitted; later strategies show the other states.
                state = "submitted" if strategy_number == 0 else ["submitted", "draft", "awaiting"][slot]
                if strategy_number == 1 and slot == 2:
                    state = "conflicted"
                seed_review(assignment, state, slot)
    counts = {
        status.label: Review.objects.filter(assignment__strategy__cycle=cycle, status=status).count()
        for status in ReviewStatus
    }
    stdout.write("Gutachten: " + ", ".join(f"{label}: {count}" for label, count in counts.items()))
    return []


def seed_review(assignment, state, slot):
    expert = assignment.expert
    if state == "awaiting":
        return
    if state == "conflicted":
        services.declare_conflict(
            assignment=assignment,
            user=expert,
            has_conflict=True,
            conflict_type=ConflictType.INSTITUTIONAL,
            explanation="Frühere Beratungstätigkeit für einen Bündnispartner.",
        )
        return
    services.declare_conflict(assignment=assignment, user=expert, has_conflict=False)
    review = services.open_review(assignment=assignment, user=expert)
    scores = {
        criterion.pk: (
            points_for(slot, criterion.code),
            False,
            f"Die Strategie überzeugt im Kriterium „{criterion.title}“ weitgehend.",
        )
        for criterion in review.rubric.criteria.all()
    }
    recommendation = ["fund", "conditions", "fund"][slot % 3]
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
            if recommendation == "conditions"
            else "",
        },
    )
    if state == "submitted":
        services.submit_review(review=review, user=expert)
