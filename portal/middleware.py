"""Middleware of the portal's own."""

from django.utils.cache import patch_cache_control


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
