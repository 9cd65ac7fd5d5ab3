"""The search page: one box, results grouped by alliance, live with htmx, a help panel and a CSV of the hits.

Every signed-in user may search; what they find is limited by the scope each stage registered for its kinds of
text (portal.search.registry), inside the engine's one query. A query the language refuses answers with the page
and the German message (never a 500): HTTP 200 for the page, 422 for the htmx partial (the portal's htmx
configuration swaps 422 answers in, as it does for refused forms).
"""

import html
from dataclasses import dataclass

from defusedcsv import csv
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal.rules import require_permission
from portal.search import registry
from portal.search.engine import QueryError, search

HITS_PER_PAGE = 20
# The highest page number a link may ask for: far beyond any real result list, within a database OFFSET.
MAX_PAGE = 10_000
# Hits in one CSV export at most; the file says so in its last line when there were more.
CSV_MAX_HITS = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
RESULTS_TARGET = "search-results"
# Filter values listed per filter in the help panel; the rest is named by count.
HELP_VALUES = 12
NO_ALLIANCE = gettext_lazy("Ohne Bündnis (z. B. FAQ)")


@dataclass
class _Window:
    """The hits of one page standing in for the whole result list, so that Paginator (and the shared pagination
    partial) work from the engine's total without fetching the other pages."""

    total: int
    hits: list

    def count(self):
        return self.total

    def __len__(self):
        return self.total

    def __getitem__(self, key):
        return self.hits


def _page_number(value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def _search_page(user, text, number):
    """Results of page `number`; a page beyond the last one shows the last page."""
    results = search(user=user, text=text, limit=HITS_PER_PAGE, offset=(number - 1) * HITS_PER_PAGE)
    if results.total and (number - 1) * HITS_PER_PAGE >= results.total:
        number = (results.total - 1) // HITS_PER_PAGE + 1
        results = search(user=user, text=text, limit=HITS_PER_PAGE, offset=(number - 1) * HITS_PER_PAGE)
    page = Paginator(_Window(results.total, results.hits), HITS_PER_PAGE).page(number)
    return results, page


def help_filters():
    """The registered filters for the help panel: key, aliases, help lines, some values and how many more."""
    rows = []
    for key, providers in registry.canonical_filters():
        aliases, lines, values = [], [], []
        for provider in providers:
            aliases += [alias for alias in provider.aliases if alias not in aliases and alias != key]
            if provider.help and provider.help not in lines:
                lines.append(provider.help)
            values += [item for item in provider.values() if item not in values]
        rows.append(
            {
                "key": key,
                "aliases": aliases,
                "lines": lines,
                "values": values[:HELP_VALUES],
                "more_values": max(len(values) - HELP_VALUES, 0),
                "comparison": any(provider.comparison for provider in providers),
            }
        )
    return rows


@require_GET
def search_page(request):
    """The search page; with htmx (target #search-results) only the results and the status line."""
    require_permission(request.user, "portal.search")
    text = request.GET.get("q", "").strip()
    partial = bool(request.htmx and request.htmx.target == RESULTS_TARGET)
    context = {"query": text, "results": None, "page": None, "error": None, "partial": partial}
    status = 200
    if text:
        try:
            context["results"], context["page"] = _search_page(
                request.user, text, _page_number(request.GET.get("seite"))
            )
        except QueryError as error:
            context["error"] = error.message
            status = 422 if partial else 200
    if partial:
        response = render(request, "portal/partials/search_results.html", context, status=status)
    else:
        context["filters"] = help_filters()
        response = render(request, "portal/search/search.html", context, status=status)
    # The same address answers with the page or the partial: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- CSV --------------------------------------------------------------------------------------------------------


class _Echo:
    """A file that hands back what is written, so that the CSV writer formats one line at a time."""

    def write(self, text):
        return text


def plain_snippet(snippet):
    """The snippet as plain text: no <mark>, entities back to characters (defusedcsv guards the cell)."""
    return " ".join(html.unescape(strip_tags(str(snippet))).split())


def csv_rows(request, results):
    labels = {group.alliance_id: group.label for group in results.groups}
    for hit in results.hits:
        yield [
            labels.get(hit.alliance_id) or (str(NO_ALLIANCE) if hit.alliance_id is None else ""),
            str(hit.kind_label),
            str(hit.part_label or hit.part),
            hit.page or "",
            formats.number_format(round(hit.rank, 4), 4),
            plain_snippet(hit.snippet),
            request.build_absolute_uri(hit.url) if hit.url else "",
        ]


def csv_pieces(request, results, language):
    with translation.override(language):
        writer = csv.writer(_Echo(), delimiter=";")
        yield "\ufeff" + writer.writerow(
            [_("Bündnis"), _("Art"), _("Abschnitt/Teil"), _("Seite"), _("Rang"), _("Ausschnitt"), _("Link")]
        )
        yield "".join(writer.writerow(row) for row in csv_rows(request, results))
        if results.total > len(results.hits):
            yield writer.writerow(
                [
                    _("Die Datei enthält die ersten %(shown)s von %(total)s Treffern.")
                    % {"shown": len(results.hits), "total": results.total}
                ]
            )


@require_GET
def export_csv(request):
    """The hits of a query as CSV (at most CSV_MAX_HITS), with the page's permission and scope. An empty or refused
    query leads back to the page, which names the problem."""
    require_permission(request.user, "portal.search")
    text = request.GET.get("q", "").strip()
    back = reverse("portal:search") + (f"?{urlencode({'q': text})}" if text else "")
    if not text:
        return redirect(back)
    try:
        results = search(user=request.user, text=text, limit=CSV_MAX_HITS, offset=0)
    except QueryError:
        return redirect(back)
    response = HttpResponse(
        "".join(csv_pieces(request, results, translation.get_language())), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="suche_{timezone.localdate():%Y-%m-%d}.csv"'
    return response


def hit_places(places):
    """The view a stage serves a hit's link with: `places` maps each of its kinds to a function (request, object id)
    that checks the permission as the target page does and redirects there; an unknown kind answers 404."""

    @require_GET
    def search_hit(request, kind, object_id):
        place = places.get(kind)
        if place is None:
            raise Http404
        return place(request, object_id)

    return search_hit
