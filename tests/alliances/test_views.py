from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alliances.models import SECTION_FIELDS, BudgetLine, StrategyDocument, Submission
from tests.factories import CompleteStrategyFactory, pdf_upload

pytestmark = pytest.mark.django_db


def strategy_url(strategy, name="strategy"):
    return reverse(f"alliances:{name}", args=[strategy.cycle.slug, strategy.alliance.slug])


def form_data(strategy, **overrides):
    data = {"version": strategy.version}
    data.update({name: f"Text für {name}" for name in SECTION_FIELDS})
    data.update(overrides)
    return data


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_manager_saves_sections_and_german_formatted_budget(manager_client, strategy):
    response = manager_client.post(
        strategy_url(strategy, "strategy_save"), form_data(strategy, budget_2025_personnel="250.000,50")
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.summary == "Text für summary"
    assert str(BudgetLine.objects.get(strategy=strategy).amount) == "250000.50"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "Der Betrag darf nicht negativ sein."),
        ("viel Geld", "Bitte geben Sie einen Betrag in Euro ein"),
        ("99.000.000,00", "unplausibel hoch"),
        ("1,0055", "höchstens zwei Nachkommastellen"),
        ("1,005", "„1,005“ ist nicht eindeutig. Bitte schreiben Sie den Betrag z. B. als 1.500,00 oder 1,50."),
    ],
)
def test_a_bad_budget_amount_is_refused_in_german_and_nothing_is_stored(manager_client, strategy, value, message):
    response = manager_client.post(
        strategy_url(strategy, "strategy_save"), form_data(strategy, budget_2025_travel=value, summary="Neuer Text")
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.summary == ""
    assert not BudgetLine.objects.exists()


def test_a_budget_above_the_cap_is_refused(manager_client, strategy):
    data = form_data(
        strategy,
        budget_2025_personnel="3.000.000",
        budget_2026_personnel="3.000.000",
        budget_2027_personnel="3.000.000",
    )
    response = manager_client.post(strategy_url(strategy, "strategy_save"), data)
    assert response.status_code == 422
    assert "übersteigt damit den Höchstbetrag" in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_text_over_the_limit_is_refused_and_kept_in_the_form(manager_client, strategy):
    too_long = "Ä" * 5001
    response = manager_client.post(strategy_url(strategy, "strategy_save"), form_data(strategy, summary=too_long))
    assert response.status_code == 422
    body = response.content.decode()
    assert "Der Text ist zu lang: höchstens 5000 Zeichen, eingegeben 5001." in body
    assert too_long in body
    strategy.refresh_from_db()
    assert strategy.summary == ""


def test_a_second_editor_with_a_stale_form_gets_a_conflict_and_keeps_the_typed_text(client, manager, strategy):
    client.force_login(manager)
    stale_version = strategy.version
    client.post(strategy_url(strategy, "strategy_save"), form_data(strategy, summary="Fassung der Kollegin"))
    response = client.post(
        strategy_url(strategy, "strategy_save"),
        {**form_data(strategy, summary="Meine eigene Fassung"), "version": stale_version},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "inzwischen von" in body
    assert "Meine eigene Fassung" in body
    strategy.refresh_from_db()
    assert strategy.summary == "Fassung der Kollegin"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf_upload("strategie.pdf", content=b"MZ\x90\x00 ausfuehrbare Datei"), "kein PDF-Dokument"),
        (pdf_upload("leer.pdf", content=b""), "Die Datei ist leer."),
    ],
    ids=["not-a-pdf", "empty"],
)
def test_a_file_the_request_can_refuse_is_refused_in_german_and_nothing_is_stored(
    manager_client, strategy, upload, message, tmp_path
):
    # What needs the worker (encryption, damage, hostile content) is in tests/alliances/test_upload_safety.py.
    response = manager_client.post(strategy_url(strategy, "document_upload"), {"kind": "main", "file": upload})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not StrategyDocument.objects.exists()
    assert not [path for path in (tmp_path / "private").rglob("*") if path.is_file()]


def test_an_upload_over_the_size_limit_is_refused(manager_client, strategy, settings):
    settings.UPLOAD_MAX_BYTES = 500
    response = manager_client.post(
        strategy_url(strategy, "document_upload"), {"kind": "main", "file": pdf_upload(pages=3)}
    )
    assert response.status_code == 422
    assert "erlaubt sind höchstens 500" in response.content.decode()
    assert not StrategyDocument.objects.exists()


def test_an_htmx_upload_answers_with_the_documents_partial(manager_client, strategy):
    response = manager_client.post(
        strategy_url(strategy, "document_upload"),
        {"kind": "main", "file": pdf_upload("Unsere Strategie.pdf", pages=2)},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="documents-area">')
    assert "Unsere Strategie.pdf" in body
    assert "<html" not in body


def test_an_upload_with_a_hostile_name_keeps_only_a_clean_name(manager_client, strategy):
    hostile = "../../" + "x" * 290 + "\x07.pdf"
    manager_client.post(strategy_url(strategy, "document_upload"), {"kind": "annex", "file": pdf_upload(hostile)})
    document = StrategyDocument.objects.get()
    assert "/" not in document.original_name
    assert "\x07" not in document.original_name
    assert len(document.original_name) <= 200


def test_download_streams_the_checked_pdf_and_logs_the_access(
    manager_client, strategy, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(strategy_url(strategy, "document_upload"), {"kind": "main", "file": pdf_upload("S.pdf")})
    document = StrategyDocument.objects.get()
    assert document.check_status == "checked"
    response = manager_client.get(
        reverse("alliances:document_download", args=[strategy.cycle.slug, strategy.alliance.slug, document.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert 'filename="S.pdf"' in response["Content-Disposition"]
    assert document.downloads.get().user == manager


def test_submitting_an_incomplete_strategy_names_what_is_missing(manager_client, strategy):
    response = manager_client.post(strategy_url(strategy, "strategy_submit"), follow=True)
    body = response.content.decode()
    assert "Es fehlt noch: Zusammenfassung." in body
    assert "Es fehlt noch: Strategiedokument (PDF)." in body
    assert not Submission.objects.exists()


def test_submitting_after_the_deadline_is_refused(manager_client, cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    manager_client.post(strategy_url(strategy, "document_upload"), {"kind": "main", "file": pdf_upload()})
    cycle.submission_deadline = timezone.now() - timedelta(minutes=1)
    cycle.save()
    response = manager_client.post(strategy_url(strategy, "strategy_submit"), follow=True)
    assert "Die Frist ist am" in response.content.decode()
    assert not Submission.objects.exists()


def test_submission_shows_the_receipt(manager_client, cycle, alliance, django_capture_on_commit_callbacks):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(strategy_url(strategy, "document_upload"), {"kind": "main", "file": pdf_upload()})
    response = manager_client.post(strategy_url(strategy, "strategy_submit"), follow=True)
    submission = Submission.objects.get()
    body = response.content.decode()
    assert "Eingangsbestätigung" in body
    assert submission.fingerprint in body


def test_programme_office_reopens_with_a_reason(
    client, programme_office, cycle, alliance, manager, django_capture_on_commit_callbacks
):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(strategy_url(strategy, "document_upload"), {"kind": "main", "file": pdf_upload()})
    client.post(strategy_url(strategy, "strategy_submit"))
    client.force_login(programme_office)
    refused = client.post(strategy_url(strategy, "strategy_reopen"), {"reason": "kurz"})
    assert refused.status_code == 422
    assert "mindestens 10 Zeichen" in refused.content.decode()
    response = client.post(
        strategy_url(strategy, "strategy_reopen"), {"reason": "Die Anlage zum Finanzplan fehlt noch."}
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.status == "reopened"
    assert strategy.history.first().history_change_reason.startswith("Wieder geöffnet")


def test_programme_office_extends_the_deadline_for_one_alliance(client, programme_office, strategy, other_strategy):
    client.force_login(programme_office)
    new_deadline = timezone.localtime() + timedelta(days=20)
    response = client.post(
        strategy_url(strategy, "strategy_extend"),
        {
            "new_deadline": new_deadline.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Personalwechsel im Bündnis",
        },
    )
    assert response.status_code == 302
    strategy.refresh_from_db()
    other_strategy.refresh_from_db()
    assert timezone.localtime(strategy.extended_deadline).strftime("%Y-%m-%d %H:%M") == new_deadline.strftime(
        "%Y-%m-%d %H:%M"
    )
    assert other_strategy.extended_deadline is None


def test_pages_show_dates_in_german_format_and_berlin_time(manager_client, strategy):
    response = manager_client.get(strategy_url(strategy))
    expected = timezone.localtime(strategy.deadline).strftime("%d.%m.%Y, %H:%M")
    assert expected in response.content.decode()


def test_english_interface_is_complete_on_the_strategy_page(manager_client, strategy):
    manager_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = manager_client.get(strategy_url(strategy)).content.decode()
    assert "Save draft" in body
    assert "Entwurf speichern" not in body


@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [("en", ">Alliance (descending)<", "absteigend"), ("de", ">Bündnis (absteigend)<", "descending")],
)
def test_descending_sort_options_of_the_overview_follow_the_active_language(
    client, programme_office, strategy, language, expected, absent
):
    client.force_login(programme_office)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    body = client.get(reverse("alliances:overview", args=[strategy.cycle.slug])).content.decode()
    assert expected in body
    assert absent not in body
