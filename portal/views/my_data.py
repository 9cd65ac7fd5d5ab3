""" "Meine Daten" (Art. 15 DSGVO): what the portal stores about the signed-in person, as an overview, as JSON and
(through the dossier workers, in the page's slot) as a PDF."""

import json
import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from portal.privacy import erasure, export

access_log = logging.getLogger("portal.access")


@require_GET
def my_data(request):
    """Each category of the person's data with its purpose, retention and how many records there are; every
    signed-in user sees their own and nobody else's."""
    categories = export.categories_of(user=request.user, counts_only=True)
    context = {
        "categories": [category for category in categories if not category.is_history],
        "history": [category for category in categories if category.is_history],
        "erasure_request": erasure.latest_erasure_request(user=request.user),
    }
    return render(request, "portal/my_data.html", context)


@require_GET
def my_data_json(request):
    """The person's data as a JSON file, read now."""
    data = export.personal_data_of(user=request.user)
    access_log.info("personal data export (JSON) by user %s", request.user.pk)
    response = HttpResponse(
        json.dumps(data, cls=export.ExportEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="meine-daten_{day:%Y-%m-%d}.json"'
    return response
