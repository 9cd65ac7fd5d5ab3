"""HTTP helpers the views of every stage share."""

from django.http import Http404
from django.shortcuts import redirect

from alliances.models import current_cycle


def redirect_to_current_cycle(viewname):
    """Redirects to `viewname` for the cycle users work in now; 404 while there is none."""
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    return redirect(viewname, cycle.slug)
