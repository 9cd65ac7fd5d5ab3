"""Journey: a manager logs in, fills the sections, uploads a PDF, sees the checklist go green,
submits and sees the receipt."""

import re

import pytest
from playwright.sync_api import expect

from alliances.models import STRATEGY_SECTIONS, Strategy, StrategyStatus
from portal.models import NotificationKind, OutgoingMessage
from tests.browser.conftest import assert_page_sound, login
from tests.factories import pdf_bytes

# Every step waits at most 10 s (see conftest); the whole journey at most 90 s.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

SECTION_TEXTS = {
    "summary": "Gesunde Lausitz verbindet Kliniken, Hochschulen und Betriebe der Region.",
    "vision": "Bis 2028 ist die Lausitz Modellregion für digitale Versorgung.",
    "innovation_field_development": "Telemedizin und Pflegeinnovation wachsen in zwei Clustern.",
    "measures": "Drei Vorhabenlinien: Telemedizin, Pflege, Prävention.",
    "alliance_management": "Eine Geschäftsstelle mit vier Stellen in Cottbus.",
    "skilled_workers": "Weiterbildung und ein Rückkehrerprogramm für Fachkräfte.",
    "continuation": "Ein Trägerverein führt das Bündnis ab 2028 fort.",
}


def checklist_item(page, label):
    return page.locator("#checklist li").filter(has_text=label)


def test_manager_fills_uploads_submits_and_reads_the_receipt(page, live_server, manager, strategy, tmp_path):
    pdf_path = tmp_path / "Strategie Gesunde Lausitz.pdf"
    pdf_path.write_bytes(pdf_bytes(pages=2))

    # The manager logs in and lands on the one strategy of the alliance, with everything still open.
    login(page, live_server, manager.email)
    expect(page.get_by_role("heading", level=1, name="Gesunde Lausitz")).to_be_visible()
    expect(page.locator("#checklist li.done")).to_have_count(0)
    expect(page.locator("#checklist li.open")).to_have_count(len(STRATEGY_SECTIONS) + 2)
    assert_page_sound(page)

    # Fills every section and one budget amount; the live total follows the typing.
    form = page.locator("#strategy-form")
    for name, label, _limit in STRATEGY_SECTIONS:
        form.get_by_label(str(label)).fill(SECTION_TEXTS[name])
    year = strategy.cycle.first_funding_year
    form.get_by_label(f"Personalausgaben {year} (EUR)").fill("250.000,00")
    expect(form.locator("[data-grand-total]")).to_have_text("250.000,00")
    form.get_by_role("button", name="Entwurf speichern").click()
    expect(page.locator("#messages")).to_contain_text("Der Entwurf wurde gespeichert.")
    for _name, label, _limit in STRATEGY_SECTIONS:
        expect(checklist_item(page, str(label))).to_have_class(re.compile(r"\bdone\b"))
    expect(checklist_item(page, "Finanzplan mit mindestens einem Betrag")).to_have_class(re.compile(r"\bdone\b"))
    expect(checklist_item(page, "Strategiedokument (PDF)")).to_have_class(re.compile(r"\bopen\b"))
    assert_page_sound(page)

    # Uploads the strategy document; htmx swaps documents and checklist without reloading the page.
    page.evaluate("window.__sameDocument = true")
    upload = page.locator("#documents form[enctype='multipart/form-data']")
    upload.get_by_label("Art des Dokuments").select_option(label="Strategiedokument")
    upload.get_by_label("PDF-Datei").set_input_files(str(pdf_path))
    upload.get_by_role("button", name="Hochladen").click()
    expect(page.locator("#documents")).to_contain_text("Strategie Gesunde Lausitz.pdf")
    expect(page.locator("#documents")).to_contain_text("2 Seiten")
    expect(page.locator("#messages")).to_have_text(
        "„Strategie Gesunde Lausitz.pdf“ wurde hochgeladen und wird jetzt geprüft. Das Ergebnis erscheint hier."
    )
    expect(page.locator("[id=messages]")).to_have_count(1)
    # The check's result replaces "wird geprüft" without a reload; only then the document counts.
    expect(page.locator("#documents")).not_to_contain_text("wird geprüft")
    expect(page.locator("#checklist li.open")).to_have_count(0)
    expect(page.locator("#checklist li.done")).to_have_count(len(STRATEGY_SECTIONS) + 2)
    expect(checklist_item(page, "Strategiedokument (PDF)")).to_contain_text("✓ Strategiedokument (PDF) (erledigt)")
    assert page.evaluate("window.__sameDocument") is True, "the upload reloaded the page instead of swapping"
    assert_page_sound(page)

    # Goes to the submission page, which finds nothing missing, and submits bindingly.
    page.get_by_role("link", name="Zur Einreichung").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Strategie von Gesunde Lausitz einreichen")
    expect(page.get_by_text("Die Strategie ist vollständig.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert_page_sound(page)
    page.get_by_role("button", name="Verbindlich einreichen").click()

    # The receipt: number, time of receipt in German format and the SHA-256 fingerprint.
    expect(page.get_by_role("heading", level=1)).to_have_text("Eingangsbestätigung")
    expect(page.locator("#messages")).to_contain_text("Ihre Strategie wurde eingereicht.")
    submission = Strategy.objects.get(pk=strategy.pk).submissions.get()
    expect(page.locator("[data-testid=received-at]")).to_have_text(
        re.compile(r"^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}:\d{2} Uhr$")
    )
    expect(page.locator("code.fingerprint")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("code.fingerprint")).to_have_text(submission.fingerprint)
    expect(page.locator(".receipt")).to_contain_text(manager.full_name)
    expect(page.get_by_text("Strategie Gesunde Lausitz.pdf · 2 Seiten")).to_be_visible()
    assert_page_sound(page)

    assert Strategy.objects.get(pk=strategy.pk).status == StrategyStatus.SUBMITTED
    receipts = OutgoingMessage.objects.filter(kind=NotificationKind.SUBMISSION_RECEIPT)
    assert [message.recipient_email for message in receipts] == [manager.email]
    assert submission.fingerprint in receipts.get().body_text

    # Back on the strategy, the workspace is locked and lists the submission.
    page.get_by_role("link", name="Zurück zur Strategie").click()
    expect(page.get_by_text("Die Strategie ist eingereicht und für die Bearbeitung gesperrt.")).to_be_visible()
    expect(page.locator("#strategy-form")).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Nr\. 1 vom "))).to_be_visible()
    assert_page_sound(page)
