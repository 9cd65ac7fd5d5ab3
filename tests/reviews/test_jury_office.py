"""The programme office's jury planning pages: the cycle's sessions, a session's form, the schedule grid (plain
forms, htmx and the refusals), cancelling a slot and the planner's preview and apply. The ministry reads along."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from portal.models import OutgoingMessage
from reviews.models import JurySession, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import session_conflicts
from reviews.services import jury
from tests.factories import (
    AllianceFactory,
    AssignmentFactory,
    EvaluationCycleFactory,
    ExpertProfileFactory,
    SubmittedStrategyFactory,
    UserFactory,
    berlin,
    jury_session,
    ministry_user,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, count_queries, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def jurors(db):
    return [ExpertProfileFactory(user__full_name=name).user for name in ("Anna Vorsitz", "Bernd Jury", "Cora Jury")]


@pytest.fixture
def session(cycle, jurors):
    """Tuesday 12 November 2030, 09:00–11:00 Berlin: three slots (09:00, 09:35, 10:10), two of them open to pick."""
    return jury_session(cycle, starts_at=START, hours=2, jurors=jurors, title="Jury Ost")


@pytest.fixture
def pitching(cycle, alliance):
    return SubmittedStrategyFactory(cycle=cycle, alliance=alliance)


def open_slots(session):
    return list(session.slots.filter(status=PitchSlotStatus.OPEN).order_by("starts_at"))


def url(name, cycle, *args):
    return reverse(f"reviews:{name}", args=[cycle.slug, *args])


# --- permissions -------------------------------------------------------------------------------------------------

MATRIX = [
    ("sessions", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("new", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("new", "post", [LOGIN, 403, 403, 422, 403, 403]),
    ("edit", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("edit", "post", [LOGIN, 403, 403, 422, 403, 403]),
    ("schedule", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("schedule", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("cancel", "get", [LOGIN, 403, 403, 200, 403, 403]),
    ("cancel", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("planner", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("planner", "post", [LOGIN, 403, 403, 302, 403, 403]),
    # Out of scope: another cycle's session, an unknown session, slot or cycle.
    ("other_cycle_schedule", "get", [LOGIN, 403, 403, 404, 404, 403]),
    ("other_cycle_edit", "get", [LOGIN, 403, 403, 404, 403, 403]),
    ("unknown_session", "get", [LOGIN, 403, 403, 404, 404, 403]),
    ("unknown_slot", "get", [LOGIN, 403, 403, 404, 403, 403]),
    ("unknown_cycle", "get", [LOGIN, 403, 403, 404, 404, 403]),
]


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_jury_office_permission_matrix(client, actors, session, pitching, name, method, actor, want):
    cycle = session.cycle
    first = open_slots(session)[0]
    elsewhere = jury_session(
        EvaluationCycleFactory(slug="andere-runde", name="Andere Runde"), starts_at=START + timedelta(days=1), hours=1
    )
    urls = {
        "sessions": url("jury_sessions", cycle),
        "new": url("jury_session_new", cycle),
        "edit": url("jury_session_edit", cycle, session.pk),
        "schedule": url("jury_schedule", cycle, session.pk),
        "cancel": url("jury_slot_cancel", cycle, session.pk, first.uid),
        "planner": url("jury_planner", cycle),
        "other_cycle_schedule": url("jury_schedule", cycle, elsewhere.pk),
        "other_cycle_edit": url("jury_session_edit", cycle, elsewhere.pk),
        "unknown_session": url("jury_schedule", cycle, 999999),
        "unknown_slot": url("jury_slot_cancel", cycle, session.pk, uuid.uuid4()),
        "unknown_cycle": reverse("reviews:jury_sessions", args=["gibt-es-nicht"]),
    }
    data = {
        "schedule": {"action": "assign", "slot": first.uid, "strategy": pitching.pk},
        "cancel": {"reason": "Die Zeit wird für eine Nachbesprechung gebraucht."},
        "planner": {"pair": f"{first.pk}:{pitching.pk}"},
    }.get(name, {})
    response = request_as(client, actors[actor], method, urls[name], data)
    assert_status(response, want, f"{actor} {method} {urls[name]}")
    if method == "post" and want != 302:
        assert not PitchSlot.objects.filter(status__in=["taken", "cancelled"]).exists()


# --- the sessions list -------------------------------------------------------------------------------------------


def test_the_sessions_list_shows_time_chair_members_slots_and_links(client, programme_office, session, pitching):
    jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    client.force_login(programme_office)
    shown = client.get(url("jury_sessions", session.cycle)).content.decode()
    assert "Jury Ost" in shown and "Di, 12.11.2030" in shown and "09:00–11:00" in shown
    assert "Anna Vorsitz" in shown
    row = shown[shown.index("Jury Ost") :]
    assert '<td class="text-end">3</td>' in row  # members
    assert '<td class="text-end">2</td>' in row and '<td class="text-end">1</td>' in row  # open, taken
    for name in ("jury_schedule", "jury_session_edit"):
        assert url(name, session.cycle, session.pk) in shown
    assert url("jury_session_new", session.cycle) in shown and url("jury_planner", session.cycle) in shown
    assert "Befangenheit – bitte prüfen" not in shown


def test_a_conflict_declared_after_planning_flags_the_session_in_the_list_and_the_pitch_in_the_grid(
    client, programme_office, session, pitching, jurors
):
    slot = jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    AssignmentFactory(strategy=pitching, expert=jurors[1], status="conflicted")
    assert session_conflicts(session) != []
    client.force_login(programme_office)
    assert "Befangenheit – bitte prüfen" in client.get(url("jury_sessions", session.cycle)).content.decode()
    grid = client.get(url("jury_schedule", session.cycle, session.pk)).content.decode()
    row = grid[grid.index(f'id="slot-{slot.uid}"') :]
    assert "Befangenheit – bitte prüfen: Bernd Jury" in row[: row.index("</tr>")]


def test_the_ministry_reads_the_list_and_the_grid_without_any_action(client, ministry, session, pitching):
    client.force_login(ministry)
    listing = client.get(url("jury_sessions", session.cycle)).content.decode()
    assert "Jury Ost" in listing and "Neue Jurysitzung" not in listing
    assert url("jury_session_edit", session.cycle, session.pk) not in listing
    grid = client.get(url("jury_schedule", session.cycle, session.pk)).content.decode()
    assert "Verschieben nach" not in grid and "Einplanen" not in grid and "draggable" not in grid
    assert "Termine anlegen" not in grid


def test_the_office_nav_leads_to_the_jury_sessions(client, programme_office, cycle):
    client.force_login(programme_office)
    shown = client.get(reverse("reviews:office_assignments", args=[cycle.slug])).content.decode()
    assert url("jury_sessions", cycle) in shown and "Jurysitzungen" in shown


# --- the session form --------------------------------------------------------------------------------------------


def session_form(jurors, observers=(), **changes):
    return {
        "title": "Jury Nord",
        "day": "13.11.2030",
        "start_time": "09:00",
        "end_time": "13:00",
        "video_url": "https://konferenz.example/nord",
        "chair": jurors[0].pk,
        "jurors": [juror.pk for juror in jurors[1:]],
        "observers": [person.pk for person in observers],
        "pitch_minutes": "15",
        "qa_minutes": "15",
        "buffer_minutes": "5",
        "slides_deadline": "",
        "change_deadline": "2030-11-01T12:00",
        "breaks": "11:00–11:30",
        **changes,
    }


def test_a_new_session_is_stored_on_the_berlin_clock_with_its_break_and_leads_to_its_schedule(
    client, programme_office, cycle, jurors
):
    observer = ministry_user("beobachtung@bmbf.example")
    client.force_login(programme_office)
    response = client.post(url("jury_session_new", cycle), session_form(jurors, [observer]))
    created = JurySession.objects.get(title="Jury Nord")
    assert response.status_code == 302 and response["Location"] == url("jury_schedule", cycle, created.pk)
    assert (created.starts_at, created.ends_at) == (berlin(2030, 11, 13, 9), berlin(2030, 11, 13, 13))
    assert created.chair == jurors[0]
    assert created.change_deadline == berlin(2030, 11, 1, 12)
    assert created.slides_deadline == berlin(2030, 11, 10, 9)  # three days before, when left empty
    assert {(m.user_id, m.role) for m in created.members.all()} == {
        *((juror.pk, "juror") for juror in jurors),
        (observer.pk, "observer"),
    }
    assert [(b.starts_at, b.ends_at) for b in created.breaks.all()] == [
        (berlin(2030, 11, 13, 11), berlin(2030, 11, 13, 11, 30))
    ]


def test_a_break_that_is_not_a_time_span_is_refused_in_german_and_nothing_is_stored(
    client, programme_office, cycle, jurors
):
    client.force_login(programme_office)
    response = client.post(url("jury_session_new", cycle), session_form(jurors, breaks="Mittag\n14:00–13:00"))
    assert response.status_code == 422
    shown = response.content.decode()
    assert "Zeile 1 („Mittag“): bitte als Uhrzeit von–bis schreiben" in shown
    assert "Zeile 2 („14:00–13:00“): Die Pause muss nach ihrem Beginn enden." in shown
    assert not JurySession.objects.exists()


def test_every_refusal_of_the_service_is_listed_and_the_typed_input_is_kept(client, programme_office, cycle, jurors):
    client.force_login(programme_office)
    typed = session_form(jurors, day="12.11.2020", video_url="http://konferenz.example/nord", title="Jury Altbau")
    response = client.post(url("jury_session_new", cycle), typed)
    assert response.status_code == 422
    shown = response.content.decode()
    assert "data-error-summary" in shown
    assert "Der Link zur Videokonferenz muss mit https:// beginnen." in shown
    assert "Die Sitzung kann nicht in der Vergangenheit liegen." in shown
    assert 'value="Jury Altbau"' in shown and 'value="http://konferenz.example/nord"' in shown
    assert not JurySession.objects.exists()


def test_a_juror_sitting_at_the_same_time_elsewhere_is_refused(client, programme_office, cycle, session, jurors):
    client.force_login(programme_office)
    form = session_form(jurors, day="12.11.2030", start_time="10:00", end_time="12:00")
    response = client.post(url("jury_session_new", cycle), form)
    assert response.status_code == 422
    assert "Anna Vorsitz sitzt zur selben Zeit in der Sitzung „Jury Ost“." in response.content.decode()
    assert JurySession.objects.count() == 1


def test_the_edit_form_shows_the_session_on_the_berlin_clock_and_saves_changes(
    client, programme_office, session, jurors
):
    client.force_login(programme_office)
    page = url("jury_session_edit", session.cycle, session.pk)
    shown = client.get(page).content.decode()
    assert 'value="2030-11-12"' in shown and 'value="09:00"' in shown and 'value="11:00"' in shown
    response = client.post(page, session_form(jurors, day="12.11.2030", end_time="12:00", title="Jury Ost II"))
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title, session.ends_at) == ("Jury Ost II", berlin(2030, 11, 12, 12))


# --- the schedule grid -------------------------------------------------------------------------------------------


def test_the_grid_lists_slots_and_breaks_in_time_order(client, programme_office, cycle, jurors):
    session = jury_session(
        cycle,
        starts_at=START,
        hours=2,
        jurors=jurors,
        breaks=[(START + timedelta(minutes=35), START + timedelta(minutes=50))],
    )
    client.force_login(programme_office)
    shown = client.get(url("jury_schedule", cycle, session.pk)).content.decode()
    times = ["09:00–09:30", "09:35–09:50", "09:50–10:20"]
    positions = [shown.index(f">{time}</th>") for time in times]
    assert positions == sorted(positions)
    assert shown[positions[1] :].index("Pause") < 100


def test_generating_slots_can_offer_them_to_the_alliances(client, programme_office, cycle, jurors):
    session = jury_session(cycle, starts_at=START, hours=2, jurors=jurors, slots=False)
    client.force_login(programme_office)
    page = url("jury_schedule", cycle, session.pk)
    response = client.post(page, {"action": "generate", "offered": "on"}, follow=True)
    assert "3 Pitch-Termine angelegt." in response.content.decode()
    assert [slot.offered_to_alliances for slot in session.slots.all()] == [True, True, True]


def test_assigning_with_the_plain_form_redirects_with_a_message_and_invites(
    client, programme_office, session, pitching
):
    slot = open_slots(session)[1]
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    response = client.post(page, {"action": "assign", "slot": slot.uid, "strategy": pitching.pk})
    assert response.status_code == 302 and response["Location"] == f"{page}#slot-{slot.uid}"
    shown = client.get(response["Location"]).content.decode()
    assert "Gesunde Lausitz ist für 12.11.2030 09:35 Uhr eingeplant" in shown
    slot.refresh_from_db()
    assert slot.strategy == pitching and slot.status == PitchSlotStatus.TAKEN
    assert OutgoingMessage.objects.filter(kind="jury").exists()


def test_an_empty_choice_is_refused_without_a_change(client, programme_office, session, pitching):
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    response = client.post(page, {"action": "assign", "slot": open_slots(session)[0].uid, "strategy": ""})
    assert response.status_code == 409
    assert "Bitte wählen Sie ein Bündnis" in response.content.decode()
    assert not PitchSlot.objects.filter(status="taken").exists()


def test_moving_by_htmx_answers_the_grid_focused_on_the_moved_row_with_the_message(
    client, programme_office, session, pitching
):
    first, last = open_slots(session)[0], open_slots(session)[2]
    pitch = jury.assign_slot(slot=first, strategy=pitching, user=programme_office)
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    response = client.post(page, {"action": "move", "pitch": pitch.uid, "target": last.uid}, **HTMX)
    assert response.status_code == 200
    shown = response.content.decode()
    assert "<html" not in shown and 'id="schedule-grid"' in shown
    assert f'id="slot-{pitch.uid}" tabindex="-1" data-focus-after-swap' in shown
    assert 'hx-swap-oob="innerHTML"' in shown and "ist auf 12.11.2030 10:10 Uhr (Jury Ost) verschoben" in shown
    pitch.refresh_from_db()
    assert pitch.starts_at == berlin(2030, 11, 12, 10, 10) and pitch.sequence == 1


def test_a_rows_link_preselects_its_pitch_in_the_shared_move_form_and_focuses_the_target(
    client, programme_office, session, pitching
):
    pitch = jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    shown = client.get(page).content.decode()
    assert f'href="?move={pitch.uid}#move-form"' in shown and 'id="move-form"' in shown
    assert shown.count('name="target"') == 2  # the shared move form and the hidden drop form, none per row
    assert "autofocus" not in shown
    chosen = client.get(page, {"move": pitch.uid}).content.decode()
    assert f'<option value="{pitch.uid}" selected>09:00 · Gesunde Lausitz</option>' in chosen
    assert 'id="move-target" autofocus' in chosen


def test_a_rows_link_preselects_its_open_slot_in_the_shared_assign_form_and_focuses_the_alliance(
    client, programme_office, session, pitching
):
    slot = open_slots(session)[1]
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    shown = client.get(page).content.decode()
    assert f'href="?slot={slot.uid}#assign-form"' in shown and 'id="assign-form"' in shown
    assert shown.count('name="strategy"') == 1
    chosen = client.get(page, {"slot": slot.uid}).content.decode()
    assert f'<option value="{slot.uid}" selected>09:35–10:05</option>' in chosen
    assert 'id="assign-strategy" autofocus' in chosen
    assert f'<option value="{pitching.pk}">Gesunde Lausitz</option>' in chosen


def test_a_refused_assignment_keeps_the_choices_in_the_shared_form(client, programme_office, session, pitching):
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    slot = open_slots(session)[2]
    response = client.post(page, {"action": "assign", "slot": slot.uid, "strategy": ""}, **HTMX)
    assert response.status_code == 422
    shown = response.content.decode()
    assert "Bitte wählen Sie ein Bündnis" in shown
    assert f'<option value="{slot.uid}" selected>' in shown


def test_a_pitch_moves_to_an_open_slot_of_another_session_of_the_cycle(client, programme_office, session, pitching):
    other = jury_session(session.cycle, starts_at=START + timedelta(days=1), hours=1, title="Jury West")
    pitch = jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    listing = client.get(page).content.decode()
    target = open_slots(other)[0]
    assert f'<option value="{target.uid}">' in listing
    response = client.post(page, {"action": "move", "pitch": pitch.uid, "target": target.uid})
    assert response.status_code == 302
    pitch.refresh_from_db()
    assert pitch.session == other
    assert session.slots.filter(status="open", starts_at=START).exists()


def test_a_refused_move_by_htmx_answers_422_with_every_reason_and_changes_nothing(
    client, programme_office, session, pitching, jurors
):
    other = jury_session(session.cycle, starts_at=START + timedelta(days=1), hours=1, jurors=[jurors[2]])
    AssignmentFactory(strategy=pitching, expert=jurors[2], status="conflicted")
    jury.set_blocked_dates(alliance=pitching.alliance, dates=[(START + timedelta(days=1)).date()])
    pitch = PitchSlot.objects.get(pk=open_slots(session)[0].pk)
    pitch.strategy, pitch.status = pitching, PitchSlotStatus.TAKEN  # planned before the conflict was declared
    pitch.save()
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    response = client.post(page, {"action": "move", "pitch": pitch.uid, "target": open_slots(other)[0].uid}, **HTMX)
    assert response.status_code == 422
    shown = response.content.decode()
    assert 'role="alert"' in shown
    assert "Cora Jury hat eine Befangenheit gegenüber Gesunde Lausitz erklärt" in shown
    assert "Gesunde Lausitz kann am 13.11.2030 nicht." in shown
    pitch.refresh_from_db()
    assert pitch.session == session and pitch.sequence == 0


def test_a_refusal_without_javascript_shows_the_page_with_the_reasons(client, programme_office, session, pitching):
    rival = SubmittedStrategyFactory(cycle=session.cycle, alliance=AllianceFactory(name="DIANA"))
    first = open_slots(session)[0]
    jury.assign_slot(slot=first, strategy=rival, user=programme_office)
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    response = client.post(page, {"action": "assign", "slot": first.uid, "strategy": pitching.pk})
    assert response.status_code == 409
    shown = response.content.decode()
    assert "<html" in shown and "Dieser Termin ist nicht mehr frei" in shown
    assert not PitchSlot.objects.filter(strategy=pitching).exists()


def test_a_slot_of_another_cycle_is_not_found(client, programme_office, session, pitching):
    elsewhere = jury_session(
        EvaluationCycleFactory(slug="andere-runde", name="Andere Runde"), starts_at=START + timedelta(days=2), hours=1
    )
    client.force_login(programme_office)
    page = url("jury_schedule", session.cycle, session.pk)
    pitch = jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    response = client.post(page, {"action": "move", "pitch": pitch.uid, "target": open_slots(elsewhere)[0].uid})
    assert response.status_code == 404


# --- cancelling a slot -------------------------------------------------------------------------------------------


def test_the_cancel_page_names_who_is_told_and_cancelling_frees_the_time(
    client, programme_office, session, pitching, manager, jurors
):
    pitch = jury.assign_slot(slot=open_slots(session)[0], strategy=pitching, user=programme_office)
    client.force_login(programme_office)
    page = url("jury_slot_cancel", session.cycle, session.pk, pitch.uid)
    shown = client.get(page).content.decode()
    assert "Pitch absagen · Gesunde Lausitz" in shown
    assert "Die Absage mit Kalenderdatei erhalten 4 Personen:" in shown
    assert all(person.get_full_name() in shown for person in (manager, *jurors))
    assert "lässt sich nicht rückgängig machen" in shown and "data-disable-on-submit" in shown
    assert client.post(page, {"reason": ""}).status_code == 422
    response = client.post(page, {"reason": "Das Bündnis ist erkrankt."}, follow=True)
    assert "Der Pitch von Gesunde Lausitz am 12.11.2030 09:00 Uhr ist abgesagt" in response.content.decode()
    pitch.refresh_from_db()
    assert pitch.status == PitchSlotStatus.CANCELLED
    assert session.slots.filter(status="open", starts_at=START).exists()


# --- the planner -------------------------------------------------------------------------------------------------


@pytest.fixture
def three_submitted(cycle):
    return [SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory(name=name)) for name in ("Alpha", "Beta")]


def test_the_planner_previews_then_applies_exactly_the_previewed_pairs(
    client, programme_office, session, three_submitted, jurors
):
    blocked = SubmittedStrategyFactory(cycle=session.cycle, alliance=AllianceFactory(name="Gamma"))
    jury.set_blocked_dates(alliance=blocked.alliance, dates=[START.date()])
    client.force_login(programme_office)
    page = url("jury_planner", session.cycle)
    shown = client.get(page).content.decode()
    assert "Alpha" in shown and "Beta" in shown
    assert "<strong>Gamma</strong>: Jede Sitzung ohne befangenes Jurymitglied liegt an einem gesperrten Tag" in shown
    assert shown.count('name="pair"') == 2
    pairs = [value.split('"')[0] for value in shown.split('name="pair" value="')[1:]]
    response = client.post(page, {"pair": pairs})
    assert response.status_code == 302 and response["Location"] == url("jury_sessions", session.cycle)
    taken = set(PitchSlot.objects.filter(status="taken").values_list("pk", "strategy_id"))
    assert {f"{slot}:{strategy}" for slot, strategy in taken} == set(pairs)
    listing = client.get(response["Location"]).content.decode()
    assert "2 Pitches sind eingeplant" in listing


def test_applying_a_stale_preview_refuses_every_pair_and_stores_nothing(
    client, programme_office, session, three_submitted
):
    client.force_login(programme_office)
    page = url("jury_planner", session.cycle)
    shown = client.get(page).content.decode()
    pairs = [value.split('"')[0] for value in shown.split('name="pair" value="')[1:]]
    first_slot = PitchSlot.objects.get(pk=int(pairs[0].split(":")[0]))
    rival = SubmittedStrategyFactory(cycle=session.cycle, alliance=AllianceFactory(name="Zeta"))
    jury.assign_slot(slot=first_slot, strategy=rival, user=programme_office)  # meanwhile
    response = client.post(page, {"pair": pairs})
    assert response.status_code == 409
    assert "Dieser Termin ist nicht mehr frei" in response.content.decode()
    assert list(PitchSlot.objects.filter(status="taken").values_list("strategy_id", flat=True)) == [rival.pk]


def test_a_forged_pair_of_another_cycle_is_refused(client, programme_office, session, three_submitted):
    elsewhere = jury_session(
        EvaluationCycleFactory(slug="andere-runde", name="Andere Runde"), starts_at=START + timedelta(days=2), hours=1
    )
    client.force_login(programme_office)
    forged = f"{open_slots(elsewhere)[0].pk}:{three_submitted[0].pk}"
    response = client.post(url("jury_planner", session.cycle), {"pair": [forged]})
    assert response.status_code == 409
    assert "die es in dieser Runde nicht gibt" in response.content.decode()
    assert not PitchSlot.objects.filter(status="taken").exists()


# --- query counts ------------------------------------------------------------------------------------------------


def _more_alliances(cycle, count):
    return [SubmittedStrategyFactory(cycle=cycle, alliance=AllianceFactory()) for _ in range(count)]


def test_the_grid_and_the_sessions_list_read_the_same_number_of_queries_at_24_and_240_alliances(
    client, programme_office, cycle, jurors
):
    session = jury_session(cycle, starts_at=START, hours=8, jurors=jurors)
    jury_session(cycle, starts_at=START + timedelta(days=1), hours=8)
    strategies = _more_alliances(cycle, 24)
    for slot, strategy in zip(open_slots(session)[:6], strategies, strict=False):
        jury.assign_slot(slot=slot, strategy=strategy, user=programme_office)
    AssignmentFactory(strategy=strategies[0], expert=jurors[1], status="conflicted")
    client.force_login(programme_office)
    grid, sessions = url("jury_schedule", cycle, session.pk), url("jury_sessions", cycle)
    client.get(grid), client.get(sessions)  # warms the caches a page reads once
    few_grid, _response = count_queries(client, grid)
    few_list, _response = count_queries(client, sessions)
    _more_alliances(cycle, 216)
    many_grid, response = count_queries(client, grid)
    # One shared move form and one assign form: the options grow with rows + choices, not rows × choices.
    options = response.content.decode().count("<option")
    choices = (
        PitchSlot.objects.filter(session__cycle=cycle, status="open").count()
        + cycle.strategies.filter(status="submitted").exclude(pitch_slots__status="taken").count()
        + session.slots.filter(status="taken").count()
    )
    assert 240 < options < 3 * choices
    many_list, _response = count_queries(client, sessions)
    print(f"grid {few_grid}/{many_grid}, list {few_list}/{many_list}")
    assert (many_grid, many_list) == (few_grid, few_list)
    assert (few_grid, few_list) == (11, 7)


def test_the_office_user_with_nothing_planned_sees_an_empty_list(client, cycle):
    office = UserFactory(role="programme_office")
    client.force_login(office)
    assert "noch keine Jurysitzung" in client.get(url("jury_sessions", cycle)).content.decode()
