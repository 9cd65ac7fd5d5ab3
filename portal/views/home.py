from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.navigation import start_page


@require_GET
def home(request):
    """Sends each user to the start page a stage registered for them; without one (no cycle yet), a notice."""
    url = start_page(request)
    if url:
        return redirect(url)
    return render(request, "portal/home.html")


@login_not_required
@never_cache
@require_GET
def health(request):
    """Liveness and database check for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "login": reverse("account_login")})
