"""Personal data of the dossiers stage: declarations for the registry and the retention of dossier downloads.
Registered from `DossiersConfig.ready()`."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.privacy import categories
from portal.privacy.registry import DataKind, Erasure, PersonalData, PersonalField
from portal.privacy.registry import register as declare
from portal.privacy.retention import RetentionHandler, delete_in_batches, register_handler

K, E = DataKind, Erasure


def _declare():
    declare(
        PersonalData(
            model="dossiers.Dossier",
            purpose=_("PDF-Dossiers und Exporte: wer sie angefordert hat"),
            retention=categories.FUNDING_FILE,
            fields=(PersonalField("requested_by", K.USER_REFERENCE, E.PSEUDONYM),),
        )
    )
    declare(
        PersonalData(
            model="dossiers.DossierDownload",
            purpose=_("Protokoll der Zugriffe auf Dossiers (Datensicherheit, Art. 32 DSGVO)"),
            retention=categories.ACCESS_LOGS,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
        )
    )


def _delete_downloads(*, rule, now, holds, batch_size):
    from dossiers.models import DossierDownload

    due = DossierDownload.objects.filter(downloaded_at__lte=rule.cutoff(now))
    if holds:
        due = due.exclude(
            holds.q(cycle="dossier__cycle_id", alliance="dossier__strategy__alliance_id")
            | Q(user__in=holds.held_user_ids())
        )
    return delete_in_batches(due, batch_size=batch_size)


def register():
    _declare()
    register_handler(RetentionHandler(categories.ACCESS_LOGS, "dossiers.DossierDownload", _delete_downloads))
