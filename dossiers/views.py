import logging

import rules
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances.models import EvaluationCycle, Strategy
from decisions import exports
from dossiers import services
from dossiers.models import (
    EXPORT_KINDS,
    PRIVACY_KINDS,
    SESSION_KINDS,
    STRATEGY_KINDS,
    Dossier,
    DossierKind,
    DossierStatus,
)
from dossiers.rules import DossierSubject
from portal.rules import require_permission
from reviews.models import JurySession

access_log = logging.getLogger("portal.access")


def _subject_or_404(request, kind, cycle_slug, alliance_slug):
    """The cycle and strategy a dossier of `kind` would be about: 404 for a malformed address, 403 when the role
    may never read this kind, 404 when it may but not for this subject (see dossiers/rules.py)."""
    if (
        kind not in DossierKind.values
        or kind in PRIVACY_KINDS
        or kind in SESSION_KINDS
        or (kind in STRATEGY_KINDS) != (alliance_slug is not None)
    ):
        raise Http404
    require_permission(request.user, "dossiers.read_kind", kind)
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    strategy = None
    if kind in STRATEGY_KINDS:
        strategy = get_object_or_404(
            Strategy.objects.select_related("alliance", "cycle"), cycle=cycle, alliance__slug=alliance_slug
        )
    if not rules.has_perm("dossiers.read_dossier", request.user, DossierSubject(kind, strategy)):
        raise Http404
    return cycle, strategy


def _dossier_or_404(request, public_id):
    """The dossier, with the same two answers: 403 for a kind the role never reads, 404 beyond the user's scope."""
    dossier = get_object_or_404(
        Dossier.objects.select_related("strategy__alliance", "cycle", "person"), public_id=public_id
    )
    require_permission(request.user, "dossiers.read_kind", dossier.kind)
    if not rules.has_perm("dossiers.read_dossier", request.user, dossier):
        raise Http404
    return dossier


def _export_options(kind, data):
    """For a dashboard export: the page's filters (from the form) and the language of the page it was asked on."""
    if kind not in EXPORT_KINDS:
        return {}
    return {
        "export_filters": exports.filters_as_dict(exports.filters_from(data)),
        "language": translation.get_language(),
    }


@require_POST
def request_dossier(request, kind, cycle_slug, alliance_slug=None):
    """Asks for a dossier (a dashboard export with the filters of the form); answers with its status panel, which
    polls until the dossier is done."""
    cycle, strategy = _subject_or_404(request, kind, cycle_slug, alliance_slug)
    try:
        dossier = services.request_dossier(
            kind=kind, cycle=cycle, strategy=strategy, user=request.user, **_export_options(kind, request.POST)
        )
    except services.DossierUnavailable as unavailable:
        messages.error(request, unavailable.message)
        return redirect(_safe_next(request))
    return _queued_response(request, dossier)


@require_GET
def export(request, kind, cycle_slug):
    """A dashboard export too large to stream: how many rows it has, with the button that has a worker prepare
    it (and the export already prepared for these filters, if there is one). The dashboard's export links lead
    here; see decisions/views/exports.py."""
    if kind not in EXPORT_KINDS:
        raise Http404
    cycle, _strategy = _subject_or_404(request, kind, cycle_slug, None)
    filters = exports.filters_from(request.GET)
    options = _export_options(kind, request.GET)
    fingerprint = services.fingerprint_of(services.dossier_inputs(kind=kind, cycle=cycle, **options))
    prepared = Dossier.objects.filter(kind=kind, cycle=cycle, fingerprint=fingerprint).order_by("-generation").first()
    return render(
        request,
        "dossiers/export.html",
        {
            "cycle": cycle,
            "kind": kind,
            "label": DossierKind(kind).label,
            "filters": exports.filters_as_dict(filters),
            "row_count": exports.row_count(cycle=cycle, filters=filters),
            "prepared": prepared,
            "dashboard_query": request.GET.urlencode(),
        },
    )


@require_GET
def panel(request, kind, cycle_slug, alliance_slug=None):
    """The status of the subject's latest dossier with the request button; pages load it with htmx, so that
    showing it costs them no queries."""
    cycle, strategy = _subject_or_404(request, kind, cycle_slug, alliance_slug)
    next_url = _safe_next(request, request.GET.get("next", ""), fallback=request.get_full_path())
    return render(
        request,
        "dossiers/partials/panel.html",
        panel_context(request, kind=kind, cycle=cycle, strategy=strategy, next_url=next_url),
    )


def panel_context(request, *, kind, cycle, strategy=None, next_url=None):
    latest = Dossier.objects.filter(kind=kind, cycle=cycle, strategy=strategy).order_by("-created_at").first()
    args = [kind, cycle.slug] + ([strategy.alliance.slug] if strategy else [])
    return {
        "request": request,
        "latest": latest,
        "label": DossierKind(kind).label,
        "next": next_url or request.get_full_path(),
        "request_url": reverse("dossiers:request" if strategy else "dossiers:request_cycle", args=args),
    }


def _safe_next(request, target=None, fallback="home"):
    target = request.POST.get("next", "") if target is None else target
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _queued_response(request, dossier):
    """The status panel (htmx) or the detail page; says so when the background service could not be reached."""
    notice = ""
    if getattr(dossier, "enqueue_failed", False):
        notice = _(
            "Das Dossier ist angefordert. Der Hintergrunddienst ist gerade nicht erreichbar; die "
            "Erstellung beginnt automatisch, sobald er wieder verfügbar ist."
        )
    if request.htmx:
        return render(request, "dossiers/partials/status.html", {"dossier": dossier, "notice": notice})
    if notice:
        messages.warning(request, notice)
    return redirect("dossiers:detail", dossier.public_id)


@require_GET
def detail(request, public_id):
    dossier = _dossier_or_404(request, public_id)
    template = "dossiers/partials/status.html" if request.htmx else "dossiers/detail.html"
    return render(request, template, {"dossier": dossier})


@require_POST
def retry(request, public_id):
    """Renders a failed or interrupted dossier afresh (for unchanged inputs in the same row); others stay as they
    are."""
    dossier = _dossier_or_404(request, public_id)
    if not (dossier.status == DossierStatus.FAILED or dossier.is_interrupted):
        return redirect("dossiers:detail", dossier.public_id)
    try:
        fresh = services.request_dossier(
            kind=dossier.kind,
            cycle=dossier.cycle,
            strategy=dossier.strategy,
            person=dossier.person,
            jury_session=dossier.jury_session,
            user=request.user,
            **({"export_filters": dossier.export_filters, "language": dossier.language} if dossier.is_export else {}),
        )
    except services.DossierUnavailable as unavailable:
        messages.error(request, unavailable.message)
        return redirect("dossiers:detail", dossier.public_id)
    return _queued_response(request, fresh)


@require_GET
def download(request, public_id):
    dossier = _dossier_or_404(request, public_id)
    if dossier.status != DossierStatus.READY or not dossier.file:
        raise Http404
    services.record_download(dossier=dossier, user=request.user)
    access_log.info("dossier %s downloaded by user %s", dossier.public_id, request.user.pk)
    return FileResponse(
        dossier.file.open("rb"), as_attachment=True, filename=dossier.filename, content_type=dossier.content_type
    )


# --- The minutes of a jury session ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def session_minutes(request, cycle_slug, session_id):
    """A jury session's minutes (Sitzungsprotokoll), for the programme office and the ministry: GET shows the latest
    one's status with the request button (pages load it with htmx), POST has a worker render them."""
    kind = DossierKind.SESSION_MINUTES
    require_permission(request.user, "dossiers.read_kind", kind)
    session = get_object_or_404(
        JurySession.objects.visible_to(request.user).select_related("cycle"), cycle__slug=cycle_slug, pk=session_id
    )
    if request.method == "POST":
        dossier = services.request_dossier(kind=kind, cycle=session.cycle, jury_session=session, user=request.user)
        access_log.info("minutes of jury session %s requested by user %s", session.pk, request.user.pk)
        return _queued_response(request, dossier)
    latest = Dossier.objects.filter(kind=kind, jury_session=session).order_by("-created_at").first()
    next_url = _safe_next(request, request.GET.get("next", ""), fallback=request.get_full_path())
    return render(
        request,
        "dossiers/partials/panel.html",
        {
            "request": request,
            "latest": latest,
            "label": DossierKind(kind).label,
            "next": next_url,
            "request_url": reverse("dossiers:session_minutes", args=[session.cycle.slug, session.pk]),
        },
    )


# --- Data protection: a person's own data, and the record of processing activities ----------------------------


def _privacy_person(request, kind):
    """The person a data protection dossier is about (None for the record); 403 for a role that never reads the
    kind (the record for anyone but an admin)."""
    require_permission(request.user, "dossiers.read_kind", kind)
    return request.user if kind == DossierKind.PERSONAL_DATA else None


def privacy_panel_context(request, kind, *, next_url):
    """The panel of a data protection dossier: the latest one of the person (or the latest record) and the
    request button."""
    person = _privacy_person(request, kind)
    latest = Dossier.objects.filter(kind=kind, person=person).order_by("-created_at").first()
    name = "dossiers:request_personal_data" if kind == DossierKind.PERSONAL_DATA else "dossiers:request_privacy_record"
    return {
        "request": request,
        "latest": latest,
        "label": DossierKind(kind).label,
        "next": next_url,
        "request_url": reverse(name),
    }


def _request_privacy_dossier(request, kind):
    person = _privacy_person(request, kind)
    dossier = services.request_dossier(kind=kind, person=person, user=request.user)
    access_log.info("%s requested by user %s", kind, request.user.pk)
    return _queued_response(request, dossier)


@require_POST
def request_personal_data(request):
    """Has a worker print what the portal stores about the signed-in person; the same data gives the same PDF."""
    return _request_privacy_dossier(request, DossierKind.PERSONAL_DATA)


@require_GET
def privacy_record(request):
    """The record of processing activities (Art. 30 DSGVO) for the admins, who hand it to the data protection
    officer: what it holds, and its PDF."""
    context = privacy_panel_context(request, DossierKind.PRIVACY_RECORD, next_url=reverse("dossiers:privacy_record"))
    return render(request, "dossiers/privacy_record.html", context)


@require_POST
def request_privacy_record(request):
    return _request_privacy_dossier(request, DossierKind.PRIVACY_RECORD)
