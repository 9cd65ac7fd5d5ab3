"""The product's name, in one place: German in the source, English from the catalogue."""

from django.utils.translation import gettext_lazy as _

PRODUCT_NAME = _("WIR!-Strategieportal")
