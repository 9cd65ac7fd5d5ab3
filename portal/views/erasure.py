"""Erasure of an account on request (Art. 17 DSGVO): the person's request page, the admins' queue and decision."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods

from portal.forms import ErasureRejectionForm, ErasureRequestForm, add_refusal
from portal.models import ErasureRequest
from portal.privacy import erasure as services
from portal.rules import require_permission

QUEUE_PAGE_SIZE = 50
FILED = _lazy("Ihr Antrag auf Löschung ist eingegangen. Die Administration entscheidet und benachrichtigt Sie.")


@require_http_methods(["GET", "POST"])
def erasure_request(request):
    """What an erasure of one's own account would erase and keep; files the request, or withdraws the open one."""
    require_permission(request.user, "portal.request_erasure")
    pending = services.open_request_of(request.user)
    form = ErasureRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "withdraw":
                if pending is not None:
                    services.withdraw_erasure_request(request=pending, user=request.user)
                messages.success(request, _("Ihr Antrag auf Löschung ist zurückgezogen. Ihr Konto bleibt bestehen."))
                return redirect("erasure_request")
            if form.is_valid():
                services.request_erasure(user=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, FILED)
                return redirect("erasure_request")
        except services.ErasureRefused as refused:
            add_refusal(form, refused)
    return render(
        request,
        "portal/erasure/request.html",
        {
            "pending": pending,
            "form": form,
            "summary": None if pending else services.erasure_summary(user=request.user),
        },
    )


@require_GET
def erasure_queue(request):
    """The admins' queue: open requests first, then the decided ones."""
    require_permission(request.user, "portal.decide_erasure")
    page = Paginator(services.erasure_queue(), QUEUE_PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(request, "portal/erasure/queue.html", {"page": page})


@require_http_methods(["GET", "POST"])
def erasure_decide(request, pk):
    """The confirmation page of one request: who, what is erased and kept; approve, or reject with a reason."""
    require_permission(request.user, "portal.decide_erasure")
    subject = get_object_or_404(ErasureRequest.objects.select_related("user", "decided_by"), pk=pk)
    rejection = ErasureRejectionForm(request.POST if request.POST.get("action") == "reject" else None)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "approve":
                services.approve_erasure(request=subject, user=request.user)
                messages.success(
                    request,
                    _("Das Konto ist gelöscht. Die Person wird über das Ergebnis benachrichtigt."),
                )
                return redirect("erasure_queue")
            if rejection.is_valid():
                services.reject_erasure(request=subject, user=request.user, note=rejection.cleaned_data["note"])
                messages.success(request, _("Der Antrag ist abgelehnt. Die Person erhält die Begründung per E-Mail."))
                return redirect("erasure_queue")
        except services.ErasureRefused as refused:
            messages.error(request, refused.message)
            return redirect("erasure_decide", subject.pk)
    own = subject.user_id == request.user.pk
    summary = subject.result if not subject.is_open else services.erasure_summary(user=subject.user)
    return render(
        request,
        "portal/erasure/decide.html",
        {"subject": subject, "own": own, "summary": summary, "rejection": rejection},
    )
