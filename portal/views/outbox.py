from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import services
from portal.forms import OutboxFilterForm
from portal.models import OutgoingMessage
from portal.rules import require_permission


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


@require_GET
def outbox_message(request, pk):
    require_permission(request.user, "portal.read_outbox")
    message = get_object_or_404(OutgoingMessage.objects.visible_to(request.user), pk=pk)
    return render(request, "portal/outbox_message.html", {"message": message})


@require_POST
def outbox_retry(request, pk):
    require_permission(request.user, "portal.read_outbox")
    message = get_object_or_404(OutgoingMessage.objects.visible_to(request.user), pk=pk)
    if services.retry_message(message=message):
        messages.success(request, _("Die Nachricht wird erneut versandt."))
    else:
        messages.error(request, _("Nur fehlgeschlagene Nachrichten können erneut versandt werden."))
    return redirect("outbox_message", message.pk)
