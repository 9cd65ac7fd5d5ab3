"""What the portal's logs may hold: user and object ids, never e-mail addresses or client addresses.

Every log call names people by their user id. As a safety net for what third-party code and exception texts carry
(an SMTP refusal quotes the recipient), the console formatter and the outbox's stored errors pass their text
through `redact`.
"""

import ipaddress
import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Candidates only: ipaddress decides, so that a time such as 09:21:41 or a version such as 1.2 stays.
IPV4 = re.compile(r"(?<![\w.:])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\w)")
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:]|\.\w)")

EMAIL_MARK = "[E-Mail-Adresse]"
ADDRESS_MARK = "[IP-Adresse]"


def _address(match):
    text = match.group(0)
    if not any(char.isalnum() for char in text):
        return text
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return text
    return ADDRESS_MARK


def redact(text: str) -> str:
    """`text` with every e-mail address and IP address replaced by a mark."""
    text = EMAIL.sub(EMAIL_MARK, text)
    text = IPV6.sub(_address, text)
    return IPV4.sub(_address, text)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then redacts e-mail and IP addresses from the whole line, traceback included."""

    def format(self, record):
        return redact(super().format(record))
