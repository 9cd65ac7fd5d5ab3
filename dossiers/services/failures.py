"""What a user reads when a dossier could not be made: what happened and what to do, never a class name."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def failed_message():
    return _(
        "Das Dossier konnte nicht erstellt werden, weil bei der Erstellung ein unerwarteter Fehler aufgetreten ist. "
        "Bitte versuchen Sie es erneut. Gelingt es wieder nicht, wenden Sie sich bitte an die Administration des "
        "Portals; der Fehler ist dort protokolliert."
    )


def overran_message():
    minutes = max(1, settings.DOSSIER_RENDER_SOFT_SECONDS // 60)
    return ngettext(
        "Das Dossier konnte nicht in der vorgesehenen Zeit von %(minutes)s Minute erstellt werden. Bitte versuchen "
        "Sie es später erneut. Gelingt es wieder nicht, wenden Sie sich bitte an die Administration des Portals.",
        "Das Dossier konnte nicht in der vorgesehenen Zeit von %(minutes)s Minuten erstellt werden. Bitte versuchen "
        "Sie es später erneut. Gelingt es wieder nicht, wenden Sie sich bitte an die Administration des Portals.",
        minutes,
    ) % {"minutes": minutes}


def lost_message(attempts):
    return ngettext(
        "Das Dossier konnte nicht erstellt werden: Der Hintergrunddienst ist bei der Erstellung abgebrochen. "
        "Bitte versuchen Sie es später erneut. Gelingt es wieder nicht, wenden Sie sich bitte an die "
        "Administration des Portals.",
        "Das Dossier konnte nicht erstellt werden: Der Hintergrunddienst ist bei %(count)s Versuchen jeweils "
        "abgebrochen. Bitte versuchen Sie es später erneut. Gelingt es wieder nicht, wenden Sie sich bitte an die "
        "Administration des Portals.",
        attempts,
    ) % {"count": attempts}
