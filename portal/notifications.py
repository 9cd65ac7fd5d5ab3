"""The one way the portal sends e-mail to people."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation


def send_notification(*, recipients, subject, template, context):
    """Renders a German e-mail from `template` (.txt and .html) and sends it after the transaction commits.

    Side effects: one e-mail per recipient, sent only if the surrounding transaction commits.
    """
    addresses = sorted({address for address in recipients if address})
    if not addresses:
        return
    with translation.override("de"):
        body = render_to_string(f"{template}.txt", {**context, "base_url": settings.PORTAL_BASE_URL})
        html = render_to_string(f"{template}.html", {**context, "base_url": settings.PORTAL_BASE_URL})
        subject_line = f"[WIR! Strategy Portal] {subject}"

    def send():
        for address in addresses:
            message = EmailMultiAlternatives(subject_line, body, settings.DEFAULT_FROM_EMAIL, [address])
            message.attach_alternative(html, "text/html")
            message.send()

    transaction.on_commit(send)
