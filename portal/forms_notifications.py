from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import MessageStatus, NotificationKind
from portal.services import optional_notification_kinds


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
