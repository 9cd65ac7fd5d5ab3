from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from portal.search.fields import SearchDocumentField


class Role(models.TextChoices):
    ALLIANCE_MANAGER = "alliance_manager", _("Bündnismanagement")
    EXPERT = "expert", _("Gutachterin / Gutachter")
    PROGRAMME_OFFICE = "programme_office", _("Projektträger")
    MINISTRY = "ministry", _("Ministerium (Fachreferat)")
    ADMIN = "admin", _("Administration")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address and acts in exactly one role."""

    email = models.EmailField(_("E-Mail-Adresse"), unique=True)
    full_name = models.CharField(_("Name"), max_length=200, blank=True)
    role = models.CharField(_("Rolle"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("aktiv"), default=True)
    is_staff = models.BooleanField(_("Zugang zur Administration"), default=False)
    date_joined = models.DateTimeField(_("registriert am"), default=timezone.now)
    # Set when the account was pseudonymised (erasure or the retention of inactive accounts): name and e-mail are
    # then a pseudonym, sign-in is impossible, and the records the funding file keeps stay bound to the pseudonym.
    anonymised_at = models.DateTimeField(_("pseudonymisiert am"), null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["password", "last_login"])
    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("Benutzerin / Benutzer")
        verbose_name_plural = _("Benutzerinnen und Benutzer")
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class NotificationKind(models.TextChoices):
    SUBMISSION_RECEIPT = "receipt", _("Eingangsbestätigung")
    SUBMISSION_REOPENED = "reopened", _("Wiederöffnung einer Einreichung")
    ASSIGNMENT = "assignment", _("Neue Begutachtung")
    CONFLICT_DECLARED = "conflict", _("Erklärte Befangenheit")
    REVIEW_REMINDER = "reminder", _("Erinnerung an offene Gutachten")
    RESUBMISSION = "resubmission", _("Geänderte Fassung einer Strategie")
    QUESTION = "question", _("Fragen und Antworten")
    FAQ_DIGEST = "faq_digest", _("Neue FAQ-Einträge")
    DECISION = "decision", _("Förderentscheidung")
    ACCOUNT = "account", _("Zugang und Sicherheit")
    DEADLINE = "deadline", _("Fristen: Erinnerungen und Änderungen")
    JURY = "jury", _("Jurysitzungen: Einladungen und Terminänderungen")


# Legally required notices go out whatever the recipient chose.
REQUIRED_NOTIFICATION_KINDS = {NotificationKind.SUBMISSION_RECEIPT, NotificationKind.DECISION, NotificationKind.ACCOUNT}

# Which kinds each role is ever sent (keep in step with the send_notification calls of the apps);
# the notification settings offer a role only these.
NOTIFICATION_KINDS_BY_ROLE = {
    Role.ALLIANCE_MANAGER: frozenset(
        {
            NotificationKind.SUBMISSION_RECEIPT,
            NotificationKind.SUBMISSION_REOPENED,
            NotificationKind.QUESTION,
            NotificationKind.FAQ_DIGEST,
            NotificationKind.DECISION,
            NotificationKind.DEADLINE,
            NotificationKind.JURY,
        }
    ),
    Role.EXPERT: frozenset(
        {
            NotificationKind.ASSIGNMENT,
            NotificationKind.REVIEW_REMINDER,
            NotificationKind.RESUBMISSION,
            NotificationKind.DEADLINE,
            NotificationKind.JURY,
        }
    ),
    Role.PROGRAMME_OFFICE: frozenset({NotificationKind.CONFLICT_DECLARED, NotificationKind.QUESTION}),
    Role.MINISTRY: frozenset({NotificationKind.QUESTION, NotificationKind.JURY}),
    Role.ADMIN: frozenset(),
}


class MessageStatus(models.TextChoices):
    HELD = "held", _("zurückgehalten bis zur Freigabe")
    QUEUED = "queued", _("in der Warteschlange")
    SENT = "sent", _("versandt")
    FAILED = "failed", _("fehlgeschlagen")


class OutgoingMessageQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user and user.is_authenticated and user.is_active and user.role == Role.PROGRAMME_OFFICE:
            return self
        return self.none()


class OutgoingMessage(models.Model):
    """One e-mail to one person, kept whether it was sent, held or failed."""

    recipient = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recipient_email = models.EmailField(_("Empfänger/in"))
    kind = models.CharField(_("Art"), max_length=16, choices=NotificationKind.choices)
    subject = models.CharField(_("Betreff"), max_length=300)
    body_text = models.TextField(_("Text"))
    body_html = models.TextField(_("HTML"))
    cause_label = models.CharField(_("Anlass"), max_length=300, blank=True)
    cause_url = models.CharField(_("Link zum Anlass"), max_length=500, blank=True)
    # A generic pointer keeps portal free of imports from the apps that cause messages.
    cause_model = models.CharField(max_length=100, blank=True)
    cause_id = models.PositiveBigIntegerField(null=True, blank=True)
    release_key = models.CharField(_("Freigabeschlüssel"), max_length=100, blank=True, db_index=True)
    status = models.CharField(_("Status"), max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    last_error = models.TextField(_("letzter Fehler"), blank=True)
    created_at = models.DateTimeField(_("angelegt am"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("versandt am"), null=True, blank=True)
    # One optional attachment made by the portal itself (a calendar invitation), never an upload.
    attachment_filename = models.CharField(_("Anhang"), max_length=100, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_content = models.TextField(blank=True)
    objects = OutgoingMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("Nachricht im Postausgang")
        verbose_name_plural = _("Postausgang")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.recipient_email}: {self.subject}"

    @property
    def shows_body(self):
        """Sign-in mails carry a personal link; the programme office never reads them in the outbox."""
        return self.kind != NotificationKind.ACCOUNT


class NotificationPreference(models.Model):
    """A notification kind a user has switched off."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="muted_notifications")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)

    class Meta:
        verbose_name = _("abbestellte Benachrichtigung")
        verbose_name_plural = _("abbestellte Benachrichtigungen")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="muted_notification_unique")]

    def __str__(self):
        return f"{self.user}: {self.kind}"


class AccountEventKind(models.TextChoices):
    SIGN_IN_FAILED = "failed", _("Anmeldung fehlgeschlagen")
    LOCKED = "locked", _("Anmeldung wegen zu vieler Fehlversuche gesperrt")
    UNLOCKED = "unlocked", _("Konto entsperrt")


class AccountEvent(models.Model):
    """The audit log of sign-in security: failures, lockouts and who unlocked an account."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_events")
    kind = models.CharField(_("Ereignis"), max_length=8, choices=AccountEventKind.choices)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    client_address = models.GenericIPAddressField(_("Adresse"), null=True, blank=True)
    at = models.DateTimeField(_("Zeitpunkt"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("Kontoereignis")
        verbose_name_plural = _("Kontoereignisse")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.user}: {self.get_kind_display()}"


class SearchEntry(models.Model):
    """One searchable text of one source object (a strategy section, a PDF page, a review field, …).

    Written only through `portal.search.index`, by the services that write the source text; who may read an entry
    is its kind's scope in `portal.search.registry`. Stages are referred to by id, not by foreign key, because the
    portal sits below every stage.
    """

    kind = models.CharField(_("Art"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("Objekt"))
    part = models.CharField(_("Teil"), max_length=64, blank=True)
    # 1-based page of a PDF; 0 for texts that are not a PDF page.
    page = models.PositiveIntegerField(_("Seite"), default=0)
    alliance_id = models.PositiveBigIntegerField(_("Bündnis"), null=True, blank=True, db_index=True)
    cycle_id = models.PositiveBigIntegerField(_("Begutachtungsrunde"), null=True, blank=True)
    body = models.TextField(_("Text"))
    # Participle stems and other extra terms indexed beside the body (see portal.search.text.variants).
    extra_terms = models.TextField(blank=True)
    document = SearchDocumentField(null=True, editable=False)
    indexed_at = models.DateTimeField(_("indexiert am"), default=timezone.now)

    class Meta:
        verbose_name = _("Sucheintrag")
        verbose_name_plural = _("Sucheinträge")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "part", "page"], name="search_entry_unique_place")
        ]
        # The GIN index on `document` (PostgreSQL) and the FTS5 table (SQLite) are created in migration 0004.

    def __str__(self):
        return f"{self.kind} {self.object_id} {self.part} {self.page or ''}".strip()


# The retention schedule, legal holds, the retention runs and erasure requests (portal/privacy/models.py).
from portal.privacy.models import (  # noqa: E402, F401
    ErasureRequest,
    ErasureStatus,
    LegalHold,
    RetentionRule,
    RetentionRun,
)
