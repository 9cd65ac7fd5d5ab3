"""How amounts read to people, in the active language: one formatter for pages, e-mails, audit and letters."""

from decimal import Decimal

from django.utils.formats import number_format


def euro(amount, *, decimals=2):
    """`amount` as "1.234.567,50 EUR" (German) or "1,234,567.50 EUR" (English); None stays an em dash."""
    if amount is None or amount == "":
        return "—"
    return f"{number_format(Decimal(amount), decimals, use_l10n=True, force_grouping=True)} EUR"
