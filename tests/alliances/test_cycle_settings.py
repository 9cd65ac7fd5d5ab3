"""The cycle settings page: dates, budget and phase override of a cycle, edited by the programme office."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alliances import services
from alliances.models import EvaluationCycle, Phase
from alliances.validators import CYCLE_DATE_FIELDS
from portal.models import Role
from tests.factories import StrategyFactory, UserFactory, edited_by_turns, totp_code
from tests.helpers import LOGIN, MATRIX_CASE, assert_status, matrix_cases, reauthenticated, request_as

pytestmark = pytest.mark.django_db

# url, method, expected status per actor in the order of ROLE_ACTORS.
MATRIX = [
    ("settings", "get", [LOGIN, 403, 403, 200, 200, 403]),
    ("settings", "post", [LOGIN, 403, 403, 302, 403, 403]),
    ("current", "get", [LOGIN, 403, 403, 302, 302, 403]),
    ("unknown", "get", [LOGIN, 403, 403, 404, 404, 403]),
    ("unknown", "post", [LOGIN, 403, 403, 404, 403, 403]),
]


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_data(cycle, **overrides):
    """The form as the page renders it for `cycle`, with `overrides` typed in."""
    data = {
        "version": services.cycle_settings_version(cycle),
        "name": cycle.name,
        "submission_opens_at": local(cycle.submission_opens_at),
        "submission_deadline": local(cycle.submission_deadline),
        "review_deadline": local(cycle.review_deadline),
        "panel_deadline": local(cycle.panel_deadline),
        "decision_deadline": local(cycle.decision_deadline),
        "released_at": local(cycle.released_at) if cycle.released_at else "",
        "budget": "120.000.000,00",
        "phase_override": cycle.phase_override,
        "first_reminder_hours": cycle.first_reminder_hours,
        "second_reminder_hours": cycle.second_reminder_hours,
        "last_reminder_hours": cycle.last_reminder_hours,
        "reason": "",
    }
    data.update(overrides)
    return data


def settings_url(cycle):
    return reverse("alliances:cycle_settings", args=[cycle.slug])


def save_settings(cycle, user, **changes):
    """Saves `cycle`'s settings through the service as they are, with `changes`."""
    current = {field: getattr(cycle, field) for field in ("name", *CYCLE_DATE_FIELDS, "budget")}
    return services.update_cycle_settings(cycle=cycle, user=user, **{**current, **changes})


def snapshot(cycle):
    """What must stay unchanged when a save is refused: the settings and the length of the history."""
    current = EvaluationCycle.objects.get(pk=cycle.pk)
    return services.cycle_settings_version(current), current.history.count()


@pytest.mark.parametrize(MATRIX_CASE, matrix_cases(MATRIX))
def test_cycle_settings_permission_matrix(client, cycle, actors, name, method, actor, want):
    url = {
        "settings": settings_url(cycle),
        "current": reverse("alliances:current_cycle_settings"),
        "unknown": reverse("alliances:cycle_settings", args=["gibt-es-nicht"]),
    }[name]
    before = snapshot(cycle)
    data = form_data(cycle, name="Zwischenbegutachtung 2024 (neu)")
    response = request_as(client, actors[actor], method, url, data)
    assert_status(response, want)
    changed = snapshot(cycle) != before
    assert changed is (name == "settings" and method == "post" and want == 302)


def test_programme_office_saves_dates_budget_and_override_with_history(client, cycle, programme_office):
    client.force_login(programme_office)
    reauthenticated(client)
    new_deadline = cycle.submission_deadline + timedelta(days=7)
    response = client.post(
        settings_url(cycle),
        form_data(
            cycle,
            name="Zwischenbegutachtung 2024/25",
            submission_deadline=local(new_deadline),
            budget="95.000.000,50",
            phase_override=Phase.SUBMISSION,
            reason="Verlängerung nach Beschluss des BMBF",
        ),
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.name == "Zwischenbegutachtung 2024/25"
    assert local(cycle.submission_deadline) == local(new_deadline)
    assert cycle.budget == Decimal("95000000.50")
    assert cycle.phase_override == Phase.SUBMISSION
    record = cycle.history.order_by("-history_date").first()
    assert record.history_user == programme_office
    assert record.history_change_reason == (
        "Einstellungen geändert: Name, Einreichungsfrist, Budget (EUR), Phase (manuell) – "
        "Verlängerung nach Beschluss des BMBF"
    )
    page = client.get(settings_url(cycle)).content.decode()
    assert "Petra Träger" in page
    assert "Budget (EUR): 120.000.000,00 EUR → 95.000.000,50 EUR" in page
    assert (
        f"Einreichungsfrist: {timezone.localtime(new_deadline - timedelta(days=7)):%d.%m.%Y, %H:%M} → "
        f"{timezone.localtime(new_deadline):%d.%m.%Y, %H:%M}"
    ) in page
    assert "Verlängerung nach Beschluss des BMBF" in page


def test_form_saved_unchanged_stores_nothing_and_keeps_the_seconds(client, cycle, programme_office):
    cycle.submission_deadline = cycle.submission_deadline.replace(second=59, microsecond=0)
    cycle.save()
    before = snapshot(cycle)
    client.force_login(programme_office)
    response = client.post(settings_url(cycle), form_data(cycle), follow=True)
    assert "Es gab keine Änderungen." in response.content.decode()
    assert snapshot(cycle) == before
    assert EvaluationCycle.objects.get(pk=cycle.pk).submission_deadline.second == 59


BAD_INPUTS = [
    ({"name": ""}, "name", "Bitte geben Sie einen Namen an."),
    ({"name": "x" * 121}, "name", "Der Name ist zu lang: höchstens 120 Zeichen."),
    ({"submission_deadline": ""}, "submission_deadline", "Bitte geben Sie „Einreichungsfrist“ an."),
    ({"review_deadline": "morgen"}, "review_deadline", "Bitte geben Sie Datum und Uhrzeit gültig an."),
    (
        {"submission_opens_at": "2099-01-01T00:00"},
        "submission_deadline",
        "„Einreichungsfrist“ muss nach „Einreichung ab“",
    ),
    ({"review_deadline": "2000-01-01T00:00"}, "review_deadline", "„Frist für Gutachten“ muss nach „Einreichungsfrist“"),
    (
        {"panel_deadline": "2000-01-01T00:00"},
        "panel_deadline",
        "„Ende der Jurysitzungen“ muss nach „Frist für Gutachten“",
    ),
    (
        {"decision_deadline": "2000-01-01T00:00"},
        "decision_deadline",
        "„Entscheidung bis“ muss nach „Ende der Jurysitzungen“",
    ),
    (
        {"released_at": "2000-01-01T00:00"},
        "released_at",
        "Die Entscheidungen können erst nach dem Ende der Jurysitzungen",
    ),
    ({"budget": ""}, "budget", "Bitte geben Sie das Budget der Runde an."),
    ({"budget": "-1,00"}, "budget", "Das Budget darf nicht negativ sein."),
    ({"budget": "2.000.000.000,00"}, "budget", "Das Budget ist unplausibel hoch"),
    ({"budget": "zwölf Millionen"}, "budget", "Bitte geben Sie einen Betrag in Euro ein"),
    ({"budget": "1000,001"}, "budget", "Bitte höchstens zwei Nachkommastellen (Cent) angeben."),
    ({"phase_override": "ende"}, "phase_override", "Bitte wählen Sie eine der angebotenen Phasen."),
    ({"reason": "x" * 501}, "reason", "höchstens 500 Zeichen"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_INPUTS, ids=[b[2][:40] for b in BAD_INPUTS])
def test_bad_input_is_refused_with_a_german_message_and_nothing_stored(
    client, cycle, programme_office, overrides, field, message
):
    before = snapshot(cycle)
    client.force_login(programme_office)
    reauthenticated(client)  # some of them move a date
    response = client.post(settings_url(cycle), form_data(cycle, **overrides))
    assert response.status_code == 422
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split("„")[0] in response.content.decode().replace("&quot;", '"').replace("&#x27;", "'")
    assert snapshot(cycle) == before


def test_service_refuses_dates_out_of_order_naming_each_field(cycle, programme_office):
    before = snapshot(cycle)
    with pytest.raises(ValidationError) as refused:
        save_settings(
            cycle,
            programme_office,
            review_deadline=cycle.submission_deadline,
            decision_deadline=cycle.panel_deadline - timedelta(days=1),
            budget=Decimal("-5"),
        )
    assert set(refused.value.message_dict) == {"review_deadline", "decision_deadline", "budget"}
    assert snapshot(cycle) == before


def test_deadline_moved_into_the_past_warns_and_stores_only_when_confirmed(client, cycle, programme_office):
    client.force_login(programme_office)
    reauthenticated(client)
    yesterday = timezone.now() - timedelta(days=1)
    data = form_data(cycle, submission_deadline=local(yesterday))
    before = snapshot(cycle)
    response = client.post(settings_url(cycle), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Bitte bestätigen Sie: Es wurde noch nichts gespeichert." in page
    assert "„Einreichungsfrist“ läge mit " in page
    assert "in der Vergangenheit" in page
    assert 'name="confirm_past"' in page
    assert snapshot(cycle) == before
    response = client.post(settings_url(cycle), {**data, "confirm_past": "on"})
    assert response.status_code == 302
    assert local(EvaluationCycle.objects.get(pk=cycle.pk).submission_deadline) == local(yesterday)


def asked_to_reauthenticate(response, action_path):
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.path, parse_qs(location.query)["next"]) == (reverse("mfa_reauthenticate"), [action_path])
    return response["Location"]


def test_moving_a_date_asks_for_the_second_factor_and_a_valid_code_saves_it(client, cycle, programme_office):
    client.force_login(programme_office)
    new_deadline = cycle.submission_deadline + timedelta(days=7)
    before = snapshot(cycle)
    data = form_data(cycle, submission_deadline=local(new_deadline), reason="Verlängerung")
    reauth_url = asked_to_reauthenticate(client.post(settings_url(cycle), data), settings_url(cycle))
    assert snapshot(cycle) == before
    response = client.post(reauth_url, {"code": totp_code()}, follow=True)
    assert "Die Einstellungen der Begutachtungsrunde wurden gespeichert." in response.content.decode()
    cycle.refresh_from_db()
    assert local(cycle.submission_deadline) == local(new_deadline)
    record = cycle.history.order_by("-history_date").first()
    assert (record.history_user, record.history_change_reason) == (
        programme_office,
        "Einstellungen geändert: Einreichungsfrist – Verlängerung",
    )


def test_a_wrong_code_moves_no_date(client, cycle, programme_office):
    client.force_login(programme_office)
    before = snapshot(cycle)
    data = form_data(cycle, review_deadline=local(cycle.review_deadline + timedelta(days=3)))
    reauth_url = asked_to_reauthenticate(client.post(settings_url(cycle), data), settings_url(cycle))
    wrong = "000000" if totp_code() != "000000" else "111111"
    response = client.post(reauth_url, {"code": wrong})
    assert "Falscher Code." in response.content.decode()
    assert snapshot(cycle) == before


def test_settings_other_than_dates_save_without_reauthentication(client, cycle, programme_office):
    client.force_login(programme_office)
    response = client.post(settings_url(cycle), form_data(cycle, budget="95.000.000,00", phase_override=Phase.REVIEW))
    assert (response.status_code, response["Location"]) == (302, settings_url(cycle))
    cycle.refresh_from_db()
    assert (cycle.budget, cycle.phase_override) == (Decimal("95000000.00"), Phase.REVIEW)


def test_a_date_already_in_the_past_does_not_warn_when_left_unchanged(client, cycle, programme_office):
    cycle.submission_opens_at = timezone.now() - timedelta(days=30)
    cycle.save()
    client.force_login(programme_office)
    response = client.post(settings_url(cycle), form_data(cycle, name="Neuer Name"))
    assert response.status_code == 302
    assert EvaluationCycle.objects.get(pk=cycle.pk).name == "Neuer Name"


def test_stale_form_is_refused_with_409_and_keeps_the_typed_values(client, cycle, programme_office):
    client.force_login(programme_office)
    stale = form_data(cycle, name="Meine Fassung")
    save_settings(cycle, UserFactory(role=Role.PROGRAMME_OFFICE), name="Fassung der Kollegin")
    before = snapshot(cycle)
    response = client.post(settings_url(cycle), stale)
    assert response.status_code == 409
    assert "inzwischen von anderer Seite geändert" in response.content.decode()
    assert response.context["form"]["name"].value() == "Meine Fassung"
    assert snapshot(cycle) == before
    assert EvaluationCycle.objects.get(pk=cycle.pk).name == "Fassung der Kollegin"


def test_phase_override_replaces_the_derived_phase_and_closes_submission(client, cycle, programme_office, alliance):
    strategy = StrategyFactory(cycle=cycle, alliance=alliance)
    assert strategy.accepts_work_at(timezone.now())
    client.force_login(programme_office)
    client.post(settings_url(cycle), form_data(cycle, phase_override=Phase.REVIEW))
    cycle.refresh_from_db()
    assert cycle.phase == Phase.REVIEW
    assert services.derived_phase(cycle) == Phase.SUBMISSION
    strategy.refresh_from_db()
    assert not strategy.accepts_work_at(timezone.now())
    page = client.get(settings_url(cycle)).content.decode()
    assert "Geltende Phase: <strong>Begutachtung</strong>" in page
    assert "Nach den Terminen: Einreichung" in page
    assert "Die Phase ist manuell auf „Begutachtung“ gesetzt" in page
    client.post(settings_url(cycle), form_data(cycle, phase_override=""))
    cycle.refresh_from_db()
    assert cycle.phase == Phase.SUBMISSION


def test_ministry_reads_the_settings_and_history_without_a_form(client, cycle, ministry, programme_office):
    save_settings(cycle, programme_office, budget=Decimal("110000000"), reason="Haushaltssperre")
    client.force_login(ministry)
    response = client.get(settings_url(cycle))
    page = response.content.decode()
    assert response.context["form"] is None
    assert "Einstellungen speichern" not in page
    assert "110.000.000,00 EUR" in page
    assert "Einstellungen geändert: Budget (EUR) – Haushaltssperre" in page
    assert "Petra Träger" in page


def test_the_history_marks_the_creation_of_the_cycle(client, cycle, programme_office):
    client.force_login(programme_office)
    page = client.get(settings_url(cycle)).content.decode()
    assert '<div class="text-body-secondary">angelegt</div>' in page
    assert "Noch keine Änderungen aufgezeichnet." not in page


def test_history_lists_changes_newest_first_with_who_and_what(cycle, programme_office):
    from alliances.views.cycle import cycle_history

    other = UserFactory(role=Role.PROGRAMME_OFFICE, full_name="Otto Zwei")
    for user, budget in ((programme_office, Decimal("100000000")), (other, Decimal("90000000"))):
        save_settings(cycle, user, budget=budget)
    entries = cycle_history(cycle)
    assert [entry["record"].history_user for entry in entries] == [other, programme_office, None]
    assert entries[0]["changes"] == [
        {"field": "budget", "label": "Budget (EUR)", "old": "100.000.000,00 EUR", "new": "90.000.000,00 EUR"}
    ]
    assert entries[-1]["created"] is True


def test_nav_links_to_the_cycle_settings_for_the_programme_office(client, cycle, programme_office):
    client.force_login(programme_office)
    page = client.get(settings_url(cycle)).content.decode()
    assert reverse("alliances:current_cycle_settings") in page
    assert reverse("reviews:office_policy", args=[cycle.slug]) in page


@pytest.mark.parametrize("changes", [2, 20])
def test_settings_page_query_count_does_not_grow_with_the_history(
    client, cycle, programme_office, django_assert_num_queries, changes
):
    edited_by_turns(changes, lambda n, user: save_settings(cycle, user, name=f"Runde {n}"))
    client.force_login(programme_office)
    # session, user, cycle, its history with the editors
    with django_assert_num_queries(4):
        response = client.get(settings_url(cycle))
    assert len(response.context["history"]) == changes + 1
