"""Personal data of the dossiers stage: declarations for the registry and the retention of dossier downloads.
Registered from `DossiersConfig.ready()`."""

from django.db import transaction
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
            export_fields=("kind", "status", "created_at"),
            purpose=_("PDF-Dossiers und Exporte: wer sie angefordert hat; die Auskunft einer Person als PDF"),
            retention=categories.FUNDING_FILE,
            # A person's own data export is erased with them, file and all; other dossiers only name who asked.
            subjects=("person",),
            erase_rows=_remove_personal_copies,
            fields=(
                PersonalField("requested_by", K.USER_REFERENCE, E.PSEUDONYM),
                PersonalField("person", K.USER_REFERENCE, E.DELETE_ROW, retention=categories.PERSONAL_COPIES),
            ),
        )
    )
    declare(
        PersonalData(
            model="dossiers.DossierDownload",
            export_fields=("dossier__kind", "downloaded_at"),
            purpose=_("Protokoll der Zugriffe auf Dossiers (Datensicherheit, Art. 32 DSGVO)"),
            retention=categories.ACCESS_LOGS,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
        )
    )


def _remove_files_once_committed(keys):
    from dossiers.models import Dossier

    names = [name for name in Dossier.objects.filter(pk__in=keys).values_list("file", flat=True) if name]
    storage = Dossier._meta.get_field("file").storage

    def remove():
        for name in names:
            storage.delete(name)

    transaction.on_commit(remove)


def _remove_personal_copies(rows):
    """Deletes a person's data exports and, once that commits, their files. Returns how many went."""
    keys = list(rows.values_list("pk", flat=True))
    if not keys:
        return 0
    _remove_files_once_committed(keys)
    _deleted, by_model = rows.model._default_manager.filter(pk__in=keys).delete()
    return by_model.get("dossiers.Dossier", 0)


def _delete_personal_copies(*, rule, now, holds, batch_size):
    """A legal hold does not keep them: a person's copy of their own data is no part of a funding file."""
    from dossiers.models import Dossier, DossierKind

    due = Dossier.objects.filter(kind=DossierKind.PERSONAL_DATA, created_at__lte=rule.cutoff(now))
    return delete_in_batches(due, batch_size=batch_size, before=_remove_files_once_committed)


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
    register_handler(RetentionHandler(categories.PERSONAL_COPIES, "dossiers.Dossier", _delete_personal_copies))
