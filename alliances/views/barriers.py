"""Reporting a barrier in the portal (BITV 2.0 feedback): signed-in users file it with the programme office as a
question on "Barrierefreiheit" and read the answers here; visitors not signed in get the contact address."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http.request import split_domain_port
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliances import services
from alliances.forms import BarrierReportForm
from alliances.selectors import barrier_reports_of
from alliances.services.questions import BARRIER_PAGE_MAX_LENGTH
from portal.rules import require_permission


def _page_came_from(request):
    """The path of the portal page whose footer link led here (from the Referer), to fill in where the barrier is."""
    referer = urlsplit(request.headers.get("Referer", ""))
    own_host, _port = split_domain_port(request.get_host())
    if referer.hostname != own_host or referer.path == request.path:
        return ""
    return referer.path[:BARRIER_PAGE_MAX_LENGTH]


@login_not_required
@require_http_methods(["GET", "POST"])
def barrier_report(request):
    """The form (with the portal page the visitor came from), and the user's earlier reports with answers."""
    context = {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL}
    if not request.user.is_authenticated:
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
        return render(request, "alliances/barrier_report.html", context)
    require_permission(request.user, "alliances.report_barrier")
    posted = request.method == "POST"
    form = BarrierReportForm(request.POST if posted else None, initial={"page": _page_came_from(request)})
    if posted and form.is_valid():
        try:
            services.report_barrier(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Vielen Dank. Ihre Meldung ist beim Projektträger eingegangen; die Antwort erscheint hier.")
            )
            return redirect("alliances:barrier_report")
    context.update(form=form, reports=barrier_reports_of(request.user))
    return render(request, "alliances/barrier_report.html", context, status=422 if posted else 200)
