"""Jury mode: the chair runs the session (pitches, attendance, the jury's result, which becomes the Votum), jurors keep
private notes, a conflicted juror is kept out of that alliance's pitch, and the page reads a fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import Role
from reviews.models import JuryMember, JuryNote, PanelVotum, PitchSlot
from reviews.services.jury import JuryRefused
from reviews.services.jury_mode import (
    close_pitch,
    record_attendance,
    record_jury_result,
    save_jury_note,
    start_pitch,
)
from tests.factories import (
    AllianceFactory,
    ExpertProfileFactory,
    StrategyFactory,
    UserFactory,
    berlin,
    conflicted_juror,
    manager_of,
    pitched_session,
    programme_rubric,
    scored_strategy,
    votum_with_conditions,
)
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, request_as

pytestmark = pytest.mark.django_db

START = berlin(2030, 11, 12, 9)
HTMX = {"HX-Request": "true"}
KEPT_OUT = "Pitch (Sie sind befangen und nehmen nicht teil)"

ACTORS = [
    "anonymous",
    "manager",
    "outsider",
    "juror",
    "conflicted",
    "chair",
    "observer",
    "programme_office",
    "ministry",
    "admin",
]
#           anon   mgr  outs juror confl chair  obs  office mini admin
MATRIX = [
    ("mine", "get", [LOGIN, 403, 200, 200, 200, 200, 200, 403, 200, 403]),
    ("session", "get", [LOGIN, 403, 404, 200, 200, 200, 200, 200, 200, 403]),
    ("live", "get", [LOGIN, 403, 404, 200, 200, 200, 200, 200, 200, 403]),
    ("start", "post", [LOGIN, 403, 404, 403, 404, 302, 403, 403, 403, 403]),
    ("close", "post", [LOGIN, 403, 404, 403, 404, 302, 403, 403, 403, 403]),
    ("note", "get", [LOGIN, 403, 404, 200, 404, 200, 403, 403, 403, 403]),
    ("note", "post", [LOGIN, 403, 404, 302, 404, 302, 403, 403, 403, 403]),
    ("attendance", "post", [LOGIN, 403, 404, 403, 403, 302, 403, 403, 403, 403]),
    ("result", "get", [LOGIN, 403, 404, 403, 404, 200, 403, 403, 403, 403]),
    ("result", "post", [LOGIN, 403, 404, 403, 404, 302, 403, 403, 403, 403]),
]


class World:
    """Two pitches in one session: Gesunde Lausitz (a juror declared a conflict after being scheduled) and DIANA."""

    def __init__(self, cycle):
        rubric = programme_rubric(cycle)
        self.cycle = cycle
        self.lausitz = scored_strategy(cycle, AllianceFactory(name="Gesunde Lausitz"), rubric=rubric, points=4)
        self.diana = scored_strategy(cycle, AllianceFactory(name="DIANA"), rubric=rubric, points=3)
        self.chair = ExpertProfileFactory(user__full_name="Clara Vorsitz").user
        self.juror = ExpertProfileFactory(user__full_name="Jan Juror").user
        self.conflicted = ExpertProfileFactory(user__full_name="Konrad Befangen").user
        self.outsider = ExpertProfileFactory(user__full_name="Olga Außen").user
        self.observer = UserFactory(role=Role.MINISTRY, full_name="Mia Ministerium")
        self.session = pitched_session(
            cycle,
            [self.lausitz, self.diana],
            starts_at=START,
            jurors=[self.chair, self.juror, self.conflicted],
            chair=self.chair,
            observers=[self.observer],
        )
        conflicted_juror(self.lausitz, self.conflicted)
        self.first = PitchSlot.objects.get(strategy=self.lausitz)
        self.second = PitchSlot.objects.get(strategy=self.diana)

    def url(self, name, slot=None):
        args = [self.cycle.slug, self.session.pk] + ([slot.uid] if slot is not None else [])
        return reverse(f"reviews:{name}", args=args)

    def result(self, **changes):
        values = {
            "recommendation": "conditions",
            "proposed_amount": Decimal("450000"),
            "conditions": "Beirat einrichten",
            "statement": "Die Jury empfiehlt die Förderung mit Auflagen.",
        }
        return values | changes


@pytest.fixture
def world(cycle):
    return World(cycle)


def run(world, slot, *, close=True):
    start_pitch(slot=slot, user=world.chair)
    if close:
        close_pitch(slot=slot, user=world.chair)


# --- Permissions ----------------------------------------------------------------------------------------------


ROUTES = {
    "mine": lambda w: reverse("reviews:my_jury_sessions"),
    "session": lambda w: w.url("jury_session"),
    "live": lambda w: w.url("jury_session_live"),
    "start": lambda w: w.url("jury_pitch_start", w.first),
    "close": lambda w: w.url("jury_pitch_close", w.first),
    "note": lambda w: w.url("jury_note", w.first),
    "attendance": lambda w: w.url("jury_attendance"),
    "result": lambda w: w.url("jury_result", w.first),
}


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX, ACTORS))
def test_jury_mode_permission_matrix(client, world, programme_office, ministry, admin_user, name, method, actor, want):
    people = {
        "anonymous": None,
        "manager": manager_of(world.lausitz.alliance),
        "outsider": world.outsider,
        "juror": world.juror,
        "conflicted": world.conflicted,
        "chair": world.chair,
        "observer": world.observer,
        "programme_office": programme_office,
        "ministry": ministry,
        "admin": admin_user,
    }
    if name == "close":
        run(world, world.first, close=False)
    if name == "result":
        run(world, world.first)
    data = {
        "note": {"text": "Starker Pitch."},
        "attendance": {"present": [world.chair.pk, world.juror.pk]},
        "result": {"version": "0", **world.result(proposed_amount="450.000,00")},
    }.get(name, {})
    response = request_as(client, people[actor], method, ROUTES[name](world), data)
    assert_status(response, want)
    world.first.refresh_from_db()
    stored = {
        "start": world.first.started_at is not None,
        "close": world.first.closed_at is not None,
        "note": JuryNote.objects.exists(),
        "attendance": JuryMember.objects.filter(present__isnull=False).exists(),
        "result": PanelVotum.objects.exists(),
    }
    if method == "post":
        assert stored[name] is (want == 302)


# --- Running the session ---------------------------------------------------------------------------------------


def test_the_chair_starts_and_closes_a_pitch_and_the_page_shows_its_status(client, world):
    client.force_login(world.chair)
    client.post(world.url("jury_pitch_start", world.first))
    shown = client.get(world.url("jury_session")).content.decode()
    assert "Aktueller Pitch" in shown and "läuft" in shown
    assert 'role="timer"' in shown and 'aria-live="off"' in shown and "data-started-at=" in shown
    assert 'data-pitch-seconds="900"' in shown and 'data-qa-seconds="900"' in shown
    assert "Begonnen um" in shown  # the server's start time without JavaScript
    client.post(world.url("jury_pitch_close", world.first))
    world.first.refresh_from_db()
    assert world.first.is_closed
    shown = client.get(world.url("jury_session")).content.decode()
    assert "abgeschlossen" in shown and "Ergebnis festhalten" in shown


def test_a_pitch_cannot_be_started_twice_closed_before_its_start_or_run_beside_another(world):
    with pytest.raises(JuryRefused, match="erst abgeschlossen werden, wenn er begonnen hat"):
        close_pitch(slot=world.first, user=world.chair)
    start_pitch(slot=world.first, user=world.chair)
    with pytest.raises(JuryRefused, match="läuft bereits"):
        start_pitch(slot=world.first, user=world.chair)
    with pytest.raises(JuryRefused, match="läuft noch"):
        start_pitch(slot=world.second, user=world.chair)
    world.second.refresh_from_db()
    assert world.second.started_at is None
    close_pitch(slot=world.first, user=world.chair)
    with pytest.raises(JuryRefused, match="bereits abgeschlossen"):
        start_pitch(slot=world.first, user=world.chair)


def test_only_the_chair_runs_the_pitches(world):
    with pytest.raises(JuryRefused, match="Nur der Vorsitz"):
        start_pitch(slot=world.first, user=world.juror)
    world.first.refresh_from_db()
    assert world.first.started_at is None


def test_start_and_close_are_kept_in_history(world):
    run(world, world.first)
    kinds = [record.history_user for record in world.first.history.all()[:2]]
    assert kinds == [world.chair, world.chair]


def test_the_chair_records_attendance_and_a_conflicted_juror_counts_absent_for_that_pitch(client, world):
    record_attendance(session=world.session, user=world.chair, present_ids=[world.chair.pk, world.conflicted.pk])
    present = dict(JuryMember.objects.filter(session=world.session).values_list("user_id", "present"))
    assert present == {world.chair.pk: True, world.conflicted.pk: True, world.juror.pk: False, world.observer.pk: False}
    client.force_login(world.chair)
    shown = client.get(world.url("jury_session_live")).content.decode()
    # The current pitch is Lausitz: the conflicted juror is absent for it, whatever was ticked.
    assert "Konrad Befangen" in shown and "abwesend (befangen)" in shown
    start_pitch(slot=world.first, user=world.chair)
    close_pitch(slot=world.first, user=world.chair)
    shown = client.get(world.url("jury_session_live")).content.decode()
    assert "abwesend (befangen)" not in shown.split('id="presence"')[1]  # DIANA is current now


def test_attendance_names_only_members(world):
    with pytest.raises(JuryRefused, match="nur Mitglieder"):
        record_attendance(session=world.session, user=world.chair, present_ids=[world.outsider.pk])
    assert not JuryMember.objects.filter(present__isnull=False).exists()


def test_a_conflicted_juror_never_sees_the_alliance(client, world):
    client.force_login(world.conflicted)
    for url in (world.url("jury_session"), world.url("jury_session_live")):
        shown = client.get(url).content.decode()
        assert KEPT_OUT in shown
        assert "Gesunde Lausitz" not in shown
        assert "DIANA" in shown
    assert client.get(world.url("jury_note", world.first)).status_code == 404
    with pytest.raises(JuryRefused, match="befangen"):
        save_jury_note(slot=world.first, juror=world.conflicted, text="Heimlich")
    assert not JuryNote.objects.exists()


def test_the_live_partial_never_carries_the_note_form(client, world):
    client.force_login(world.juror)
    page = client.get(world.url("jury_session")).content.decode()
    assert 'hx-trigger="every 5s"' in page and world.url("jury_session_live") in page
    assert "<textarea" in page and "js/jury_timer" in page
    live = client.get(world.url("jury_session_live"), headers=HTMX).content.decode()
    assert "<textarea" not in live and "<html" not in live


def test_the_current_pitch_shows_the_alliance_s_figures(client, world):
    client.force_login(world.juror)
    shown = client.get(world.url("jury_session")).content.decode()
    current = shown.split('id="current-pitch"')[1].split('id="agenda"')[0]
    assert "Gesunde Lausitz" in current
    assert "1 / 1" in current  # one review submitted of one expected
    assert "Beantragt" in current and " EUR" in current
    assert "80,0" in current or "von 100" in current


# --- Notes ----------------------------------------------------------------------------------------------------


def test_a_note_is_read_only_by_its_author_until_the_chair_closes_the_pitch(client, world):
    client.force_login(world.juror)
    response = client.post(world.url("jury_note", world.first), {"text": "Klarer Plan, schwache Finanzierung."})
    assert response.status_code == 302
    assert "Klarer Plan" in client.get(world.url("jury_note", world.first)).content.decode()
    assert "Klarer Plan" in client.get(world.url("jury_session")).content.decode()  # the juror's own form
    client.force_login(world.chair)
    assert "Klarer Plan" not in client.get(world.url("jury_note", world.first)).content.decode()
    assert "Klarer Plan" not in client.get(world.url("jury_session")).content.decode()
    run(world, world.first)
    shown = client.get(world.url("jury_note", world.first)).content.decode()
    assert "Klarer Plan" in shown and "Jan Juror" in shown and "<textarea" not in shown
    for reader in (world.observer, world.conflicted):
        client.force_login(reader)
        assert "Klarer Plan" not in client.get(world.url("jury_session")).content.decode()


def test_a_note_is_refused_once_the_pitch_is_closed(client, world):
    save_jury_note(slot=world.first, juror=world.juror, text="Vorher")
    run(world, world.first)
    with pytest.raises(JuryRefused, match="abgeschlossen"):
        save_jury_note(slot=world.first, juror=world.juror, text="Nachher")
    assert JuryNote.objects.get().text == "Vorher"
    client.force_login(world.juror)
    response = client.post(world.url("jury_note", world.first), {"text": "Nachher"}, headers=HTMX)
    assert response.status_code == 422 and "abgeschlossen" in response.content.decode()
    assert JuryNote.objects.get().text == "Vorher"


def test_a_note_saved_by_htmx_answers_with_its_status_only(client, world):
    client.force_login(world.juror)
    response = client.post(world.url("jury_note", world.first), {"text": "Gut"}, headers=HTMX)
    shown = response.content.decode()
    assert response.status_code == 200 and "Gespeichert um" in shown and "<textarea" not in shown


def test_observers_write_no_notes(world):
    with pytest.raises(JuryRefused, match="nur die Jurymitglieder"):
        save_jury_note(slot=world.first, juror=world.observer, text="x")


# --- The jury's result ------------------------------------------------------------------------------------------


def test_the_jury_s_result_becomes_the_votum(world):
    run(world, world.first)
    votum = record_jury_result(slot=world.first, user=world.chair, **world.result())
    assert votum.pitch == world.first
    assert votum.summary == "Die Jury empfiehlt die Förderung mit Auflagen."
    assert (votum.recommendation, votum.proposed_amount, votum.conditions) == (
        "conditions",
        Decimal("450000"),
        "Beirat einrichten",
    )
    assert votum.written_by == world.chair and votum.change_reason == ""


def test_a_different_result_replaces_a_votum_only_with_a_reason(world, programme_office):
    earlier = votum_with_conditions(world.lausitz, programme_office, proposed_amount=Decimal("480000"))
    run(world, world.first)
    with pytest.raises(JuryRefused, match="begründen"):
        record_jury_result(slot=world.first, user=world.chair, **world.result(recommendation="fund"))
    earlier.refresh_from_db()
    assert (earlier.recommendation, earlier.pitch, earlier.version) == ("conditions", None, 1)
    votum = record_jury_result(
        slot=world.first,
        user=world.chair,
        change_reason="Der Pitch hat die offenen Fragen zur Finanzierung beantwortet.",
        **world.result(recommendation="fund"),
    )
    assert votum.pk == earlier.pk and votum.version == 2 and votum.pitch == world.first
    assert votum.change_reason.startswith("Der Pitch hat")
    old = votum.history.order_by("history_date")[0]
    assert (old.recommendation, old.written_by_id) == ("conditions", programme_office.pk)


def test_the_same_result_as_the_votum_needs_no_reason(world, programme_office):
    votum_with_conditions(
        world.lausitz, programme_office, proposed_amount=Decimal("450000"), conditions="Beirat einrichten"
    )
    run(world, world.first)
    votum = record_jury_result(slot=world.first, user=world.chair, **world.result())
    assert votum.pitch == world.first and votum.summary.startswith("Die Jury")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"statement": "  "}, "Zusammenfassung"),
        ({"proposed_amount": Decimal("-1")}, "negativ"),
    ],
)
def test_a_refused_result_stores_nothing(world, changes, message):
    run(world, world.first)
    with pytest.raises(JuryRefused):
        record_jury_result(slot=world.first, user=world.chair, **world.result(**changes))
    assert not PanelVotum.objects.exists()


def test_the_result_waits_for_the_close_and_for_the_chair(world):
    start_pitch(slot=world.first, user=world.chair)
    with pytest.raises(JuryRefused, match="abgeschlossen ist"):
        record_jury_result(slot=world.first, user=world.chair, **world.result())
    close_pitch(slot=world.first, user=world.chair)
    with pytest.raises(JuryRefused, match="Nur der Vorsitz"):
        record_jury_result(slot=world.first, user=world.juror, **world.result())
    assert not PanelVotum.objects.exists()


def test_the_result_waits_for_complete_reviews(world, cycle):
    strategy = StrategyFactory(cycle=cycle, alliance=AllianceFactory(name="Ohne Gutachten"), status="submitted")
    slot = world.session.slots.filter(status="open").first()
    PitchSlot.objects.filter(pk=slot.pk).update(strategy=strategy, status="taken")
    slot.refresh_from_db()
    run(world, world.first)  # Lausitz first: one running pitch at a time
    run(world, slot)
    with pytest.raises(JuryRefused, match="alle Gutachten"):
        record_jury_result(slot=slot, user=world.chair, **world.result())
    assert not PanelVotum.objects.exists()


def test_the_result_form_starts_from_the_requested_sum_and_shows_refusals_without_storing(client, world):
    run(world, world.first)
    client.force_login(world.chair)
    form = client.get(world.url("jury_result", world.first)).content.decode()
    requested = world.lausitz.latest_submission.budget_total
    assert f"{requested:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".") in form
    assert "change_reason" not in form  # no Votum yet: nothing to replace
    response = client.post(
        world.url("jury_result", world.first), {"version": "0", **world.result(statement="", proposed_amount="1")}
    )
    assert response.status_code == 422
    assert "data-error-summary" in response.content.decode()
    assert not PanelVotum.objects.exists()


def test_the_result_form_asks_for_a_reason_when_a_votum_exists(client, world, programme_office):
    votum_with_conditions(world.lausitz, programme_office)
    run(world, world.first)
    client.force_login(world.chair)
    url = world.url("jury_result", world.first)
    assert 'name="change_reason"' in client.get(url).content.decode()
    response = client.post(url, {"version": "1", **world.result(recommendation="reject", proposed_amount="0")})
    assert response.status_code == 422 and "begründen" in response.content.decode()
    assert PanelVotum.objects.get().recommendation == "conditions"
    data = {"version": "1", "change_reason": "Neue Erkenntnisse", **world.result(recommendation="reject")}
    data["proposed_amount"] = "0"
    assert client.post(url, data).status_code == 302
    assert PanelVotum.objects.get().recommendation == "reject"


def test_the_votum_page_and_the_dashboard_say_the_votum_came_from_the_jury(client, world, programme_office, ministry):
    run(world, world.first)
    record_jury_result(slot=world.first, user=world.chair, **world.result())
    client.force_login(programme_office)
    votum_page = reverse("reviews:office_votum", args=[world.cycle.slug, world.lausitz.pk])
    shown = client.get(votum_page).content.decode()
    assert "Ergebnis der Jurysitzung am 12.11.2030" in shown
    assert "Die Jury empfiehlt die Förderung mit Auflagen." in shown
    client.force_login(ministry)
    dashboard = client.get(reverse("decisions:dashboard", args=[world.cycle.slug])).content.decode()
    assert "Ergebnis der Jurysitzung am 12.11.2030" in dashboard


def test_my_jury_sessions_lists_the_sessions_with_the_role(client, world):
    client.force_login(world.chair)
    shown = client.get(reverse("reviews:my_jury_sessions")).content.decode()
    assert world.session.title in shown and "Vorsitz" in shown and world.url("jury_session") in shown
    client.force_login(world.outsider)
    assert "Sie sitzen in keiner Jurysitzung." in client.get(reverse("reviews:my_jury_sessions")).content.decode()


# --- Query counts -----------------------------------------------------------------------------------------------


def _queries(client, url):
    client.get(url)  # warms the session and the caches read once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), [query["sql"] for query in queries]


# Measured: the session page and the live partial, as the chair and as the programme office.
SESSION_PAGE_QUERIES = {"chair": 9, "programme_office": 8}
LIVE_QUERIES = {"chair": 8, "programme_office": 8}


@pytest.mark.parametrize("size", [24, 240])
@pytest.mark.parametrize("reader", ["chair", "programme_office"])
def test_the_session_page_reads_a_fixed_number_of_queries(client, cycle, programme_office, size, reader):
    strategies = StrategyFactory.create_batch(size, cycle=cycle, status="submitted")
    chair = ExpertProfileFactory().user
    session = pitched_session(cycle, strategies, starts_at=START, quick=True, jurors=[chair], chair=chair)
    for strategy in strategies[::3]:
        conflicted_juror(strategy, ExpertProfileFactory().user)
    start_pitch(slot=session.slots.order_by("starts_at").first(), user=chair)
    client.force_login({"chair": chair, "programme_office": programme_office}[reader])
    args = [cycle.slug, session.pk]
    page, page_sql = _queries(client, reverse("reviews:jury_session", args=args))
    live, live_sql = _queries(client, reverse("reviews:jury_session_live", args=args))
    assert page == SESSION_PAGE_QUERIES[reader], page_sql
    assert live == LIVE_QUERIES[reader], live_sql
    assert session.slots.filter(status="taken").count() == size
    assert timedelta(0) < session.ends_at - session.starts_at <= timedelta(days=1)
