"""Personal data of the reviews stage: declarations for the registry, the retention of experts' confidential
notes, and which users a legal hold or a funding file covers. Registered from `ReviewsConfig.ready()`."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.privacy import categories, legal
from portal.privacy.registry import DataKind, Erasure, PersonalData, PersonalField
from portal.privacy.registry import register as declare
from portal.privacy.retention import (
    RetentionHandler,
    delete_in_batches,
    register_bound_users,
    register_handler,
    register_held_users,
    update_in_batches,
)
from portal.search.index import remove_entries

K, E = DataKind, Erasure
FILE = categories.FUNDING_FILE
# The search kind of the confidential notes (indexed for the programme office and the ministry).
CONFIDENTIAL_SEARCH_KIND = "review_confidential"


def _reference(name):
    return PersonalField(name, K.USER_REFERENCE, E.PSEUDONYM)


def forget_confidential_notes(review_ids):
    """Blanks the confidential notes of these reviews in their history and drops them from the search index."""
    from reviews.models import Review

    Review.history.model.objects.filter(id__in=review_ids).exclude(confidential_note="").update(confidential_note="")
    remove_entries(kind=CONFIDENTIAL_SEARCH_KIND, object_ids=review_ids)


def _declare():
    for model, what in (
        ("reviews.ReviewPolicy", _("Regeln der Begutachtung einer Runde")),
        ("reviews.Criterion", _("Bewertungskriterien")),
    ):
        # No personal field of their own; their history records who changed them.
        declare(PersonalData(model=model, purpose=what, retention=FILE, fields=()))
    # No personal field either, but a score and its justification are part of the expert's review.
    declare(
        PersonalData(
            model="reviews.Score",
            purpose=_("Bewertung eines Kriteriums in einem Gutachten"),
            retention=FILE,
            subjects=("review__assignment__expert",),
            export_fields=(
                "review__assignment__strategy__alliance__name",
                "criterion__code",
                "value",
                "not_applicable",
                "justification",
            ),
            fields=(),
        )
    )
    declare(
        PersonalData(
            model="reviews.ExpertProfile",
            export_fields=("federal_state",),
            purpose=_("Profil einer Gutachterin / eines Gutachters: Zuweisung und Prüfung auf Befangenheit"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(
                _reference("user"),
                PersonalField("affiliation", K.FREE_TEXT, E.BLANK),
                PersonalField("email_domain", K.EMAIL, E.BLANK),
                PersonalField("expertise_keywords", K.FREE_TEXT, E.BLANK),
                PersonalField("declared_ties", K.FREE_TEXT, E.BLANK),
            ),
        )
    )
    declare(
        PersonalData(
            model="reviews.Assignment",
            export_fields=(
                "strategy__alliance__name",
                "strategy__cycle__name",
                "status",
                "assigned_at",
                "declared_at",
                "conflict_type",
            ),
            purpose=_("Zuweisung einer Strategie zur Begutachtung und Erklärung zur Befangenheit"),
            retention=FILE,
            subjects=("expert",),
            fields=(
                _reference("expert"),
                _reference("assigned_by"),
                PersonalField("conflict_explanation", K.FREE_TEXT, E.KEEP, legal_basis=legal.FUNDING_FILE),
                PersonalField("override_reason", K.FREE_TEXT, E.KEEP, legal_basis=legal.FUNDING_FILE),
            ),
        )
    )
    declare(
        PersonalData(
            model="reviews.ReviewReminder",
            export_fields=("cycle__name", "kind", "sent_at"),
            purpose=_("Erinnerungen an offene Gutachten"),
            retention=FILE,
            subjects=("expert",),
            fields=(_reference("expert"), _reference("sent_by")),
        )
    )
    declare(
        PersonalData(
            model="reviews.RubricVersion",
            export_fields=("cycle__name", "number", "created_at"),
            purpose=_("Fassung der Bewertungskriterien: wer sie angelegt hat"),
            retention=FILE,
            fields=(_reference("created_by"),),
        )
    )
    declare(
        PersonalData(
            model="reviews.Review",
            export_fields=(
                "assignment__strategy__alliance__name",
                "status",
                "recommendation",
                "strengths",
                "weaknesses",
                "proposed_conditions",
                "submitted_at",
                "weighted_score",
            ),
            purpose=_("Gutachten; die vertrauliche Anmerkung richtet sich nur an Projektträger und Ministerium"),
            retention=FILE,
            subjects=("assignment__expert",),
            fields=(PersonalField("confidential_note", K.FREE_TEXT, E.BLANK, retention=categories.CONFIDENTIAL_NOTES),),
            after_erasure=forget_confidential_notes,
        )
    )
    declare(
        PersonalData(
            model="reviews.PanelVotum",
            export_fields=("strategy__alliance__name", "updated_at"),
            purpose=_("Votum des Gremiums: wer es geschrieben hat"),
            retention=FILE,
            fields=(_reference("written_by"),),
        )
    )
    _declare_jury()
    _declare_pitch_slides()
    _declare_jury_notes()


def _declare_jury():
    for model, what in (
        ("reviews.PitchSlot", _("Pitch-Termine der Bündnisse in Jurysitzungen")),
        ("reviews.JuryBreak", _("Pausen einer Jurysitzung")),
        ("reviews.AllianceBlockedDate", _("Tage, an denen ein Bündnis nicht pitchen kann")),
    ):
        # No personal field of their own; the history of a slot records who changed it.
        declare(PersonalData(model=model, purpose=what, retention=FILE, fields=()))
    declare(
        PersonalData(
            model="reviews.JurySession",
            export_fields=("cycle__name", "title", "starts_at"),
            purpose=_("Jurysitzung: wer sie leitet"),
            retention=FILE,
            subjects=("chair",),
            fields=(_reference("chair"),),
        )
    )
    declare(
        PersonalData(
            model="reviews.JuryMember",
            export_fields=("session__title", "session__starts_at", "role"),
            purpose=_("Mitwirkung in einer Jurysitzung als Jurymitglied oder Beobachtung"),
            retention=FILE,
            subjects=("user",),
            fields=(_reference("user"),),
        )
    )
    declare(
        PersonalData(
            model="reviews.CalendarFeed",
            export_fields=("created_at", "revoked_at"),
            purpose=_("Privates Kalender-Abonnement einer Person (nur der Hash des Schlüssels)"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
        )
    )


def _declare_jury_notes():
    declare(
        PersonalData(
            model="reviews.JuryNote",
            export_fields=("slot__session__title", "slot__strategy__alliance__name", "updated_at"),
            purpose=_(
                "Private Notiz eines Jurymitglieds zu einem Pitch; sie steht in keinem Protokoll und keinem Dossier"
            ),
            retention=categories.CONFIDENTIAL_NOTES,
            subjects=("juror",),
            fields=(
                PersonalField("juror", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("text", K.FREE_TEXT, E.DELETE_ROW),
            ),
        )
    )


def _delete_jury_notes(*, rule, now, holds, batch_size):
    """Jurors' private notes of cycles whose decisions were released one period ago or earlier: the jury's result
    and statement stand in the Votum and the minutes, the notes were only ever working notes."""
    from reviews.models import JuryNote

    held_q = holds.q(cycle="slot__session__cycle_id", alliance="slot__strategy__alliance_id")
    due = JuryNote.objects.filter(slot__session__cycle__released_at__lte=rule.cutoff(now)).exclude(held_q)
    return delete_in_batches(due, batch_size=batch_size)


def _declare_pitch_slides():
    declare(
        PersonalData(
            model="reviews.PitchSlides",
            export_fields=("strategy__alliance__name", "uploaded_at", "check_status"),
            purpose=_("Pitch-Folien eines Bündnisses: wer sie hochgeladen hat"),
            retention=FILE,
            fields=(
                _reference("uploaded_by"),
                PersonalField("original_name", K.FREE_TEXT, E.KEEP, legal_basis=legal.FUNDING_FILE),
            ),
        )
    )


def _blank_confidential_notes(*, rule, now, holds, batch_size):
    """Confidential notes of reviews whose cycle closed (decisions released) one period ago or earlier."""
    from reviews.models import Review

    due_q = Q(assignment__strategy__cycle__released_at__lte=rule.cutoff(now))
    held_q = holds.q(cycle="assignment__strategy__cycle_id", alliance="assignment__strategy__alliance_id")
    due = Review.objects.filter(due_q).exclude(confidential_note="").exclude(held_q)
    done = update_in_batches(
        due, values={"confidential_note": ""}, batch_size=batch_size, after=forget_confidential_notes
    )
    # Notes an expert cleared before the period ended may still stand in older history records.
    update_in_batches(
        Review.history.model.objects.filter(due_q).exclude(confidential_note="").exclude(held_q),
        values={"confidential_note": ""},
        batch_size=batch_size,
    )
    return done


def held_users(holds):
    """Experts assigned to a strategy under a hold, and who wrote a votum there."""
    from reviews.models import Assignment, PanelVotum

    strategy_q = holds.q(cycle="strategy__cycle_id", alliance="strategy__alliance_id")
    ids = set(Assignment.objects.filter(strategy_q).values_list("expert_id", flat=True))
    ids.update(PanelVotum.objects.filter(strategy_q).values_list("written_by_id", flat=True))
    return ids


def bound_users():
    """Experts with an assignment (their declaration and review belong to the file), who wrote a votum, chaired or
    sat in a jury session, and who uploaded pitch slides."""
    from portal.models import User
    from reviews.models import Assignment, JuryMember, JurySession, PanelVotum, PitchSlides

    return User.objects.filter(
        Q(pk__in=Assignment.objects.values("expert_id"))
        | Q(pk__in=PanelVotum.objects.values("written_by_id"))
        | Q(pk__in=JurySession.objects.values("chair_id"))
        | Q(pk__in=JuryMember.objects.values("user_id"))
        | Q(pk__in=PitchSlides.objects.values("uploaded_by_id"))
    ).values("pk")


def register():
    _declare()
    register_handler(RetentionHandler(categories.CONFIDENTIAL_NOTES, "reviews.Review", _blank_confidential_notes))
    register_handler(RetentionHandler(categories.CONFIDENTIAL_NOTES, "reviews.JuryNote", _delete_jury_notes))
    register_held_users(held_users)
    register_bound_users(bound_users)
