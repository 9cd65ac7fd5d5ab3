"""A mail transport that refuses every message, standing in for an SMTP server that is down."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


class RecipientRefusingBackend(BaseEmailBackend):
    """A mail server that refuses the recipient, quoting the address as SMTP does."""

    def send_messages(self, email_messages):
        refused = {address: (550, b"5.1.1 mailbox unavailable") for message in email_messages for address in message.to}
        raise smtplib.SMTPRecipientsRefused(refused)
