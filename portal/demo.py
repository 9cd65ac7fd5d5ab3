"""Demo accounts shared by every stage's demo data."""

from functools import cache

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError

from portal.models import Role, User

DEMO_PASSWORD = "wir-demo-2024"  # noqa: S105 - documented demo password, refused without DEBUG
DEMO_EMAIL_DOMAIN = "@demo.example"
# The authenticator-app secret (base32) of every demo staff account, documented in the README: staff must sign in
# with a second factor, and `manage.py demo_code <email>` shows the current code, so the demo needs no phone.
DEMO_TOTP_SECRET = "WIRDEMOWIRDEMOWIRDEMOWIRDEMOWIRD"  # noqa: S105 - public demo secret, only with DEBUG
# The phases `seed_demo --phase` can build (values of alliances.models.Phase, which the portal does not import).
DEMO_PHASES = ["submission", "review", "decision", "released"]
# Without --phase the demo is in the decision phase: then every role has something to do.
DEFAULT_DEMO_PHASE = "decision"
# The demo's e-mails (receipts, assignments, decisions) stay in memory: its addresses are not real.
DEMO_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


class DemoPhaseRefused(CommandError):
    """The demo exists in another phase than the one asked for; the message says why and what to do."""


@cache
def demo_password_hash():
    """One slow hash of the public demo password serves every demo account, so seeding takes seconds."""
    return make_password(DEMO_PASSWORD)


def demo_user(email, *, role, full_name):
    """Returns the demo user, creating it with the demo password the first time."""
    user, _created = User.objects.get_or_create(
        email=email, defaults={"role": role, "full_name": full_name, "password": demo_password_hash()}
    )
    return user


def give_demo_totp(user):
    """Gives `user` an authenticator app on DEMO_TOTP_SECRET, unless it has one already (seeding repeats)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def seed(*, stdout, phase=None):
    staff = [
        demo_user("pt@demo.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger (PtJ)"),
        demo_user("bmbf1@demo.example", role=Role.MINISTRY, full_name="Dr. Bernd Bauer"),
        demo_user("bmbf2@demo.example", role=Role.MINISTRY, full_name="Miriam Franke"),
        demo_admin(),
    ]
    for user in staff:
        give_demo_totp(user)
    experts = [
        demo_user(f"expert{number}@demo.example", role=Role.EXPERT, full_name=f"Gutachter/in {number}")
        for number in range(1, 13)
    ]
    accounts = staff + experts
    stdout.write(
        f"{len(accounts)} Konten für Projektträger, Ministerium, Administration und Gutachter/innen bereit; "
        "den zweiten Faktor der ersten zeigt `manage.py demo_code <E-Mail>`."
    )
    return [(user.email, user.get_role_display()) for user in accounts]


def demo_admin():
    """The demo's administrator: a superuser, so the admin site opens to it (with its second factor)."""
    user, _created = User.objects.get_or_create(
        email="admin@demo.example",
        defaults={
            "role": Role.ADMIN,
            "full_name": "Ada Admin",
            "password": demo_password_hash(),
            "is_staff": True,
            "is_superuser": True,
        },
    )
    return user
