"""Middleware of the portal's own."""

import logging

from django.conf import settings
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class PrivateResponsesMiddleware:
    """Marks every response to a signed-in user `Cache-Control: private, no-store`.

    Pages, document and dossier downloads and exports show one person's view of confidential evaluation data;
    neither a shared browser's cache nor a proxy may keep them. Static files are served before this middleware
    (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class RequestSizeMiddleware:
    """Refuses a request body over its limit from the Content-Length alone, before anything reads it.

    It stands before every view and so before the CSRF check, which would parse the body of a POST. A signed-in
    user may send one upload (`UPLOAD_MAX_BYTES`) plus the form around it; an anonymous visitor only
    `ANONYMOUS_BODY_MAX_BYTES`, enough for the sign-in and reset forms. Without a Content-Length the WSGI server
    hands Django an empty body, so the header bounds what can be read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.user.is_authenticated:
            limit = settings.UPLOAD_MAX_BYTES + settings.UPLOAD_FORM_OVERHEAD_BYTES
        else:
            limit = settings.ANONYMOUS_BODY_MAX_BYTES
        if length > limit:
            return _body_too_large(request, limit)
        return self.get_response(request)


def _body_too_large(request, limit):
    message = _("Die gesendeten Daten sind zu groß; erlaubt sind höchstens %(limit)s.") % {
        "limit": filesizeformat(limit)
    }
    logger.warning("Refused a request body of %s bytes to %s", request.META.get("CONTENT_LENGTH"), request.path)
    if request.headers.get("HX-Request") == "true":
        # htmx swaps a 413 (see htmx-config) into the page's live region, so the uploader reads why.
        response = render(request, "partials/refusal.html", {"message": message}, status=413)
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "413.html", {"message": message}, status=413)
