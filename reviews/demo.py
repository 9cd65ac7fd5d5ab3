"""Demo data for the review stage: rubric, expert profiles, assignments, reviews, the jury's pitches and the panel's
Votum."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.test.utils import override_settings
from django.utils import timezone

from alliances.demo import CYCLE_SLUG, LOCAL_MAIL
from alliances.models import Alliance, AlliancePartner, EvaluationCycle, FederalState, Phase, Strategy
from portal.models import Role, User
from reviews import services
from reviews.models import (
    Assignment,
    ConflictType,
    ExpertProfile,
    JurySession,
    PanelVotum,
    PitchSlot,
    PitchSlotStatus,
    Recommendation,
    Review,
    ReviewStatus,
)
from reviews.selectors import reviews_complete
from reviews.services.jury_mode import close_pitch, record_attendance, record_jury_result, start_pitch

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
    """Rubric, expert profiles and, from the review phase on, assignments and reviews; the jury's two sessions with
    the pitches of the submitted strategies; after the panel stage the pitches held and the Votum they gave."""
    cycle = EvaluationCycle.objects.get(slug=CYCLE_SLUG)
    services.policy_for(cycle)
    if services.current_rubric(cycle) is None:
        services.replace_rubric(
            cycle=cycle, criteria=services.parse_criteria_csv(CRITERIA_CSV.read_text(encoding="utf-8"))
        )
    seed_profiles()
    seed_partners(cycle)
    reviewed = False
    if Assignment.objects.filter(strategy__cycle=cycle).exists():
        stdout.write("Begutachtung: bereits angelegt.")
    elif cycle.phase in (Phase.PREPARATION, Phase.SUBMISSION):
        stdout.write("Begutachtung: beginnt nach der Einreichungsfrist.")
    else:
        seed_reviews(cycle, stdout=stdout)
        reviewed = True
    # After the reviews: the planner must keep every conflict the experts declared out of the pitches.
    seed_jury(cycle, stdout=stdout)
    if reviewed and cycle.phase in (Phase.DECISION, Phase.RELEASED):
        office = User.objects.get(email="pt@demo.example")
        for strategy in submitted_strategies(cycle):
            seed_votum(strategy, office)
        stdout.write(f"Voten: {PanelVotum.objects.filter(strategy__cycle=cycle).count()}")
    return []


def submitted_strategies(cycle):
    return list(Strategy.objects.submitted().filter(cycle=cycle).select_related("alliance").order_by("alliance__name"))


def seed_reviews(cycle, *, stdout):
    office = User.objects.get(email="pt@demo.example")
    experts = list(User.objects.filter(role=Role.EXPERT, email__endswith="@demo.example").order_by("pk"))
    strategies = submitted_strategies(cycle)
    with override_settings(MAILERS=LOCAL_MAIL):
        for strategy_number, strategy in enumerate(strategies):
            plan = review_plan(cycle.phase, strategy_number, len(strategies))
            candidates = experts[3 * strategy_number % len(experts) :] + experts[: 3 * strategy_number % len(experts)]
            for slot, state in enumerate(plan):
                # Assigned soon after the deadline; a replacement once the conflict was declared.
                assigned_at = cycle.submission_deadline + timedelta(days=1 if slot < 3 else 4)
                assignment = assign_next(strategy, candidates, office, assigned_at=min(timezone.now(), assigned_at))
                seed_review(assignment, state, strategy_number, slot)
    counts = {
        status.label: Review.objects.filter(assignment__strategy__cycle=cycle, status=status).count()
        for status in ReviewStatus
    }
    stdout.write("Gutachten: " + ", ".join(f"{label}: {count}" for label, count in counts.items()))


BERLIN = ZoneInfo("Europe/Berlin")
# The real pitches were held online in November 2024, so the sessions keep these dates whatever the phase: unlike
# the cycle's deadlines they do not move with today. The office planned them a week after the real deadline of
# 30 September 2024; the services get that moment as `now`, since they refuse to plan in the past.
JURY_PLANNED_AT = datetime(2024, 10, 8, 10, 0, tzinfo=BERLIN)
JURY_SESSIONS = [
    {
        "title": "Jurysitzung I – Pitches am 12. November 2024",
        "day": datetime(2024, 11, 12, tzinfo=BERLIN).date(),
        "video_url": "https://video.example.org/wir-jury-1",
        "chair": "expert1",
        # expert6 declared a conflict with BlueHealthTech in the reviews: the planner puts its pitch on the 13th.
        "jurors": ["expert1", "expert3", "expert6", "expert9"],
        "observers": ["bmbf1"],
    },
    {
        "title": "Jurysitzung II – Pitches am 13. November 2024",
        "day": datetime(2024, 11, 13, tzinfo=BERLIN).date(),
        "video_url": "https://video.example.org/wir-jury-2",
        "chair": "expert12",
        "jurors": ["expert12", "expert2", "expert8", "expert10"],
        "observers": ["bmbf2"],
    },
]
# Alliances that cannot pitch on a day (both submit early, so the rule matters in every phase).
BLOCKED_DAYS = {
    "bio-z": (datetime(2024, 11, 13, tzinfo=BERLIN).date(), "Mitgliederversammlung des Bündnisses"),
    "dmpl": (datetime(2024, 11, 12, tzinfo=BERLIN).date(), "Messeauftritt des Bündnisses"),
}


def _at(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN)


def seed_jury(cycle, *, stdout):
    """Two jury sessions in November 2024 with every submitted strategy's pitch, placed by the planner (which keeps
    declared conflicts and blocked days); from the decision phase on the pitches have been held.

    Sessions exist in every phase: in the submission phase they hold the strategies submitted so far, with free
    slots left for the rest. The invitations go through the outbox into the demo's in-memory mailer.
    """
    if JurySession.objects.filter(cycle=cycle).exists():
        stdout.write("Jurysitzungen: bereits angelegt.")
        return
    office = User.objects.get(email="pt@demo.example")
    people = {user.email.split("@")[0]: user for user in User.objects.filter(email__endswith="@demo.example")}
    for slug, (day, reason) in BLOCKED_DAYS.items():
        alliance = Alliance.objects.filter(slug=slug).first()
        if alliance is not None:
            services.set_blocked_dates(alliance=alliance, dates=[day], reason=reason)
    with override_settings(MAILERS=LOCAL_MAIL):
        sessions = []
        for plan in JURY_SESSIONS:
            day = plan["day"]
            session = services.save_jury_session(
                cycle=cycle,
                user=office,
                title=plan["title"],
                starts_at=_at(day, 9),
                ends_at=_at(day, 17),
                video_url=plan["video_url"],
                chair=people[plan["chair"]],
                jurors=[people[name] for name in plan["jurors"]],
                observers=[people[name] for name in plan["observers"]],
                pitch_minutes=15,
                qa_minutes=15,
                buffer_minutes=5,
                breaks=[(_at(day, 12, 30), _at(day, 13, 30))],
                now=JURY_PLANNED_AT,
            )
            services.generate_slots(session=session, user=office, now=JURY_PLANNED_AT)
            sessions.append(session)
        proposal = services.propose_jury_plan(cycle=cycle, now=JURY_PLANNED_AT)
        if proposal.unplaced:
            raise services.JuryRefused(
                reasons=[f"{strategy.alliance.name}: {why}" for strategy, why in proposal.unplaced]
            )
        services.apply_jury_plan(proposal=proposal, user=office, now=JURY_PLANNED_AT)
    if cycle.phase in (Phase.DECISION, Phase.RELEASED):
        for session in sessions:
            hold_session(session)
    pitches = PitchSlot.objects.filter(session__cycle=cycle, status=PitchSlotStatus.TAKEN)
    stdout.write(
        f"Jurysitzungen: {len(sessions)} am 12. und 13.11.2024 mit {pitches.count()} Pitches, davon "
        f"{pitches.filter(closed_at__isnull=False).count()} gehalten."
    )


def hold_session(session):
    """The session as the chair ran it: everyone present, each pitch started and closed at its time."""
    chair = session.chair
    record_attendance(session=session, user=chair, present_ids=session.members.values_list("user_id", flat=True))
    for pitch in session.slots.filter(status=PitchSlotStatus.TAKEN).order_by("starts_at"):
        start_pitch(slot=pitch, user=chair, now=pitch.starts_at)
        close_pitch(slot=pitch, user=chair, now=pitch.ends_at)


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
    """The panel's Votum, only where every expected review is in; its recommendation follows the reviews. The jury's
    chair records it from the alliance's pitch, with the jury's statement as its summary."""
    expected = services.policy_for(strategy.cycle).experts_per_strategy
    done = Review.objects.done().filter(assignment__strategy=strategy)
    if not reviews_complete(strategy) or done.count() < expected:
        return
    with_conditions = done.filter(recommendation=Recommendation.FUND_WITH_CONDITIONS).exists()
    requested = strategy.latest_submission.budget_total
    pitch = (
        PitchSlot.objects.filter(strategy=strategy, status=PitchSlotStatus.TAKEN, closed_at__isnull=False)
        .select_related("session__chair")
        .first()
    )
    content = {
        "recommendation": Recommendation.FUND_WITH_CONDITIONS if with_conditions else Recommendation.FUND,
        "proposed_amount": whole_thousands(requested * Decimal("0.9")),
        "conditions": "Verstetigungskonzept bis 30.06.2026 vorlegen." if with_conditions else "",
    }
    statement = jury_statement(pitch, with_conditions=with_conditions)
    if pitch:
        # The chair records the jury's result on the held pitch: it becomes the Votum.
        votum = record_jury_result(slot=pitch, user=pitch.session.chair, statement=statement, **content)
    else:
        votum = services.save_votum(strategy=strategy, user=office, summary=statement, **content)
    # Written in the panel's sessions (the service stamps the present, which the demo's cycle may have moved past).
    written_at = min(timezone.now(), strategy.cycle.panel_deadline - timedelta(days=2))
    PanelVotum.objects.filter(pk=votum.pk).update(updated_at=written_at)


def jury_statement(pitch, *, with_conditions):
    opening = (
        f"Nach dem Pitch am {timezone.localtime(pitch.starts_at):%d.%m.%Y} empfiehlt die Jury"
        if pitch
        else "Die Jury empfiehlt"
    )
    return (
        f"{opening} die Förderung der zweiten Phase"
        + (" mit einer Auflage zur Verstetigung." if with_conditions else " ohne Auflagen.")
        + " Das Bündnis hat seine Ziele überzeugend dargestellt und die Fragen der Jury zur Verstetigung offen "
        "beantwortet."
    )
