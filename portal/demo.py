"""Demo accounts shared by every stage's demo data."""

from functools import cache

from django.contrib.auth.hashers import make_password

from portal.models import Role, User

DEMO_PASSWORD = "wir-demo-2024"  # noqa: S105 - documented demo password, refused without DEBUG


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


def seed(*, stdout):
    accounts = [demo_user("pt@demo.example", role=Role.PROGRAMME_OFFICE, full_name="Petra Träger (PtJ)")]
    accounts.append(demo_user("bmbf1@demo.example", role=Role.MINISTRY, full_name="Dr. Bernd Bauer (BMBF)"))
    accounts.append(demo_user("bmbf2@demo.example", role=Role.MINISTRY, full_name="Miriam Franke (BMBF)"))
    accounts.extend(
        demo_user(f"expert{number}@demo.example", role=Role.EXPERT, full_name=f"Gutachter/in {number}")
        for number in range(1, 13)
    )
    stdout.write(f"{len(accounts)} Konten für Projektträger, BMBF und Gutachter/innen bereit.")
    return [(user.email, user.get_role_display()) for user in accounts]
