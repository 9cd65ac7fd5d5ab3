"""Password rules beyond Django's: a German list of words and keyboard rows that no password may be built on."""

import gzip
from functools import cached_property
from pathlib import Path
from string import digits, punctuation, whitespace

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

GERMAN_COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "german-common-passwords.txt.gz"
# What people put around a weak word to pass a length rule: "Passwort2024!", "!!hallo123456".
_DECORATION = digits + punctuation + whitespace


class GermanCommonPasswordValidator:
    """Refuses a password that is, without the digits and punctuation around it, a frequent German word or a
    keyboard row (or nothing at all). The list and its source: `portal/data/README.md`."""

    def __init__(self, password_list_path=GERMAN_COMMON_PASSWORDS):
        self.password_list_path = Path(password_list_path)

    @cached_property
    def words(self):
        with gzip.open(self.password_list_path, "rt", encoding="utf-8") as lines:
            return frozenset(line.strip() for line in lines if line.strip())

    def validate(self, password, user=None):
        core = password.strip(_DECORATION).casefold()
        if not core or core in self.words:
            raise ValidationError(
                _(
                    "Dieses Passwort ist zu leicht zu erraten: Es besteht aus einem häufigen Wort oder einer "
                    "Tastenfolge mit Ziffern oder Zeichen davor oder dahinter."
                ),
                code="password_too_common",
            )

    def get_help_text(self):
        return _("Ihr Passwort darf kein häufiges Wort und keine Tastenfolge mit angehängten Ziffern sein.")
