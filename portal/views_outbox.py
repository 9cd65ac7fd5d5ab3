from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import services
from portal.forms_notifications import NotificationPreferencesForm, OutboxFilterForm
from portal.models import NotificationPreference, OutgoingMessage
from portal.rules import require_permission


@login_required
@require_GET
def outbox(request):
    """What the portal sent to whom, for the programme office."""
    require_permission(request.user, "portal.read_outbox")
    form = OutboxFilterForm(request.GET or None)
    queryset = OutgoingMessage.objects.visible_to(request.user).defer("body_text", "body_html")
    if form.is_valid():
        if form.cleaned_data["status"]:
            queryset = queryset.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            queryset = queryset.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["recipient"]:
            queryset = queryset.filter(recipient_email__icontains=form.cleaned_data["recipient"])
    page = Paginator(queryset, 50).get_page(request.GET.get("seite"))
    return render(request, "portal/outbox.html", {"form": form, "page": page})


@login_required
@require_GET
def outbox_message(request, pk):
    require_permission(request.user, "portal.read_outbox")
    message = get_object_or_404(OutgoingMessage.objects.visible_to(request.user), pk=pk)
    return render(request, "portal/outbox_message.html", {"message": message})


@login_required
@require_POST
def outbox_retry(request, pk):
    require_permission(request.user, "portal.read_outbox")
    message = get_object_or_404(OutgoingMessage.objects.visible_to(request.user), pk=pk)
    if services.retry_message(message=message):
        messages.success(request, _("Die Nachricht wird erneut versandt."))
    else:
        messages.error(request, _("Nur fehlgeschlagene Nachrichten können erneut versandt werden."))
    return redirect("outbox_message", message.pk)


@login_required
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
