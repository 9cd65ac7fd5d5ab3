"""One parser and one formatter for euro amounts: an amount typed in the interface's language is read only when
it has a single reading there; anything else is refused, never reinterpreted."""

from decimal import Decimal

import pytest
from django.utils import translation

from portal.formatting import AmountNotUnderstood, amount_writing_hint, euro, parse_euro


@pytest.mark.parametrize(
    ("language", "text", "amount"),
    [
        ("de", "1.500,50", Decimal("1500.50")),
        ("de", "1500,5", Decimal("1500.5")),
        ("de", "1.500", Decimal("1500")),
        ("de", "1,5", Decimal("1.5")),
        ("de", "274.500.000", Decimal("274500000")),
        ("de", " 1.000,00 EUR ", Decimal("1000")),
        ("de", "€\u00a01.000", Decimal("1000")),
        ("de", "-12,00", Decimal("-12")),
        ("en", "1,500.50", Decimal("1500.50")),
        ("en", "1.5", Decimal("1.5")),
        ("en", "1,500", Decimal("1500")),
        ("en", "1500", Decimal("1500")),
        ("en", "EUR 2,000.05", Decimal("2000.05")),
        # More than two decimal places without a second reading: the field's cent check refuses it.
        ("de", "1500,505", Decimal("1500.505")),
    ],
)
def test_an_amount_with_one_reading_in_the_language_is_read_so(language, text, amount):
    with translation.override(language):
        assert parse_euro(text) == amount


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("de", "1.5"),  # an English decimal, or a broken thousands group: no single reading
        ("de", "1,500"),  # three decimal places look like an English thousands group
        ("de", "1.50,00"),
        ("de", "1,500.50"),
        ("de", ",50"),
        ("en", "1,5"),
        ("en", "1.500"),
        ("en", "1.500,50"),
        ("en", "12,34,567"),
    ],
)
def test_an_ambiguous_amount_is_refused_never_reinterpreted(language, text):
    with translation.override(language), pytest.raises(AmountNotUnderstood) as refusal:
        parse_euro(text)
    assert refusal.value.ambiguous


@pytest.mark.parametrize("text", ["zwölf", "1e3", "12 Euro", "--5", "0x10", "١٢"])
def test_text_that_is_no_amount_is_refused_as_such(text):
    with pytest.raises(AmountNotUnderstood) as refusal:
        parse_euro(text)
    assert not refusal.value.ambiguous


@pytest.mark.parametrize("text", [None, "", "   ", "EUR"])
def test_blank_text_is_no_amount(text):
    assert parse_euro(text) is None


@pytest.mark.parametrize(
    ("language", "amount", "written"),
    [("de", Decimal("274500.5"), "274.500,50 EUR"), ("en", Decimal("274500.5"), "274,500.50 EUR")],
)
def test_what_the_formatter_writes_the_parser_reads_back(language, amount, written):
    with translation.override(language):
        assert euro(amount) == written
        assert parse_euro(written) == amount
        assert euro(amount, currency=False) == written.removesuffix(" EUR")


def test_the_hint_shows_how_to_write_an_amount_in_the_language():
    with translation.override("de"):
        assert "1.500,00" in amount_writing_hint()
        assert "1,50" in amount_writing_hint()
    with translation.override("en"):
        assert "1,500.00" in amount_writing_hint()
        assert "1.50" in amount_writing_hint()
