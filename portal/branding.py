"""The product's name, in one place: German in the source, English from the catalogue."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

PRODUCT_NAME = _("WIR!-Strategieportal")
# The name calendar programs see in the PRODID of our iCalendar files (RFC 5545): an identifier, never translated.
CALENDAR_PRODUCT_ID = "-//WIR!-Strategieportal//Jurysitzungen//DE"


def mail_subject(subject):
    """An e-mail's subject with the product's name in brackets before it. The portal's mails are German, so the
    name is the German one whatever language the request that caused the mail had."""
    with translation.override("de"):
        return f"[{PRODUCT_NAME}] {subject}"[:300]
