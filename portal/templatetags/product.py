"""`{% product_name %}`: the product's name in the active language, also where no request context exists
(e-mails and print templates are rendered without context processors)."""

from django import template

from portal.branding import PRODUCT_NAME

register = template.Library()


@register.simple_tag
def product_name():
    return str(PRODUCT_NAME)
