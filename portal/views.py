from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alliances.models import current_cycle
from portal.models import Role


@login_required
@require_GET
def home(request):
    """Sends each role to its own start page."""
    role = request.user.role
    cycle = current_cycle()
    if role == Role.ALLIANCE_MANAGER:
        return redirect("alliances:my_strategies")
    if role == Role.PROGRAMME_OFFICE and cycle:
        return redirect("alliances:overview", cycle.slug)
    if role == Role.MINISTRY and cycle:
        return redirect("decisions:dashboard", cycle.slug)
    if role == Role.EXPERT:
        return redirect("reviews:my_assignments")
    if role == Role.ADMIN:
        return redirect("admin:index")
    return render(request, "portal/home.html", {"cycle": cycle})


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
    return JsonResponse({"status": "ok", "database": "ok", "login": reverse("login")})
