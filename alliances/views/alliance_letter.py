"""The programme office keeps an alliance's postal address and file reference, which its decision letter prints."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from alliances.forms.alliance import AllianceLetterDataForm
from alliances.models import Alliance
from alliances.services.alliance_letter import update_letter_data
from portal.rules import require_permission


@require_http_methods(["GET", "POST"])
def alliance_letter_data(request, alliance_slug):
    require_permission(request.user, "alliances.edit_letter_data")
    alliance = get_object_or_404(Alliance, slug=alliance_slug)
    form = AllianceLetterDataForm(request.POST or None, instance=alliance)
    if request.method == "POST":
        if form.is_valid():
            changed = update_letter_data(alliance=alliance, user=request.user, **form.cleaned_data)
            if changed:
                messages.success(request, _("Anschrift und Förderkennzeichen wurden gespeichert."))
            else:
                messages.info(request, _("Es gab keine Änderungen."))
            return redirect("alliances:alliance_letter_data", alliance.slug)
        return render(request, "alliances/alliance_letter_data.html", {"alliance": alliance, "form": form}, status=422)
    return render(request, "alliances/alliance_letter_data.html", {"alliance": alliance, "form": form})
