import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import (
    PdfCheckOutcome,
    clean_original_name,
    receive_pdf,
    refusal_message,
    removed_content_labels,
    removed_content_notice,
    served_name,
)
from tests.factories import pdf_bytes, pdf_upload


def error_code(upload, **kwargs):
    with pytest.raises(ValidationError) as caught:
        receive_pdf(upload, **kwargs)
    return caught.value.code, caught.value.messages[0]


def test_a_pdf_is_received_with_its_names_size_and_hash():
    facts = receive_pdf(pdf_upload("Bericht.html", pages=3))
    assert len(facts.sha256) == 64
    assert facts.original_name == "Bericht.html"
    assert facts.served_name == "Bericht.pdf"
    assert facts.size > 0


def test_a_text_file_named_pdf_is_refused_in_german():
    code, message = error_code(SimpleUploadedFile("strategie.pdf", b"Hallo, ich bin kein PDF."))
    assert code == "not_pdf"
    assert "kein PDF-Dokument" in message


def test_a_header_after_a_little_leading_junk_passes_the_quick_check():
    # A polyglot's HTML before the header: the worker's cleaning drops it.
    facts = receive_pdf(SimpleUploadedFile("x.pdf", b"<html>" + b" " * 200 + pdf_bytes(1)))
    assert facts.served_name == "x.pdf"


def test_an_empty_file_is_refused():
    code, message = error_code(SimpleUploadedFile("leer.pdf", b""))
    assert code == "empty"
    assert message == "Die Datei ist leer."


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    code, message = error_code(pdf_upload(pages=2), max_bytes=100)
    assert code == "too_large"
    assert "höchstens 100" in message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\Strategie.pdf", "Strategie.pdf"),
        ("Stra\x00te\x1fgie\u202e.pdf", "Strategie.pdf"),
        ("", "dokument.pdf"),
    ],
)
def test_file_names_lose_path_parts_and_control_characters(raw, expected):
    assert clean_original_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("bericht.html", "bericht.pdf"),
        ("setup.exe", "setup.pdf"),
        ("grafik.svg", "grafik.pdf"),
        ("rechnung\u202efdp.exe", "rechnungfdp.pdf"),
        ("Strategie.PDF", "Strategie.pdf"),
        ("ohne_endung", "ohne_endung.pdf"),
        (".html", "html.pdf"),
    ],
)
def test_the_served_name_always_ends_in_pdf(raw, expected):
    assert served_name(raw) == expected


def test_a_300_character_name_is_shortened_and_keeps_its_extension():
    name = clean_original_name("a" * 296 + ".pdf")
    assert len(name) == 200
    assert name.endswith(".pdf")


def test_refusal_codes_read_as_german_messages_without_class_names():
    assert "höchstens 300" in refusal_message("too_many_pages", {"count": 10000, "limit": 300})
    assert "Seite 1 " in refusal_message("page_box", {"page": 1})
    assert refusal_message("something_new") == "Die Datei konnte nicht geprüft werden. Bitte laden Sie sie erneut hoch."


def test_removed_content_is_described_in_german_with_counts():
    assert removed_content_labels(["javascript:3", "embedded_file"]) == ["JavaScript (3×)", "eingebettete Datei"]
    assert removed_content_notice(["launch"]) == (
        "Aus Sicherheitsgründen entfernt: Befehl zum Starten eines Programms."
    )
    assert removed_content_notice([]) == ""


def test_an_outcome_reports_counts_only_where_there_was_more_than_one():
    class Findings:
        removed = ("javascript", "launch")
        removed_counts = (("javascript", 2), ("launch", 1))

    assert PdfCheckOutcome(accepted=True, findings=Findings()).removed == ("javascript:2", "launch")


def test_every_code_the_inspection_reports_has_its_own_german_wording():
    from portal.pdf_inspection.findings import REFUSAL_CODES, REMOVED_CODES

    fallback = "Die Datei konnte nicht geprüft werden. Bitte laden Sie sie erneut hoch."
    params = {"page": 1, "count": 400, "limit": 300}
    assert all(refusal_message(code, params) != fallback for code in REFUSAL_CODES)
    assert "weiterer aktiver Inhalt" not in removed_content_labels(REMOVED_CODES)
