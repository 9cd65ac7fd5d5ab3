"""The portal's own personal data, and that of the third-party apps it installs (Django's admin, auth and
sessions, allauth), declared in the registry; the portal's retention handlers. Registered from
`PortalConfig.ready()`, before the stages add theirs."""

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from portal.privacy import categories, legal
from portal.privacy.addresses import StoredAddress, register_address
from portal.privacy.registry import DataKind, Erasure, PersonalData, PersonalField, register_not_personal
from portal.privacy.registry import register as declare
from portal.privacy.retention import RetentionHandler, delete_in_batches, register_handler

K, E = DataKind, Erasure


def register_declarations():
    declare(
        PersonalData(
            model="portal.User",
            export_fields=("role", "is_active", "date_joined", "last_login", "anonymised_at"),
            purpose=_(
                "Benutzerkonto der am Verfahren Beteiligten: Anmeldung, Rolle, Zuständigkeit und Benachrichtigung"
            ),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("pk",),
            fields=(
                PersonalField("email", K.EMAIL, E.PSEUDONYM),
                PersonalField("full_name", K.NAME, E.PSEUDONYM),
            ),
        )
    )
    for through in ("portal.User_groups", "portal.User_user_permissions"):
        declare(
            PersonalData(
                model=through,
                purpose=_("Berechtigungen eines Benutzerkontos in der Administration"),
                retention=categories.INACTIVE_ACCOUNTS,
                subjects=("user",),
                fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
            )
        )
    declare(
        PersonalData(
            model="portal.OutgoingMessage",
            export_fields=("kind", "subject", "status", "created_at", "sent_at"),
            purpose=_("Benachrichtigung der Beteiligten per E-Mail und Nachweis des Versands"),
            retention=categories.OUTBOX,
            subjects=("recipient",),
            fields=(
                PersonalField("recipient", K.USER_REFERENCE, E.PSEUDONYM),
                PersonalField("recipient_email", K.EMAIL, E.PSEUDONYM),
                PersonalField("body_text", K.FREE_TEXT, E.BLANK),
                PersonalField("body_html", K.FREE_TEXT, E.BLANK),
                # The cause as text, which names people ("Dr. Muster → Gesunde Lausitz" for an assignment).
                PersonalField("cause_label", K.FREE_TEXT, E.BLANK),
                # A calendar invitation names the event and its place, like the body.
                PersonalField("attachment_content", K.FREE_TEXT, E.BLANK),
            ),
            # A message to someone else may name the person ("Dr. Muster hat ihr Gutachten abgegeben").
            mentions=("subject", "body_text", "body_html", "cause_label", "attachment_content"),
        )
    )
    declare(
        PersonalData(
            model="portal.NotificationPreference",
            export_fields=("kind",),
            purpose=_("Abbestellte Benachrichtigungen einer Person"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),),
        )
    )
    declare(
        PersonalData(
            model="portal.AccountEvent",
            export_fields=("kind", "at"),
            purpose=_("Sicherheit der Anmeldung: Fehlversuche, Sperren und Entsperrungen (Art. 32 DSGVO)"),
            retention=categories.SIGN_IN_EVENTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("actor", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("client_address", K.IP_ADDRESS, E.DELETE_ROW),
            ),
        )
    )
    declare(
        PersonalData(
            model="portal.LegalHold",
            export_fields=("set_at", "lifted_at"),
            purpose=_("Aufbewahrungssperren: wer eine Sperre gesetzt und aufgehoben hat"),
            retention=categories.FUNDING_FILE,
            fields=(
                PersonalField("set_by", K.USER_REFERENCE, E.KEEP, legal_basis=legal.AUDIT),
                PersonalField("lifted_by", K.USER_REFERENCE, E.KEEP, legal_basis=legal.AUDIT),
            ),
        )
    )
    declare(
        PersonalData(
            model="portal.ErasureRequest",
            purpose=_("Anträge auf Löschung eines Kontos (Art. 17 DSGVO) und ihre Entscheidung"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.KEEP, legal_basis=legal.ACCOUNTABILITY),
                PersonalField("reason", K.FREE_TEXT, E.BLANK),
                PersonalField("decided_by", K.USER_REFERENCE, E.KEEP, legal_basis=legal.ACCOUNTABILITY),
                PersonalField("decision_note", K.FREE_TEXT, E.KEEP, legal_basis=legal.ACCOUNTABILITY),
            ),
        )
    )
    declare(
        PersonalData(
            model="portal.RetentionRule",
            purpose=_("Aufbewahrungsplan: wer eine Regel geändert hat (Änderungshistorie)"),
            retention=categories.FUNDING_FILE,
            fields=(),
        )
    )
    _register_third_party()


def _register_third_party():
    declare(
        PersonalData(
            model="admin.LogEntry",
            export_fields=("action_time", "action_flag", "content_type__model"),
            purpose=_("Protokoll der Änderungen in der Administration"),
            retention=categories.FUNDING_FILE,
            subjects=("user",),
            fields=(PersonalField("user", K.USER_REFERENCE, E.KEEP, legal_basis=legal.AUDIT),),
        )
    )
    declare(
        PersonalData(
            model="sessions.Session",
            purpose=_("Technisch notwendige Sitzung nach der Anmeldung"),
            retention=categories.SESSIONS,
            fields=(PersonalField("session_data", K.IDENTIFIER, E.DELETE_ROW),),
        )
    )
    declare(
        PersonalData(
            model="account.EmailAddress",
            export_fields=("verified", "primary"),
            purpose=_("E-Mail-Adresse zur Anmeldung und zum Zurücksetzen des Passworts"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("email", K.EMAIL, E.DELETE_ROW),
            ),
        )
    )
    declare(
        PersonalData(
            model="account.EmailConfirmation",
            purpose=_("Bestätigung einer E-Mail-Adresse"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("email_address__user",),
            fields=(PersonalField("email_address", K.IDENTIFIER, E.DELETE_ROW),),
        )
    )
    declare(
        PersonalData(
            model="mfa.Authenticator",
            export_fields=("type", "created_at", "last_used_at"),
            purpose=_("Zweiter Faktor der Anmeldung (Authenticator-App, Wiederherstellungscodes, Passkeys)"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("data", K.IDENTIFIER, E.DELETE_ROW),
            ),
        )
    )
    declare(
        PersonalData(
            model="usersessions.UserSession",
            export_fields=("created_at", "last_seen_at"),
            purpose=_("Angemeldete Geräte einer Person, damit sie Sitzungen sehen und beenden kann"),
            retention=categories.SIGN_IN_EVENTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("ip", K.IP_ADDRESS, E.DELETE_ROW),
                PersonalField("user_agent", K.USER_AGENT, E.DELETE_ROW),
                PersonalField("session_key", K.IDENTIFIER, E.DELETE_ROW),
            ),
        )
    )
    declare(
        PersonalData(
            model="socialaccount.SocialAccount",
            export_fields=("provider", "last_login", "date_joined"),
            purpose=_("Anmeldung über den Identitätsdienst der Behörde (OpenID Connect)"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("user",),
            fields=(
                PersonalField("user", K.USER_REFERENCE, E.DELETE_ROW),
                PersonalField("uid", K.IDENTIFIER, E.DELETE_ROW),
                PersonalField("extra_data", K.IDENTIFIER, E.DELETE_ROW),
            ),
        )
    )
    declare(
        PersonalData(
            model="socialaccount.SocialToken",
            purpose=_("Zugangsschlüssel des Identitätsdienstes"),
            retention=categories.INACTIVE_ACCOUNTS,
            subjects=("account__user",),
            fields=(
                PersonalField("token", K.IDENTIFIER, E.DELETE_ROW),
                PersonalField("token_secret", K.IDENTIFIER, E.DELETE_ROW),
            ),
        )
    )
    register_not_personal("auth.Permission", "name", _("Name einer Berechtigung, keine Person"))
    register_not_personal("auth.Group", "name", _("Name einer Benutzergruppe, keine Person"))
    register_not_personal("socialaccount.SocialApp", "name", _("Name des Identitätsdienstes, keine Person"))


# --- Handlers ---------------------------------------------------------------------------------------------------


def _delete_outbox(*, rule, now, holds, batch_size):
    from portal.models import MessageStatus, OutgoingMessage

    # Held and queued messages have not gone out yet; only what was sent or finally failed ages out.
    due = OutgoingMessage.objects.filter(
        status__in=[MessageStatus.SENT, MessageStatus.FAILED], created_at__lte=rule.cutoff(now)
    )
    if holds:
        due = due.exclude(recipient__in=holds.held_user_ids())
    return delete_in_batches(due, batch_size=batch_size)


def _delete_account_events(*, rule, now, holds, batch_size):
    from portal.models import AccountEvent

    due = AccountEvent.objects.filter(at__lte=rule.cutoff(now))
    if holds:
        held = holds.held_user_ids()
        due = due.exclude(Q(user__in=held) | Q(actor__in=held))
    return delete_in_batches(due, batch_size=batch_size)


def _delete_user_sessions(*, rule, now, holds, batch_size):
    from allauth.usersessions.models import UserSession

    due = UserSession.objects.filter(last_seen_at__lte=rule.cutoff(now))
    if holds:
        due = due.exclude(user__in=holds.held_user_ids())
    return delete_in_batches(due, batch_size=batch_size)


def _delete_sessions(*, rule, now, holds, batch_size):
    """Expired sessions carry nothing a hold could need (who signed in when is in the sign-in records, which a
    hold keeps); they go whatever the holds."""
    from django.contrib.sessions.models import Session

    return delete_in_batches(Session.objects.filter(expire_date__lte=rule.cutoff(now)), batch_size=batch_size)


def _anonymise_inactive_accounts(*, rule, now, holds, batch_size):
    from portal.models import User
    from portal.privacy.services import bound_user_ids, pseudonymise_account

    due = (
        User.objects.filter(anonymised_at__isnull=True)
        .annotate(last_active=Coalesce("last_login", "date_joined"))
        .filter(last_active__lte=rule.cutoff(now))
    )
    if holds:
        due = due.exclude(pk__in=holds.held_user_ids())
    bound = set(bound_user_ids().filter(pk__in=due.values("pk")).values_list("pk", flat=True))
    done = 0
    while True:
        batch = list(due.order_by("pk")[:batch_size])
        for user in batch:
            pseudonymise_account(user=user, now=now, by_role=user.pk in bound)
        done += len(batch)
        if len(batch) < batch_size:
            return done


def register_handlers():
    register_handler(RetentionHandler(categories.OUTBOX, "portal.OutgoingMessage", _delete_outbox))
    register_handler(RetentionHandler(categories.SIGN_IN_EVENTS, "portal.AccountEvent", _delete_account_events))
    register_handler(RetentionHandler(categories.SIGN_IN_EVENTS, "usersessions.UserSession", _delete_user_sessions))
    register_handler(RetentionHandler(categories.SESSIONS, "sessions.Session", _delete_sessions))
    register_handler(RetentionHandler(categories.INACTIVE_ACCOUNTS, "portal.User", _anonymise_inactive_accounts))


def register_addresses():
    # allauth writes a session's address when it is signed in (USERSESSIONS_TRACK_ACTIVITY is off), together
    # with last_seen_at; nothing checks a session against its address, the person's list of sessions shows it.
    register_address(StoredAddress("portal.AccountEvent", "client_address", recorded_at="at"))
    register_address(StoredAddress("usersessions.UserSession", "ip", recorded_at="last_seen_at"))


def register():
    register_declarations()
    register_handlers()
    register_addresses()
