"""Hostile PDFs through the real upload forms: each is refused with its German message and leaves nothing behind,
or is stored cleaned, served as a PDF download and reopened to find nothing active.

The check runs as in production: the form's transaction commits, its on-commit hook hands the task to Celery, which
runs it in-process here (as under `make run`) or in a real worker (`celery_worker`).
"""

import hashlib
import io
import time
from contextlib import nullcontext

import pikepdf
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliances.models import Question, StrategyDocument
from portal.uploads import removed_content_labels
from tests.factories import CompleteStrategyFactory, manager_of
from tests.hostile_pdfs import CORPUS_BY_NAME, HOSTILE_CORPUS, active_content, outside_the_pdf, plain_pdf
from tests.storage_faults import stored_files

pytestmark = pytest.mark.django_db

# A phrase of each refusal's German message.
REFUSAL_PHRASES = {
    "not_pdf": "kein PDF-Dokument",
    "encrypted": "verschlüsselt oder passwortgeschützt",
    "damaged": "beschädigt",
    "page_box": "ungültiges Seitenformat",
    "too_many_pages": "erlaubt sind höchstens 300",
    "no_pages": "keine Seiten",
    "bomb": "entpackt weit größer",
    "too_complex": "zu aufwendig",
}


def files_under(root):
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())


def strategy_url(strategy, name, *args):
    return reverse(f"alliances:{name}", args=[strategy.cycle.slug, strategy.alliance.slug, *args])


def upload_of(case):
    return SimpleUploadedFile(case.filename, case.content, content_type="application/pdf")


@pytest.fixture
def private_root(tmp_path):
    return tmp_path / "private"


@pytest.fixture
def draft(cycle, alliance):
    return CompleteStrategyFactory(cycle=cycle, alliance=alliance)


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def upload_document(client, strategy, content_file, commit_hooks, kind="annex"):
    """Posts the form as htmx does; the check runs when the form's transaction commits."""
    with commit_hooks(execute=True):
        return client.post(
            strategy_url(strategy, "document_upload"),
            {"kind": kind, "file": content_file},
            headers={"HX-Request": "true"},
        )


def assert_served_as_a_pdf_download(response, name):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert f'filename="{name}"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def assert_nothing_active(content):
    assert outside_the_pdf(content) == b""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert active_content(pdf) == []


@pytest.mark.parametrize("case", HOSTILE_CORPUS, ids=lambda case: case.name)
def test_a_hostile_pdf_through_the_upload_form_is_refused_or_stored_cleaned(
    manager_client, draft, private_root, case, django_capture_on_commit_callbacks
):
    response = upload_document(manager_client, draft, upload_of(case), django_capture_on_commit_callbacks)
    status = manager_client.get(strategy_url(draft, "document_status"))
    assert status.status_code == 200
    shown = status.content.decode()
    assert "every 2s" not in shown, "nothing is pending any more, so the list stops polling"
    if case.refused:
        phrase = REFUSAL_PHRASES[case.refused]
        if response.status_code == 422:
            # Refused in the request already (no PDF header): no row at all.
            assert phrase in response.content.decode()
            assert not StrategyDocument.objects.exists()
        else:
            assert response.status_code == 200
            document = StrategyDocument.objects.get()
            assert document.check_status == "refused"
            assert phrase in document.check_message
            assert phrase in shown
            assert not document.file
            no_download = manager_client.get(strategy_url(draft, "document_download", document.public_id))
            assert no_download.status_code == 404
        assert not draft.active_documents().exists()
        assert files_under(private_root) == []
        return
    assert response.status_code == 200
    document = StrategyDocument.objects.get()
    assert document.check_status == "checked"
    assert document.original_sha256 == hashlib.sha256(case.content).hexdigest()
    assert [code.partition(":")[0] for code in document.removed_content] == list(case.removed)
    for label in removed_content_labels(case.removed):
        assert label in shown
    if case.removed:
        assert "Aus Sicherheitsgründen entfernt:" in shown
    assert files_under(private_root) == [document.file.name]
    content = assert_served_as_a_pdf_download(
        manager_client.get(strategy_url(draft, "document_download", document.public_id)), case.served_name
    )
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert_nothing_active(content)
    # The change, and what was removed, is in the document's history.
    reasons = list(document.history.values_list("history_change_reason", flat=True))
    assert any(reason and reason.startswith("Prüfung: geprüft.") for reason in reasons)


def test_the_served_name_drops_the_uploaders_extension_and_direction_overrides(
    manager_client, draft, django_capture_on_commit_callbacks
):
    for name in ["bericht.html", "setup.exe", "grafik.svg", "rechnung\u202efdp.exe"]:
        upload_document(
            manager_client, draft, SimpleUploadedFile(name, plain_pdf(1)), django_capture_on_commit_callbacks
        )
    served = {
        document.original_name: manager_client.get(strategy_url(draft, "document_download", document.public_id))[
            "Content-Disposition"
        ]
        for document in StrategyDocument.objects.all()
    }
    assert served == {
        "bericht.html": 'attachment; filename="bericht.pdf"',
        "setup.exe": 'attachment; filename="setup.pdf"',
        "grafik.svg": 'attachment; filename="grafik.pdf"',
        "rechnungfdp.exe": 'attachment; filename="rechnungfdp.pdf"',
    }


def test_an_upload_answers_at_once_with_wird_geprueft_and_polls_until_checked(
    manager_client, draft, django_capture_on_commit_callbacks
):
    # Without running the commit hooks the check has not happened yet: the document waits.
    response = manager_client.post(
        strategy_url(draft, "document_upload"),
        {"kind": "main", "file": SimpleUploadedFile("Strategie.pdf", plain_pdf(2))},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "wird geprüft" in body
    assert 'hx-trigger="every 2s"' in body
    assert 'aria-live="polite"' in body
    document = StrategyDocument.objects.get()
    assert document.check_status == "pending"
    assert manager_client.get(strategy_url(draft, "document_download", document.public_id)).status_code == 404
    assert manager_client.get(strategy_url(draft, "document_status")).content.decode().count("every 2s") == 1


def test_submission_waits_until_every_document_is_checked(manager_client, draft):
    manager_client.post(
        strategy_url(draft, "document_upload"),
        {"kind": "main", "file": SimpleUploadedFile("Strategie.pdf", plain_pdf(2))},
    )
    response = manager_client.post(strategy_url(draft, "strategy_submit"), follow=True)
    assert "„Strategie.pdf“ wird noch geprüft." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft" and not draft.submissions.exists()


def test_a_refused_upload_does_not_count_and_a_checked_one_keeps_both_hashes_in_the_snapshot(
    manager_client, draft, django_capture_on_commit_callbacks
):
    refused = CORPUS_BY_NAME["encrypted_aes"]
    upload_document(manager_client, draft, upload_of(refused), django_capture_on_commit_callbacks, kind="main")
    submit = manager_client.post(strategy_url(draft, "strategy_submit"), follow=True)
    assert "Es fehlt noch: Strategiedokument (PDF)." in submit.content.decode()
    cleaned = CORPUS_BY_NAME["open_action_javascript"]
    upload_document(manager_client, draft, upload_of(cleaned), django_capture_on_commit_callbacks, kind="main")
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(strategy_url(draft, "strategy_submit"))
    draft.refresh_from_db()
    (facts,) = draft.latest_submission.documents
    document = StrategyDocument.objects.get(check_status="checked")
    assert facts["sha256"] == hashlib.sha256(cleaned.content).hexdigest()
    assert facts["served_sha256"] == document.sha256 != facts["sha256"]
    (receipt,) = mail.outbox
    assert facts["sha256"] in receipt.body and facts["served_sha256"] in receipt.body


def test_the_main_document_warns_past_the_programmes_page_guideline_without_refusing(
    manager_client, draft, django_capture_on_commit_callbacks
):
    upload_document(
        manager_client,
        draft,
        SimpleUploadedFile("Strategie.pdf", plain_pdf(26)),
        django_capture_on_commit_callbacks,
        kind="main",
    )
    shown = manager_client.get(strategy_url(draft, "document_status")).content.decode()
    assert "Das Strategiedokument hat 26 Seiten; das Programm sieht höchstens 25 Seiten vor." in shown
    assert StrategyDocument.objects.get().check_status == "checked"


# --- Question attachments -------------------------------------------------------------------------------------


@pytest.fixture
def taking_part(cycle, alliance):
    from tests.factories import StrategyFactory

    return StrategyFactory(cycle=cycle, alliance=alliance)


def ask_with(client, case, commit_hooks):
    with commit_hooks(execute=True):
        return client.post(
            reverse("alliances:question_ask"),
            {
                "topic": "budget",
                "text": "Dürfen wir die Geschäftsstelle anteilig finanzieren?",
                "attachment": upload_of(case),
            },
        )


@pytest.mark.parametrize("name", ["open_action_javascript", "embedded_exe", "encrypted_rc4", "zip_named_pdf"])
def test_a_hostile_question_attachment_is_refused_or_stored_cleaned(
    manager_client, taking_part, private_root, programme_office, name, django_capture_on_commit_callbacks
):
    case = CORPUS_BY_NAME[name]
    response = ask_with(manager_client, case, django_capture_on_commit_callbacks)
    if response.status_code == 422:
        assert case.refused == "not_pdf"
        assert REFUSAL_PHRASES["not_pdf"] in response.content.decode()
        assert not Question.objects.exists()
        assert files_under(private_root) == []
        return
    assert response.status_code == 302
    # The question is stored at once, whatever becomes of its attachment.
    question = Question.objects.get()
    status = manager_client.get(reverse("alliances:question_attachment_status", args=[question.public_id]))
    shown = status.content.decode()
    assert "every 2s" not in shown
    download = reverse("alliances:question_attachment", args=[question.public_id])
    if case.refused:
        assert question.attachment_status == "refused"
        assert REFUSAL_PHRASES[case.refused] in shown
        assert files_under(private_root) == []
        assert manager_client.get(download).status_code == 404
        return
    assert question.attachment_status == "checked"
    for label in removed_content_labels(case.removed):
        assert label in shown
    assert files_under(private_root) == [question.attachment.name]
    manager_client.force_login(programme_office)
    content = assert_served_as_a_pdf_download(manager_client.get(download), case.served_name)
    assert hashlib.sha256(content).hexdigest() == question.attachment_sha256
    assert question.attachment_original_sha256 == hashlib.sha256(case.content).hexdigest()
    assert_nothing_active(content)


def test_a_question_attachment_waits_as_wird_geprueft_and_is_not_served_meanwhile(manager_client, taking_part):
    response = manager_client.post(
        reverse("alliances:question_ask"),
        {
            "topic": "budget",
            "text": "Dürfen wir die Geschäftsstelle anteilig finanzieren?",
            "attachment": SimpleUploadedFile("Anlage.pdf", plain_pdf(1)),
        },
        follow=True,
    )
    body = response.content.decode()
    assert "wird geprüft" in body and 'hx-trigger="every 2s"' in body
    question = Question.objects.get()
    assert manager_client.get(reverse("alliances:question_attachment", args=[question.public_id])).status_code == 404


# --- Through a real worker ------------------------------------------------------------------------------------


def wait_for_check(client, url, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(url).content.decode()
        if "every 2s" not in body:
            return body
        time.sleep(0.5)
    raise AssertionError("the check did not finish in time")


def test_a_real_worker_checks_uploads_and_the_page_updates_itself(celery_worker, client, cycle, alliance, tmp_path):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    manager = manager_of(alliance)
    client.force_login(manager)
    for case in (CORPUS_BY_NAME["launch_link"], CORPUS_BY_NAME["zero_mediabox"]):
        response = client.post(
            strategy_url(strategy, "document_upload"),
            {"kind": "annex", "file": upload_of(case)},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 200 and "wird geprüft" in response.content.decode()
    shown = wait_for_check(client, strategy_url(strategy, "document_status"))
    assert "Aus Sicherheitsgründen entfernt: Befehl zum Starten eines Programms." in shown
    assert REFUSAL_PHRASES["page_box"] in shown
    checked = StrategyDocument.objects.get(check_status="checked")
    assert files_under(tmp_path / "private") == [checked.file.name]
    content = assert_served_as_a_pdf_download(
        client.get(strategy_url(strategy, "document_download", checked.public_id)), "strategie.pdf"
    )
    assert_nothing_active(content)


# --- Storage faults -------------------------------------------------------------------------------------------

FULL_DISK = "Speicherplatz des Portals erschöpft"
NOT_WRITABLE = "nicht beschreibbar"


@pytest.mark.parametrize(("fault", "message"), [("full_disk_root", FULL_DISK), ("read_only_root", NOT_WRITABLE)])
def test_a_document_the_disk_cannot_take_gets_a_german_422_and_leaves_no_file_and_no_row(
    request, manager_client, draft, fault, message
):
    root = request.getfixturevalue(fault)
    before = stored_files(root)
    response = manager_client.post(
        strategy_url(draft, "document_upload"),
        {"kind": "main", "file": SimpleUploadedFile("Strategie.pdf", plain_pdf(3))},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert "Error" not in response.content.decode()
    assert not StrategyDocument.objects.exists()
    assert stored_files(root) == before


@pytest.mark.parametrize(("fault", "message"), [("full_disk_root", FULL_DISK), ("read_only_root", NOT_WRITABLE)])
def test_a_question_attachment_the_disk_cannot_take_gets_a_german_422_and_no_question(
    request, manager_client, taking_part, fault, message
):
    root = request.getfixturevalue(fault)
    before = stored_files(root)
    response = ask_with(manager_client, CORPUS_BY_NAME["clean_five_pages"], lambda execute: nullcontext())
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Question.objects.exists()
    assert stored_files(root) == before


# --- When the check itself fails ------------------------------------------------------------------------------


def test_a_check_that_cannot_run_refuses_in_german_and_keeps_nothing(manager_client, draft, private_root):
    from portal.uploads import check_now

    manager_client.post(
        strategy_url(draft, "document_upload"), {"kind": "annex", "file": SimpleUploadedFile("A.pdf", plain_pdf(1))}
    )
    document = StrategyDocument.objects.get()
    # The quarantined file is gone before the worker reaches it (a lost volume, an operator's clean-up).
    (private_root / document.file.name).unlink()
    assert check_now(document) == "refused"
    document.refresh_from_db()
    assert document.check_message == "Die Datei konnte nicht geprüft werden. Bitte laden Sie sie erneut hoch."
    assert files_under(private_root) == []


def test_the_sweep_queues_the_check_again_for_an_upload_left_waiting(manager_client, draft, private_root):
    from datetime import timedelta

    from django.utils import timezone

    from portal.tasks import sweep_pending_uploads

    manager_client.post(
        strategy_url(draft, "document_upload"), {"kind": "annex", "file": SimpleUploadedFile("A.pdf", plain_pdf(1))}
    )
    # A fresh upload is left to its own task; one waiting for more than ten minutes lost it.
    assert sweep_pending_uploads.delay().get() == 0
    StrategyDocument.objects.update(uploaded_at=timezone.now() - timedelta(minutes=11))
    assert sweep_pending_uploads.delay().get() == 1
    document = StrategyDocument.objects.get()
    assert document.check_status == "checked"
    assert files_under(private_root) == [document.file.name]


def test_leftover_files_no_record_will_claim_are_removed_and_waiting_ones_kept(manager_client, draft, private_root):
    import os
    from datetime import timedelta

    from django.utils import timezone

    from portal.tasks import remove_leftover_files

    # A pending upload (its row commits, its check has not run) and what crashes leave behind.
    manager_client.post(
        strategy_url(draft, "document_upload"), {"kind": "annex", "file": SimpleUploadedFile("A.pdf", plain_pdf(1))}
    )
    waiting = StrategyDocument.objects.get().file.name
    orphan = private_root / "quarantine" / "0123456789abcdef0123456789abcdef.pdf"
    orphan.write_bytes(plain_pdf(1))
    fresh_orphan = private_root / "quarantine" / "fedcba9876543210fedcba9876543210.pdf"
    fresh_orphan.write_bytes(plain_pdf(1))
    partial = private_root / "strategies" / ".wir-partial-00000000deadbeef"
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"%PDF-1.7 half")
    fresh_partial = private_root / "strategies" / ".wir-partial-00000000cafebabe"
    fresh_partial.write_bytes(b"%PDF-1.7 half")
    two_days_ago = (timezone.now() - timedelta(days=2)).timestamp()
    for path in (private_root / waiting, orphan, partial):
        os.utime(path, (two_days_ago, two_days_ago))

    assert remove_leftover_files.delay().get() == {"quarantine": 1, "partial": 1}
    assert files_under(private_root) == sorted(
        [
            waiting,
            "quarantine/fedcba9876543210fedcba9876543210.pdf",
            "strategies/.wir-partial-00000000cafebabe",
        ]
    )
