from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from portal.demo import DEMO_EMAIL_DOMAIN
from portal.models import User


class Command(BaseCommand):
    help = (
        "Zeigt den aktuellen sechsstelligen Code des zweiten Faktors eines Demokontos (…@demo.example), damit die "
        "Demo ohne Authenticator-App auskommt. Nur mit DEBUG=1."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="E-Mail-Adresse des Demokontos, z. B. pt@demo.example")

    def handle(self, *args, email, **options):
        if not settings.DEBUG:
            raise CommandError("demo_code läuft nur mit DEBUG=1: Codes echter Konten zeigt das Portal nie an.")
        email = email.strip().lower()
        if not email.endswith(DEMO_EMAIL_DOMAIN):
            raise CommandError(f"{email} ist kein Demokonto: Codes gibt es nur für Adressen auf {DEMO_EMAIL_DOMAIN}.")
        user = User.objects.filter(email__iexact=email).first()
        totp = (
            Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first() if user is not None else None
        )
        if totp is None:
            raise CommandError(
                f"{email} hat keine Authenticator-App: Den Code brauchen nur Projektträger, Ministerium und "
                "Administration nach `manage.py seed_demo`."
            )
        # The code of the authenticator app as allauth checks it: the stored secret and the current period.
        period = mfa_settings.TOTP_PERIOD
        now = int(timezone.now().timestamp())
        code = format_hotp_value(hotp_value(decrypt(totp.data["secret"]), now // period))
        self.stdout.write(code)
        self.stderr.write(f"gültig noch {period - now % period} s; jeder Code gilt nur für eine Anmeldung")
