"""The portal's forms (sign-in, notification settings, outbox filter) and the one helper that shows a refused
action on its form (`add_refusal`), which every stage uses."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from portal.models import MessageStatus, NotificationKind
from portal.services import optional_notification_kinds


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-Mail-Adresse"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _("E-Mail-Adresse oder Passwort ist falsch. Bitte versuchen Sie es erneut."),
        "inactive": _("Dieses Konto ist deaktiviert."),
    }

    def clean_username(self):
        return self.cleaned_data["username"].lower()


class PortalPasswordResetForm(PasswordResetForm):
    email = forms.EmailField(
        label=_("E-Mail-Adresse"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class NotificationPreferencesForm(forms.Form):
    """The optional kinds the user's role is sent; required ones are never offered."""

    wanted = forms.MultipleChoiceField(
        label=_("Diese Benachrichtigungen möchte ich per E-Mail erhalten"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wanted"].choices = [
            (kind.value, kind.label) for kind in optional_notification_kinds(role=user.role)
        ]


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("alle"))] + list(MessageStatus.choices)
    )
    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle"))] + list(NotificationKind.choices))
    recipient = forms.CharField(label=_("Empfänger/in enthält"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"


class ErasureRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Anmerkung (freiwillig)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sie müssen Ihren Antrag nicht begründen. Die Anmerkung wird mit der Löschung entfernt."),
    )


class ErasureRejectionForm(forms.Form):
    note = forms.CharField(
        label=_("Begründung der Ablehnung"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Die Person erhält diese Begründung per E-Mail."),
        error_messages={"required": _("Bitte begründen Sie die Ablehnung.")},
    )


def add_refusal(form, refusal, *, field=None):
    """Shows a refused action on the form it came from: each German reason as an error of `field` (or the form)."""
    for reason in refusal.reasons:
        form.add_error(field, reason)
    return form
