"""`seed_demo --phase …`: each phase builds a cycle whose data follows step by step from the earlier phases."""

import csv
from datetime import date, time
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone

from alliances.demo import ALLIANCES_CSV, CYCLE_SLUG, PHASE_DAYS
from alliances.models import Alliance, EvaluationCycle, Phase, Strategy, StrategyStatus, Submission
from decisions.models import DecisionStatus, FundingDecision
from portal.demo import DEFAULT_DEMO_PHASE, DEMO_PHASES
from portal.models import MessageStatus, NotificationKind, OutgoingMessage, Role, User
from reviews.models import (
    AllianceBlockedDate,
    Assignment,
    AssignmentStatus,
    JuryRole,
    JurySession,
    PanelVotum,
    PitchSlot,
    PitchSlotStatus,
    Review,
    ReviewStatus,
)
from reviews.selectors import reviews_complete
from reviews.selectors.jury import conflicted_jurors
from reviews.services import policy_for

pytestmark = pytest.mark.django_db

# The second-round alliances confirmed from public sources (docs/alliance-sources.md).
CONFIRMED_ALLIANCES = 16


def shipped_slugs():
    with ALLIANCES_CSV.open(encoding="utf-8") as file:
        return [row["slug"] for row in csv.DictReader(file)]


def seed(*args):
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def has_every_expected_review(strategy):
    """All active assignments done, and as many reviews as the cycle's policy expects."""
    expected = policy_for(strategy.cycle).experts_per_strategy
    done = Review.objects.done().filter(assignment__strategy=strategy).count()
    return reviews_complete(strategy) and done >= expected


def assert_each_state_follows_from_the_earlier_ones(cycle):
    """The rules every phase obeys: nothing exists before what it depends on."""
    # A review only on a submitted strategy's snapshot, by an expert who declared no conflict, before the deadline.
    reviews = Review.objects.filter(assignment__strategy__cycle=cycle)
    assert not reviews.exclude(assignment__status=AssignmentStatus.CLEARED).exists()
    assert not reviews.exclude(assignment__strategy__status=StrategyStatus.SUBMITTED).exists()
    assert not reviews.exclude(submission__strategy=F("assignment__strategy")).exists()
    assert not reviews.filter(submission__submitted_at__gt=cycle.submission_deadline).exists()
    submitted = reviews.filter(status=ReviewStatus.SUBMITTED)
    assert not submitted.filter(submitted_at__gt=cycle.review_deadline).exists()
    assert not submitted.filter(submitted_at__lt=F("submission__submitted_at")).exists()
    assert not submitted.filter(submitted_at__lt=F("assignment__declared_at")).exists()
    assert not Assignment.objects.filter(strategy__cycle=cycle, declared_at__lt=F("assigned_at")).exists()
    assert (
        not Assignment.objects.filter(strategy__cycle=cycle).exclude(strategy__status=StrategyStatus.SUBMITTED).exists()
    )
    # A Votum only once all of the strategy's expected reviews are in.
    vota = PanelVotum.objects.filter(strategy__cycle=cycle)
    for votum in vota.select_related("strategy__cycle"):
        assert has_every_expected_review(votum.strategy), votum.strategy.alliance
    assert not vota.filter(strategy__assignments__reviews__submitted_at__gt=F("updated_at")).exists()
    # A decision only after a Votum; confirmed by a second ministry user; released only once confirmed.
    decisions = FundingDecision.objects.filter(strategy__cycle=cycle)
    assert not decisions.filter(strategy__votum__isnull=True).exists()
    assert not decisions.filter(proposed_at__lt=F("strategy__votum__updated_at")).exists()
    assert not decisions.filter(confirmed_at__lt=F("proposed_at")).exists()
    assert not decisions.filter(released_at__lt=F("confirmed_at")).exists()
    assert not decisions.filter(confirmed_by=F("proposed_by")).exists()
    assert not decisions.filter(
        status__in=[DecisionStatus.CONFIRMED, DecisionStatus.RELEASED], confirmed_by=None
    ).exists()
    assert not decisions.filter(status=DecisionStatus.RELEASED).exclude(proposed_by__role=Role.MINISTRY).exists()
    assert not decisions.filter(status=DecisionStatus.RELEASED).exclude(confirmed_by__role=Role.MINISTRY).exists()
    # Released only in the released phase.
    assert decisions.filter(status=DecisionStatus.RELEASED).exists() == (cycle.phase == Phase.RELEASED)


def assert_the_jury_hears_every_submitted_alliance_in_november_2024(cycle):
    """Two jury sessions on 12 and 13 November 2024 (Europe/Berlin) hold exactly one pitch of each submitted
    strategy, with no juror conflicted with the alliance in the session and no pitch on a day the alliance blocked.
    From the decision phase on the pitches have been held, and each Votum names the pitch it came from."""
    sessions = list(JurySession.objects.filter(cycle=cycle).order_by("starts_at"))
    assert [timezone.localtime(session.starts_at).date() for session in sessions] == [
        date(2024, 11, 12),
        date(2024, 11, 13),
    ]
    for session in sessions:
        assert (timezone.localtime(session.starts_at).time(), timezone.localtime(session.ends_at).time()) == (
            time(9),
            time(17),
        )
        assert session.video_url.startswith("https://video.example.org/")
        assert (session.pitch_minutes, session.qa_minutes, session.buffer_minutes) == (15, 15, 5)
        assert [
            (timezone.localtime(b.starts_at).time(), timezone.localtime(b.ends_at).time()) for b in session.breaks.all()
        ] == [(time(12, 30), time(13, 30))]
        jurors = set(session.members.filter(role=JuryRole.JUROR).values_list("user__role", "user_id"))
        assert {role for role, _pk in jurors} == {Role.EXPERT}
        assert session.chair_id in {pk for _role, pk in jurors}
        observers = session.members.filter(role=JuryRole.OBSERVER)
        assert observers.exists() and not observers.exclude(user__role=Role.MINISTRY).exists()
    pitches = PitchSlot.objects.filter(session__cycle=cycle, status=PitchSlotStatus.TAKEN).select_related(
        "strategy", "session"
    )
    submitted = set(Strategy.objects.filter(cycle=cycle, status=StrategyStatus.SUBMITTED).values_list("pk", flat=True))
    placed = [pitch.strategy_id for pitch in pitches]
    assert submitted and sorted(placed) == sorted(submitted)
    # Free slots stay for the alliances still writing while the submission is open.
    assert PitchSlot.objects.filter(session__cycle=cycle, status=PitchSlotStatus.OPEN).exists()

    conflicts = conflicted_jurors(submitted)
    for pitch in pitches:
        jurors = set(pitch.session.members.filter(role=JuryRole.JUROR).values_list("user_id", flat=True))
        assert not jurors & conflicts.get(pitch.strategy_id, set()), pitch.strategy.alliance
    if cycle.phase != Phase.SUBMISSION:
        # The rule mattered: an expert who declared a conflict sits in one of the sessions, just not for that pitch.
        sitting = set(JurySession.objects.filter(cycle=cycle).values_list("members__user_id", flat=True))
        assert sitting & {juror for jurors in conflicts.values() for juror in jurors}

    blocked = AllianceBlockedDate.objects.filter(alliance__strategies__cycle=cycle)
    assert blocked.exists()
    for day in blocked:
        days_pitched = {
            timezone.localtime(p.starts_at).date() for p in pitches if p.strategy.alliance_id == day.alliance_id
        }
        assert day.date not in days_pitched, day

    # Everyone a pitch concerns was invited through the outbox, a calendar file attached. (Delivery follows the
    # commit, which a test's transaction never reaches: queued is as far as they get here.)
    invitations = OutgoingMessage.objects.filter(kind=NotificationKind.JURY, cause_model="reviews.pitchslot")
    assert invitations.exists()
    assert set(invitations.values_list("status", flat=True)) <= {MessageStatus.QUEUED, MessageStatus.SENT}
    for pitch in pitches:
        invited = invitations.filter(cause_id=pitch.pk)
        assert not invited.exclude(attachment_filename__endswith=".ics").exists()
        members = set(pitch.session.members.values_list("user_id", flat=True))
        managers = set(pitch.strategy.alliance.memberships.values_list("user_id", flat=True))
        expected = (members - conflicts.get(pitch.strategy_id, set())) | managers
        assert set(invited.values_list("recipient_id", flat=True)) == expected, pitch.strategy.alliance

    held = cycle.phase in (Phase.DECISION, Phase.RELEASED)
    for pitch in pitches:
        assert (pitch.started_at, pitch.closed_at) == ((pitch.starts_at, pitch.ends_at) if held else (None, None))
    for votum in PanelVotum.objects.filter(strategy__cycle=cycle).select_related("pitch"):
        assert votum.pitch is not None and votum.pitch.strategy_id == votum.strategy_id
        assert timezone.localtime(votum.pitch.starts_at).strftime("%d.%m.%Y") in votum.summary
        assert votum.pitch.closed_at < votum.updated_at


def assert_the_pages_show_the_phase(client, cycle, label):
    """The phase the option asked for is the phase people see: on the programme office's overview and the dashboard."""
    client.force_login(User.objects.get(email="pt@demo.example"))
    overview = client.get(reverse("alliances:overview", args=[cycle.slug]))
    assert overview.status_code == 200
    assert f"Phase: {label}" in overview.content.decode()
    client.force_login(User.objects.get(email="bmbf1@demo.example"))
    dashboard = client.get(reverse("decisions:dashboard", args=[cycle.slug]))
    assert dashboard.status_code == 200
    assert f"Phase: {label}" in dashboard.content.decode()


def decision_page_of_the_alliance(client, slug):
    client.force_login(User.objects.get(email=f"{slug}@demo.example"))
    return client.get(reverse("decisions:alliance_decision", args=[CYCLE_SLUG, slug]))


def test_the_phases_the_option_offers_are_the_cycles_phases_each_with_its_dates():
    assert set(DEMO_PHASES) <= set(Phase.values)
    assert set(PHASE_DAYS) == set(DEMO_PHASES)
    assert DEFAULT_DEMO_PHASE == Phase.DECISION


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=StringIO())
    assert not User.objects.exists()


def test_submission_phase_has_strategies_at_every_stage_and_nothing_reviewed_or_decided(settings, client):
    settings.DEBUG = True
    printed = seed("--phase", "submission")
    cycle = EvaluationCycle.objects.get()
    assert cycle.phase == Phase.SUBMISSION
    assert "Phase „Einreichung“" in printed
    statuses = set(Strategy.objects.values_list("status", flat=True))
    assert {StrategyStatus.DRAFT, StrategyStatus.SUBMITTED} <= statuses
    assert Strategy.objects.filter(status=StrategyStatus.SUBMITTED).count() == Submission.objects.count()
    assert not Assignment.objects.exists()
    assert not Review.objects.exists()
    assert not PanelVotum.objects.exists()
    assert not FundingDecision.objects.exists()
    assert_each_state_follows_from_the_earlier_ones(cycle)
    assert_the_jury_hears_every_submitted_alliance_in_november_2024(cycle)
    assert_the_pages_show_the_phase(client, cycle, "Einreichung")


def test_review_phase_has_reviews_only_on_submitted_strategies_and_no_votum_or_decision(settings, client):
    settings.DEBUG = True
    printed = seed("--phase", "review")
    cycle = EvaluationCycle.objects.get()
    assert cycle.phase == Phase.REVIEW
    assert "Phase „Begutachtung“" in printed
    # The deadline has passed: every alliance submitted, experts work on all of them.
    assert not Strategy.objects.exclude(status=StrategyStatus.SUBMITTED).exists()
    assert set(Review.objects.values_list("status", flat=True)) == {ReviewStatus.DRAFT, ReviewStatus.SUBMITTED}
    assert Assignment.objects.filter(status=AssignmentStatus.AWAITING_DECLARATION).exists()
    assert Assignment.objects.filter(status=AssignmentStatus.CONFLICTED).exists()
    assert not PanelVotum.objects.exists()
    assert not FundingDecision.objects.exists()
    assert_each_state_follows_from_the_earlier_ones(cycle)
    assert_the_jury_hears_every_submitted_alliance_in_november_2024(cycle)
    assert_the_pages_show_the_phase(client, cycle, "Begutachtung")


def test_default_is_the_decision_phase_with_work_left_for_every_role_and_runs_again_without_change(settings, client):
    settings.DEBUG = True
    printed = seed()
    cycle = EvaluationCycle.objects.get()
    assert cycle.name == "Zwischenbegutachtung 2024"
    assert cycle.phase == Phase.DECISION
    assert_each_state_follows_from_the_earlier_ones(cycle)
    assert_the_jury_hears_every_submitted_alliance_in_november_2024(cycle)
    strategies = Strategy.objects.annotate(decisions_count=Count("decisions"))
    # The programme office: strategies whose reviews stayed incomplete, hence no Votum and no decision.
    incomplete = [strategy for strategy in strategies if not has_every_expected_review(strategy)]
    assert incomplete and all(not hasattr(strategy, "votum") for strategy in incomplete)
    # The ministry: a Votum without a decision to propose, a proposal waiting for the second person to confirm.
    assert PanelVotum.objects.filter(strategy__decisions__isnull=True).exists()
    proposed = FundingDecision.objects.filter(status=DecisionStatus.PROPOSED)
    assert proposed.filter(proposed_by__email="bmbf1@demo.example").exists()
    assert proposed.filter(proposed_by__email="bmbf2@demo.example").exists()
    assert FundingDecision.objects.filter(status=DecisionStatus.CONFIRMED).exists()
    assert not FundingDecision.objects.filter(status=DecisionStatus.RELEASED).exists()
    # Every alliance: its strategy is in, and nobody but the ministry sees a decision yet.
    assert not Strategy.objects.exclude(status=StrategyStatus.SUBMITTED).exists()
    confirmed = FundingDecision.objects.filter(status=DecisionStatus.CONFIRMED).select_related("strategy__alliance")
    assert decision_page_of_the_alliance(client, confirmed.first().strategy.alliance.slug).status_code == 404
    assert_the_pages_show_the_phase(client, cycle, "Entscheidung")

    snapshot = {
        "reviews": Review.objects.count(),
        "vota": PanelVotum.objects.count(),
        "decisions": FundingDecision.objects.count(),
        "strategy history": Strategy.history.count(),
        "submissions": Submission.objects.count(),
        "jury sessions": JurySession.objects.count(),
        "pitch slots": PitchSlot.objects.count(),
        "invitations": OutgoingMessage.objects.filter(kind=NotificationKind.JURY).count(),
    }
    assert "Jurysitzungen: 2 am 12. und 13.11.2024 mit 16 Pitches, davon 16 gehalten." in printed
    again = seed()
    assert "bleibt „Entscheidung“" in again
    assert snapshot == {
        "reviews": Review.objects.count(),
        "vota": PanelVotum.objects.count(),
        "decisions": FundingDecision.objects.count(),
        "strategy history": Strategy.history.count(),
        "submissions": Submission.objects.count(),
        "jury sessions": JurySession.objects.count(),
        "pitch slots": PitchSlot.objects.count(),
        "invitations": OutgoingMessage.objects.filter(kind=NotificationKind.JURY).count(),
    }
    # Another phase cannot be laid over an existing demo: its steps cannot be taken back.
    with pytest.raises(CommandError, match="bereits in der Phase „Entscheidung“"):
        seed("--phase", "submission")
    assert EvaluationCycle.objects.get().phase == Phase.DECISION

    # The accounts and alliances of the whole demo, as printed for the person who runs it.
    alliances = Alliance.objects.count()
    assert alliances == CONFIRMED_ALLIANCES
    assert Strategy.objects.count() == alliances
    assert User.objects.filter(role=Role.ALLIANCE_MANAGER).count() == alliances
    assert User.objects.filter(role=Role.EXPERT).count() == 12
    assert User.objects.filter(role=Role.MINISTRY).count() == 2
    assert User.objects.get(email="pt@demo.example").check_password("wir-demo-2024")
    submission = Submission.objects.first()
    assert submission.documents and all(len(doc["sha256"]) == 64 for doc in submission.documents)
    assert "bmbf2@demo.example" in printed
    assert "expert12@demo.example" in printed
    slugs = shipped_slugs()
    assert len(slugs) == len(set(slugs)) == CONFIRMED_ALLIANCES
    assert set(Alliance.objects.values_list("slug", flat=True)) == set(slugs)
    for slug in slugs:
        alliance = Alliance.objects.get(slug=slug)
        manager = User.objects.get(email=f"{slug}@demo.example")
        assert manager.role == Role.ALLIANCE_MANAGER
        assert alliance.memberships.filter(user=manager).exists()
        assert Strategy.objects.filter(alliance=alliance, cycle__slug=CYCLE_SLUG).exists()
        assert f"{slug}@demo.example" in printed


def test_released_phase_has_every_decision_confirmed_by_a_second_person_and_released(settings, client):
    settings.DEBUG = True
    printed = seed("--phase", "released")
    cycle = EvaluationCycle.objects.get()
    assert cycle.phase == Phase.RELEASED
    assert "Phase „Freigegeben“" in printed
    assert_each_state_follows_from_the_earlier_ones(cycle)
    assert_the_jury_hears_every_submitted_alliance_in_november_2024(cycle)
    released = FundingDecision.objects.filter(status=DecisionStatus.RELEASED)
    assert released.count() == PanelVotum.objects.count() > 0
    assert not released.filter(Q(confirmed_by=None) | Q(confirmed_at=None) | Q(letter_html="")).exists()
    assert cycle.released_at <= released.earliest("released_at").released_at
    # A correction of a released decision waits for the second ministry user.
    correction = FundingDecision.objects.get(supersedes__isnull=False)
    assert correction.status == DecisionStatus.PROPOSED
    assert correction.proposed_by != correction.supersedes.proposed_by
    assert_the_pages_show_the_phase(client, cycle, "Freigegeben")
    page = decision_page_of_the_alliance(client, released.first().strategy.alliance.slug)
    assert page.status_code == 200
    assert released.first().get_outcome_display() in page.content.decode()
    # Every letter went out with an address and a file reference, entered as the programme office would.
    for decision in released.select_related("strategy__alliance"):
        alliance = decision.strategy.alliance
        assert alliance.postal_street and alliance.postal_code and alliance.postal_city
        assert alliance.file_reference in decision.letter_html
    assert Alliance.history.filter(history_user__email="pt@demo.example", file_reference__startswith="03WIR").exists()
