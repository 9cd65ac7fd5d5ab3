from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal import services
from portal.forms import NotificationPreferencesForm
from portal.models import NotificationPreference


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Each user chooses which optional notifications they receive."""
    muted = set(NotificationPreference.objects.filter(user=request.user).values_list("kind", flat=True))
    offer = services.notification_offer(request.user.role)
    initial = {"wanted": [kind.value for kind in offer["optional"] if kind.value not in muted]}
    form = NotificationPreferencesForm(
        request.POST if request.method == "POST" else None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        services.set_notification_preferences(user=request.user, wanted_kinds=form.cleaned_data["wanted"])
        messages.success(request, _("Ihre Einstellungen wurden gespeichert."))
        return redirect("notification_preferences")
    return render(request, "portal/notification_preferences.html", {"form": form, "offer": offer})
