"""How amounts read to people, in the active language: one formatter for pages, e-mails, audit and letters, and
one parser for every amount people type.

The parser accepts an amount only when it has a single reading in the active language: "1.500,50" or "1500,5"
in German, "1,500.50" or "1.5" in English. Anything else made of digits and separators ("1.5" in German,
"1,5" in English, "1,500" in German) is refused as ambiguous and never reinterpreted; more than two decimal
places are left for the field's cent check. The live preview in
static/js/portal.js mirrors these rules; change both together.
"""

import re
from decimal import Decimal

from django.utils.formats import get_format, number_format
from django.utils.translation import gettext

CURRENCY_MARKS = ("EUR", "€")


class AmountNotUnderstood(ValueError):
    """Typed text that is not an amount. `ambiguous` when it is digits and separators without a single reading."""

    def __init__(self, text, *, ambiguous):
        super().__init__(text)
        self.text = text
        self.ambiguous = ambiguous


def euro(amount, *, decimals=2, currency=True):
    """`amount` as "1.234.567,50 EUR" (German) or "1,234,567.50 EUR" (English); None stays an em dash."""
    if amount is None or amount == "":
        return "—"
    number = number_format(Decimal(amount), decimals, use_l10n=True, force_grouping=True)
    return f"{number} EUR" if currency else number


def parse_euro(text):
    """The Decimal that `text` means in the active language, None for blank text.

    Raises AmountNotUnderstood for text that is not an amount, with `ambiguous` set when it has the shape of
    one but no single reading.
    """
    body = "".join((text or "").split())
    for mark in CURRENCY_MARKS:
        if body.upper().startswith(mark):
            body = body[len(mark) :]
        if body.upper().endswith(mark):
            body = body[: -len(mark)]
    if not body:
        return None
    sign = ""
    if body.startswith("-"):
        sign, body = "-", body[1:]
    decimal_mark, group_mark = get_format("DECIMAL_SEPARATOR"), get_format("THOUSAND_SEPARATOR")
    if not body or any(char not in "0123456789.," + decimal_mark + group_mark for char in body):
        raise AmountNotUnderstood(text, ambiguous=False)
    group, point = re.escape(group_mark), re.escape(decimal_mark)
    match = re.fullmatch(rf"([0-9]+|[0-9]{{1,3}}(?:{group}[0-9]{{3}})+)(?:{point}([0-9]+))?", body)
    if not match:
        raise AmountNotUnderstood(text, ambiguous=True)
    integer, fraction = match[1].replace(group_mark, ""), match[2]
    if fraction and len(fraction) == 3 and len(match[1]) <= 3:
        # "1,500" reads as 1.5 here and as 1500 in the other language's notation.
        raise AmountNotUnderstood(text, ambiguous=True)
    return Decimal(f"{sign}{integer}.{fraction}" if fraction else f"{sign}{integer}")


def amount_writing_hint():
    """How to write an amount in the active language, with examples in its own notation."""
    return gettext("Bitte schreiben Sie den Betrag z. B. als %(thousands)s oder %(cents)s.") % {
        "thousands": euro(Decimal("1500"), currency=False),
        "cents": euro(Decimal("1.5"), currency=False),
    }
