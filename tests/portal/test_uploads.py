import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.uploads import clean_original_name, inspect_pdf
from tests.factories import encrypted_pdf_bytes, pdf_bytes, pdf_upload


def error_code(upload, **kwargs):
    with pytest.raises(ValidationError) as caught:
        inspect_pdf(upload, **kwargs)
    return caught.value.code, caught.value.messages[0]


def test_a_readable_pdf_is_accepted_with_its_facts():
    facts = inspect_pdf(pdf_upload(pages=3))
    assert facts.page_count == 3
    assert len(facts.sha256) == 64
    assert facts.original_name == "strategie.pdf"


def test_a_text_file_named_pdf_is_refused_in_german():
    code, message = error_code(SimpleUploadedFile("strategie.pdf", b"Hallo, ich bin kein PDF."))
    assert code == "not_pdf"
    assert "kein PDF-Dokument" in message


def test_an_encrypted_pdf_is_refused():
    code, message = error_code(pdf_upload(content=encrypted_pdf_bytes()))
    assert code == "encrypted"
    assert "verschlüsselt" in message


def test_a_corrupt_pdf_is_refused():
    broken = pdf_bytes(2)[:300] + b"\x00garbage" * 20
    code, message = error_code(pdf_upload(content=broken))
    assert code == "corrupt"
    assert "beschädigt" in message


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


def test_a_300_character_name_is_shortened_and_keeps_its_extension():
    name = clean_original_name("a" * 296 + ".pdf")
    assert len(name) == 200
    assert name.endswith(".pdf")
