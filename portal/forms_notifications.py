from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import MessageStatus, NotificationKind
from portal.services import optional_notification_kinds


class NotificationPreferencesForm(forms.Form):
    """Every optional kind; the template shows a user only those their role is sent (`notification_offer` from
    the context processor), and set_notification_preferences stores only those."""

    wanted = forms.MultipleChoiceField(
        label=_("Diese Benachrichtigungen möchte ich per E-Mail erhalten"),
        required=False, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=[(kind.value, kind.label) for kind in optional_notification_kinds()],
    )


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("alle"))] + list(MessageStatus.choices))
    kind = forms.ChoiceField(label=_("Art"), required=False, choices=[("", _("alle"))] + list(NotificationKind.choices))
    recipient = forms.CharField(label=_("Empfänger/in enthält"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
