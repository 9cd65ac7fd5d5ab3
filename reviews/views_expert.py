from django.http import Http404


def my_assignments(request):
    raise Http404


def assignment_detail(request, pk):
    raise Http404
