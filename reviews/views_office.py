from django.http import Http404


def assignments(request, cycle_slug):
    raise Http404
