"""Personal data of the alliances stage: declarations for the registry, the retention of document downloads,
and which users a legal hold or a funding file covers. Registered from `AlliancesConfig.ready()`."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.privacy import categories, legal
from portal.privacy.registry import DataKind, Erasure, PersonalData, PersonalField, register_not_personal
from portal.privacy.registry import register as declare
from portal.privacy.retention import (
    RetentionHandler,
    delete_in_batches,
    register_bound_users,
    register_handler,
    register_held_users,
)

K, E = DataKind, Erasure
FILE = categories.FUNDING_FILE


def _reference(name):
    return PersonalField(name, K.USER_REFERENCE, E.PSEUDONYM)


def _kept_text(name):
    return PersonalField(name, K.FREE_TEXT, E.KEEP, legal_basis=legal.FUNDING_FILE)


def _declare():
    for model, what in (
        ("alliances.EvaluationCycle", _("Begutachtungsrunde")),
        ("alliances.Alliance", _("Stammdaten eines Bündnisses")),
        ("alliances.AlliancePartner", _("Partner eines Bündnisses")),
        ("alliances.BudgetLine", _("Finanzplan einer Strategie")),
        ("alliances.SubmissionReminder", _("Erinnerung an die Einreichungsfrist")),
    ):
        # No personal field of their own; their history records who changed them.
        declare(PersonalData(model=model, purpose=what, retention=FILE, fields=()))
    declare(
        PersonalData(
            model="alliances.AllianceMembership",
            export_fields=("alliance__name", "created_at"),
            purpose=_("Zuständigkeit des Bündnismanagements für ein Bündnis"),
            retention=FILE,
            subjects=("user",),
            fields=(_reference("user"),),
        )
    )
    declare(
        PersonalData(
            model="alliances.Strategy",
            export_fields=("alliance__name", "cycle__name", "status", "updated_at"),
            purpose=_("Erweiterte WIR!-Strategie eines Bündnisses: wer sie zuletzt bearbeitet hat"),
            retention=FILE,
            fields=(_reference("updated_by"),),
        )
    )
    declare(
        PersonalData(
            model="alliances.StrategyDocument",
            export_fields=("strategy__alliance__name", "kind", "uploaded_at", "removed_at"),
            purpose=_("Hochgeladene Dokumente einer Strategie: wer sie hochgeladen oder entfernt hat"),
            retention=FILE,
            fields=(_reference("uploaded_by"), _reference("removed_by"), _kept_text("original_name")),
        )
    )
    declare(
        PersonalData(
            model="alliances.Submission",
            export_fields=("strategy__alliance__name", "number", "submitted_at"),
            purpose=_("Eingereichte Fassung einer Strategie: wer sie eingereicht hat"),
            retention=FILE,
            fields=(_reference("submitted_by"),),
        )
    )
    declare(
        PersonalData(
            model="alliances.Reopening",
            export_fields=("submission__strategy__alliance__name", "reopened_at"),
            purpose=_("Wiederöffnung einer Einreichung durch den Projektträger"),
            retention=FILE,
            fields=(_reference("reopened_by"),),
        )
    )
    declare(
        PersonalData(
            model="alliances.DeadlineExtension",
            export_fields=("strategy__alliance__name", "new_deadline", "granted_at"),
            purpose=_("Fristverlängerung für ein Bündnis"),
            retention=FILE,
            fields=(_reference("granted_by"),),
        )
    )
    declare(
        PersonalData(
            model="alliances.DocumentDownload",
            export_fields=("document__strategy__alliance__name", "downloaded_at"),
            purpose=_("Protokoll der Zugriffe auf Dokumente (Datensicherheit, Art. 32 DSGVO)"),
            retention=categories.ACCESS_LOGS,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
        )
    )
    declare(
        PersonalData(
            model="alliances.Question",
            export_fields=("alliance__name", "topic", "asked_at", "status", "answer", "answered_at"),
            purpose=_("Fragen der Bündnisse an den Projektträger und ihre Antworten"),
            retention=FILE,
            subjects=("asked_by",),
            fields=(
                _reference("asked_by"),
                _reference("answered_by"),
                _kept_text("text"),
                _kept_text("attachment_name"),
            ),
        )
    )
    declare(
        PersonalData(
            model="alliances.QuestionComment",
            export_fields=("question__alliance__name", "created_at"),
            purpose=_("Kommentare zu Fragen der Bündnisse"),
            retention=FILE,
            subjects=("author",),
            fields=(_reference("author"), _kept_text("text")),
        )
    )
    declare(
        PersonalData(
            model="alliances.FaqEntry",
            export_fields=("cycle__name", "published_at"),
            purpose=_("Veröffentlichte häufige Fragen: wer sie veröffentlicht hat"),
            retention=FILE,
            fields=(_reference("published_by"),),
        )
    )
    for model, field_name, reason in (
        ("alliances.FederalState", "name", _("Name eines Bundeslandes")),
        ("alliances.FundingRound", "name", _("Name einer Förderrunde")),
        ("alliances.EvaluationCycle", "name", _("Name einer Begutachtungsrunde")),
        ("alliances.Alliance", "name", _("Name eines Bündnisses")),
        ("alliances.AlliancePartner", "name", _("Name einer Partnerorganisation")),
        ("alliances.AlliancePartner", "email_domain", _("Domain einer Partnerorganisation, keine Adresse")),
    ):
        register_not_personal(model, field_name, reason)


def _delete_downloads(*, rule, now, holds, batch_size):
    from alliances.models import DocumentDownload

    due = DocumentDownload.objects.filter(downloaded_at__lte=rule.cutoff(now))
    if holds:
        due = due.exclude(
            holds.q(cycle="document__strategy__cycle_id", alliance="document__strategy__alliance_id")
            | Q(user__in=holds.held_user_ids())
        )
    return delete_in_batches(due, batch_size=batch_size)


def held_users(holds):
    """Managers of a held alliance; who submitted, uploaded, asked or downloaded under a held cycle or alliance."""
    from alliances.models import AllianceMembership, DocumentDownload, Question, Submission

    ids = set(AllianceMembership.objects.filter(alliance_id__in=holds.alliance_ids).values_list("user_id", flat=True))
    strategy_q = holds.q(cycle="strategy__cycle_id", alliance="strategy__alliance_id")
    ids.update(Submission.objects.filter(strategy_q).values_list("submitted_by_id", flat=True))
    ids.update(
        Question.objects.filter(holds.q(cycle="cycle_id", alliance="alliance_id")).values_list("asked_by_id", flat=True)
    )
    ids.update(
        DocumentDownload.objects.filter(
            holds.q(cycle="document__strategy__cycle_id", alliance="document__strategy__alliance_id")
        ).values_list("user_id", flat=True)
    )
    return ids


def bound_users():
    """Who submitted a strategy, uploaded a document, asked a question or acted on a submission: the funding
    file keeps these records."""
    from alliances.models import DeadlineExtension, Question, Reopening, StrategyDocument, Submission
    from portal.models import User

    return User.objects.filter(
        Q(pk__in=Submission.objects.values("submitted_by_id"))
        | Q(pk__in=StrategyDocument.objects.values("uploaded_by_id"))
        | Q(pk__in=Question.objects.values("asked_by_id"))
        | Q(pk__in=Question.objects.exclude(answered_by=None).values("answered_by_id"))
        | Q(pk__in=Reopening.objects.values("reopened_by_id"))
        | Q(pk__in=DeadlineExtension.objects.values("granted_by_id"))
    ).values("pk")


def register():
    _declare()
    register_handler(RetentionHandler(categories.ACCESS_LOGS, "alliances.DocumentDownload", _delete_downloads))
    register_held_users(held_users)
    register_bound_users(bound_users)
