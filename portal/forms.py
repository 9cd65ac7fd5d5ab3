from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _


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


def add_refusal(form, refusal, *, field=None):
    """Shows a refused action on the form it came from: each German reason as an error of `field` (or the form)."""
    for reason in refusal.reasons:
        form.add_error(field, reason)
    return form
