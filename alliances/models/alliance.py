"""Alliances, their partner organisations and the managers who act for them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alliances.models.cycle import FederalState
from portal.models import Role


class AllianceScopedQuerySet(models.QuerySet):
    """Rows that belong to one alliance: staff readers see them all, an alliance manager those they manage."""

    def visible_to(self, user):
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.role in (Role.PROGRAMME_OFFICE, Role.MINISTRY):
            return self
        if user.role == Role.ALLIANCE_MANAGER:
            return self.filter(alliance__memberships__user=user)
        return self.none()


class Alliance(models.Model):
    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    acronym = models.CharField(_("Akronym"), max_length=60, blank=True)
    region = models.CharField(_("Region"), max_length=300, blank=True)
    states = models.ManyToManyField(FederalState, blank=True, related_name="alliances", verbose_name=_("Bundesländer"))
    innovation_field = models.TextField(_("Innovationsfeld"), blank=True)
    source_url = models.URLField(_("Quelle"), max_length=500, blank=True)
    # Where the decision letter goes (DIN 5008 address field) and the reference it carries.
    postal_recipient = models.CharField(
        _("Empfänger (Organisation des Bündnismanagements)"), max_length=200, blank=True
    )
    postal_street = models.CharField(_("Straße und Hausnummer"), max_length=200, blank=True)
    postal_code = models.CharField(_("Postleitzahl"), max_length=10, blank=True)
    postal_city = models.CharField(_("Ort"), max_length=100, blank=True)
    file_reference = models.CharField(
        _("Förderkennzeichen"),
        max_length=60,
        blank=True,
        help_text=_("Erscheint als Aktenzeichen im Entscheidungsschreiben, z. B. 03WIR1234A."),
    )
    history = HistoricalRecords(m2m_fields=[states])

    class Meta:
        verbose_name = _("Bündnis")
        verbose_name_plural = _("Bündnisse")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def postal_address_lines(self):
        """The address field of a letter: the alliance, its organisation, street, postcode and town."""
        town = " ".join(part for part in (self.postal_code, self.postal_city) if part)
        lines = [self.name, self.postal_recipient, self.postal_street, town]
        return [line for line in lines if line]


class AlliancePartner(models.Model):
    """A member organisation of an alliance; experts tied to it have a likely conflict of interest."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="partners", verbose_name=_("Bündnis"))
    name = models.CharField(_("Organisation"), max_length=200)
    email_domain = models.CharField(_("E-Mail-Domain"), max_length=100, blank=True, help_text=_("z. B. hszg.de"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Bündnispartner")
        verbose_name_plural = _("Bündnispartner")
        ordering = ["alliance", "name"]
        constraints = [models.UniqueConstraint(fields=["alliance", "name"], name="partner_unique_per_alliance")]

    def __str__(self):
        return self.name


class AllianceMembership(models.Model):
    """Makes a user an alliance manager of one alliance."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Person")
    )
    alliance = models.ForeignKey(
        Alliance, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Bündnis")
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("Mitgliedschaft im Bündnismanagement")
        verbose_name_plural = _("Mitgliedschaften im Bündnismanagement")
        constraints = [models.UniqueConstraint(fields=["user", "alliance"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} – {self.alliance}"
