"""The jury planner: slot times, conflicts, blocked days, one pitch per alliance, jurors' limits, balance, its
explanations, and the preview that is applied only after checking it again."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alliances.models import Strategy
from portal.models import OutgoingMessage, Role
from reviews import jury_planner
from reviews.jury_planner import AllianceData, SessionData, SlotData, plan, slot_times
from reviews.models import AllianceBlockedDate, PitchSlot, PitchSlotStatus
from reviews.services import jury
from reviews.services.jury_plan import apply_jury_plan, propose_jury_plan
from tests.factories import (
    AssignmentFactory,
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    UserFactory,
    berlin,
    jury_session,
    manager_of,
)

T0 = datetime(2030, 11, 12, 8, tzinfo=UTC)


def sessions_with_slots(count, slots_each, jurors_of=None):
    sessions, slots = [], []
    for number in range(count):
        jurors = frozenset((jurors_of or {}).get(number, {100 + number}))
        sessions.append(SessionData(id=number, day=date(2030, 11, 12 + number), jurors=jurors))
        slots += [
            SlotData(
                id=number * 100 + index, session_id=number, starts_at=T0 + timedelta(days=number, minutes=35 * index)
            )
            for index in range(slots_each)
        ]
    return sessions, slots


def session_of(slot_id):
    return slot_id // 100


# --- Pure core --------------------------------------------------------------------------------------------------


def test_slot_times_leave_out_breaks_and_keep_the_buffer():
    times = slot_times(
        starts_at=T0,
        ends_at=T0 + timedelta(hours=2),
        pitch_minutes=20,
        qa_minutes=10,
        buffer_minutes=10,
        breaks=[(T0 + timedelta(minutes=50), T0 + timedelta(minutes=70))],
    )
    assert [(start - T0, end - start) for start, end in times] == [
        (timedelta(minutes=0), timedelta(minutes=30)),
        (timedelta(minutes=70), timedelta(minutes=30)),
    ]


def test_an_alliance_goes_to_the_session_without_its_conflicted_juror():
    sessions, slots = sessions_with_slots(2, 3, jurors_of={0: {1, 2}, 1: {3, 4}})
    result = plan(
        sessions=sessions,
        open_slots=slots,
        alliances=[AllianceData(strategy_id=7, conflicted_jurors=frozenset({2}))],
        pitches_per_session={},
        juror_limits=dict.fromkeys([1, 2, 3, 4], 3),
    )
    assert session_of(result.placements[7]) == 1


def test_an_alliance_is_not_placed_on_a_blocked_day():
    sessions, slots = sessions_with_slots(2, 3)
    result = plan(
        sessions=sessions,
        open_slots=slots,
        alliances=[AllianceData(strategy_id=7, blocked_days=frozenset({date(2030, 11, 12)}))],
        pitches_per_session={},
        juror_limits={100: 3, 101: 3},
    )
    assert session_of(result.placements[7]) == 1


def test_pitches_spread_evenly_over_the_sessions():
    sessions, slots = sessions_with_slots(3, 4)
    result = plan(
        sessions=sessions,
        open_slots=slots,
        alliances=[AllianceData(strategy_id=number) for number in range(6)],
        pitches_per_session={},
        juror_limits={100: 3, 101: 3, 102: 3},
    )
    assert sorted(result.sessions_used.values()) == [2, 2, 2]


def test_a_juror_at_their_limit_keeps_an_empty_session_closed_and_the_alliance_is_explained():
    sessions, slots = sessions_with_slots(2, 1, jurors_of={0: {1}, 1: {1}})
    result = plan(
        sessions=sessions,
        open_slots=slots,
        alliances=[AllianceData(strategy_id=7), AllianceData(strategy_id=8)],
        pitches_per_session={},
        juror_limits={1: 1},
    )
    assert len(result.placements) == 1
    assert list(result.unplaced.values()) == [jury_planner.JUROR_LIMIT]


@pytest.mark.parametrize(
    ("alliance", "reason"),
    [
        (AllianceData(strategy_id=7, conflicted_jurors=frozenset({100, 101})), jury_planner.ALL_SESSIONS_CONFLICTED),
        (
            AllianceData(strategy_id=7, blocked_days=frozenset({date(2030, 11, 12), date(2030, 11, 13)})),
            jury_planner.ALL_SESSIONS_BLOCKED,
        ),
    ],
)
def test_an_alliance_that_cannot_be_placed_gets_the_reason(alliance, reason):
    sessions, slots = sessions_with_slots(2, 2)
    result = plan(
        sessions=sessions, open_slots=slots, alliances=[alliance], pitches_per_session={}, juror_limits={100: 3, 101: 3}
    )
    assert result.placements == {}
    assert result.unplaced == {7: reason}


def test_full_sessions_are_named_as_the_reason():
    sessions, slots = sessions_with_slots(1, 1)
    result = plan(
        sessions=sessions,
        open_slots=slots,
        alliances=[AllianceData(strategy_id=1), AllianceData(strategy_id=2)],
        pitches_per_session={},
        juror_limits={100: 3},
    )
    assert list(result.unplaced.values()) == [jury_planner.NO_FREE_SLOT]


@st.composite
def planning_problems(draw):
    session_count = draw(st.integers(1, 4))
    juror_pool = list(range(1, 7))
    jurors_of = {
        number: set(draw(st.lists(st.sampled_from(juror_pool), min_size=1, max_size=3)))
        for number in range(session_count)
    }
    sessions, slots = sessions_with_slots(session_count, draw(st.integers(1, 4)), jurors_of=jurors_of)
    days = [session.day for session in sessions]
    alliances = [
        AllianceData(
            strategy_id=number,
            conflicted_jurors=frozenset(draw(st.lists(st.sampled_from(juror_pool), max_size=2))),
            blocked_days=frozenset(draw(st.lists(st.sampled_from(days), max_size=2))),
        )
        for number in range(draw(st.integers(0, 12)))
    ]
    limits = {juror: draw(st.integers(0, 3)) for juror in juror_pool}
    return sessions, slots, alliances, limits


@settings(max_examples=300, deadline=None)
@given(planning_problems())
def test_no_plan_ever_breaks_a_conflict_a_blocked_day_a_limit_or_places_an_alliance_twice(problem):
    sessions, slots, alliances, limits = problem
    result = plan(sessions=sessions, open_slots=slots, alliances=alliances, pitches_per_session={}, juror_limits=limits)
    by_session = {session.id: session for session in sessions}
    by_alliance = {alliance.strategy_id: alliance for alliance in alliances}
    assert len(set(result.placements.values())) == len(result.placements)  # a slot holds one pitch
    assert set(result.placements) | set(result.unplaced) == set(by_alliance)
    assert not set(result.placements) & set(result.unplaced)
    for strategy_id, slot_id in result.placements.items():
        session = by_session[session_of(slot_id)]
        assert not session.jurors & by_alliance[strategy_id].conflicted_jurors
        assert session.day not in by_alliance[strategy_id].blocked_days
    used = {session_of(slot_id) for slot_id in result.placements.values()}
    for juror, limit in limits.items():
        assert sum(1 for session_id in used if juror in by_session[session_id].jurors) <= limit


# --- Loading, preview and apply -----------------------------------------------------------------------------------

NOW = berlin(2030, 11, 1, 12)


@pytest.fixture
def office(db):
    return UserFactory(role=Role.PROGRAMME_OFFICE, second_factor=False)


@pytest.fixture
def two_sessions(cycle):
    first = jury_session(cycle, starts_at=berlin(2030, 11, 12, 9), hours=2, jurors=[ExpertProfileFactory().user])
    second = jury_session(cycle, starts_at=berlin(2030, 11, 13, 9), hours=2, jurors=[ExpertProfileFactory().user])
    return first, second


def submitted(cycle, name):
    strategy = SubmittedStrategyFactory(cycle=cycle, alliance__name=name)
    manager_of(strategy.alliance)
    return strategy


def test_the_preview_places_alliances_and_explains_the_rest_without_storing(cycle, two_sessions):
    first, second = two_sessions
    conflicted = submitted(cycle, "Gesunde Lausitz")
    for session in two_sessions:
        AssignmentFactory(strategy=conflicted, expert=session.chair, status="conflicted")
    blocked = submitted(cycle, "DIANA")
    AllianceBlockedDate.objects.create(alliance=blocked.alliance, date=date(2030, 11, 12))
    free = submitted(cycle, "Holz21regio")
    proposal = propose_jury_plan(cycle=cycle, now=NOW)
    placed = {strategy.alliance.name: slot.session for slot, strategy in proposal.rows}
    assert placed == {"DIANA": second, "Holz21regio": first}
    ((unplaced, reason),) = proposal.unplaced
    assert unplaced == conflicted
    assert "Befangenheit" in reason and str(first.chair) in reason and str(second.chair) in reason
    assert not PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN).exists()
    assert free.pk in {strategy.pk for _slot, strategy in proposal.rows}


def test_applying_the_preview_takes_the_slots_and_sends_the_invitations(cycle, two_sessions, office):
    strategies = [submitted(cycle, f"Bündnis {n}") for n in range(3)]
    proposal = propose_jury_plan(cycle=cycle, now=NOW)
    apply_jury_plan(proposal=proposal, user=office, now=NOW)
    taken = PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN)
    assert set(taken.values_list("strategy_id", flat=True)) == {strategy.pk for strategy in strategies}
    assert OutgoingMessage.objects.filter(kind="jury").count() == 3 * 2  # each pitch: its manager and the juror
    assert propose_jury_plan(cycle=cycle, now=NOW).rows == []


def test_a_preview_gone_stale_is_refused_whole(cycle, two_sessions, office):
    first, second = submitted(cycle, "A-Bündnis"), submitted(cycle, "B-Bündnis")
    proposal = propose_jury_plan(cycle=cycle, now=NOW)
    slot_of_first = next(slot for slot, strategy in proposal.rows if strategy == first)
    jury.assign_slot(slot=slot_of_first, strategy=second, user=office, now=NOW)
    with pytest.raises(jury.JuryRefused, match="nicht mehr frei"):
        apply_jury_plan(proposal=proposal, user=office, now=NOW)
    assert list(PitchSlot.objects.filter(status=PitchSlotStatus.TAKEN).values_list("strategy_id", flat=True)) == [
        second.pk
    ]


def test_a_conflict_declared_after_the_planning_flags_the_session_in_the_preview(cycle, two_sessions, office):
    first, _second = two_sessions
    strategy = submitted(cycle, "Gesunde Lausitz")
    jury.assign_slot(slot=first.slots.first(), strategy=strategy, user=office, now=NOW)
    AssignmentFactory(strategy=strategy, expert=first.chair, status="conflicted")
    assert propose_jury_plan(cycle=cycle, now=NOW).flagged == [(first, first.chair, strategy)]


@pytest.mark.parametrize("alliances", [3, 30])
def test_the_preview_reads_in_a_fixed_number_of_queries(cycle, two_sessions, alliances, django_assert_num_queries):
    for number in range(alliances):
        submitted(cycle, f"Bündnis {number:02}")
    AssignmentFactory(strategy=Strategy.objects.first(), expert=two_sessions[0].chair, status="conflicted")
    with django_assert_num_queries(9):
        proposal = propose_jury_plan(cycle=cycle, now=NOW)
    assert len(proposal.rows) == min(alliances, 6)  # two sessions of three slots
