import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Max, Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliances import services
from alliances.filters import OverviewFilter
from alliances.forms import (
    DeadlineExtensionForm,
    DocumentUploadForm,
    ReopenForm,
    StrategyForm,
    budget_field_name,
)
from alliances.models import (
    SECTION_FIELDS,
    STRATEGY_SECTIONS,
    DocumentDownload,
    EvaluationCycle,
    FederalState,
    Strategy,
    StrategyDocument,
    budget_table,
    current_cycle,
)
from portal.rules import require_permission

access_log = logging.getLogger("portal.access")


def _strategy_or_404(request, cycle_slug, alliance_slug):
    """Role check first (403), then the user's scope (404)."""
    require_permission(request.user, "alliances.use_strategy_pages")
    queryset = (
        Strategy.objects.visible_to(request.user)
        .select_related("cycle", "alliance", "updated_by")
        .prefetch_related("budget_lines")
    )
    return get_object_or_404(queryset, cycle__slug=cycle_slug, alliance__slug=alliance_slug)


def _strategy_url(strategy, name="alliances:strategy"):
    return reverse(name, args=[strategy.cycle.slug, strategy.alliance.slug])


def _initial_form_data(strategy):
    initial = {"version": strategy.version}
    initial.update({name: value for name, _label, value in strategy.sections()})
    for line in strategy.budget_lines.all():
        initial[budget_field_name(line.year, line.category)] = line.amount
    return initial


def _workspace_context(request, strategy, form=None, upload_form=None):
    documents = list(strategy.active_documents())
    now = timezone.now()
    return {
        "strategy": strategy,
        "cycle": strategy.cycle,
        "form": form or StrategyForm(initial=_initial_form_data(strategy), strategy=strategy),
        "upload_form": upload_form or DocumentUploadForm(),
        "documents": documents,
        "checklist": strategy.checklist(documents),
        "submissions": list(strategy.submissions.select_related("submitted_by", "reopening")),
        "can_edit": rules.has_perm("alliances.edit_strategy", request.user, strategy) and strategy.accepts_work_at(now),
        "can_reopen": rules.has_perm("alliances.reopen_submission", request.user, strategy),
        "can_extend": rules.has_perm("alliances.extend_deadline", request.user, strategy),
        "deadline_passed": now > strategy.deadline,
        "budget": budget_table(strategy.cycle.years, strategy.budget_lines.all()),
        "upload_limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
    }


@login_required
@require_GET
def my_strategies(request):
    """The alliance manager's start page: their alliances' strategies in the current cycle."""
    require_permission(request.user, "alliances.use_strategy_pages")
    cycle = current_cycle()
    strategies = (
        list(Strategy.objects.visible_to(request.user).filter(cycle=cycle).select_related("cycle", "alliance"))
        if cycle
        else []
    )
    if len(strategies) == 1 and request.user.role == "alliance_manager":
        return redirect(_strategy_url(strategies[0]))
    return render(request, "alliances/my_strategies.html", {"strategies": strategies, "cycle": cycle})


@login_required
@require_GET
def strategy_detail(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    return render(request, "alliances/strategy_detail.html", _workspace_context(request, strategy))


@login_required
@require_POST
def strategy_save(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.edit_strategy", strategy)
    form = StrategyForm(request.POST, strategy=strategy)
    if form.is_valid():
        try:
            services.save_strategy_draft(
                strategy=strategy,
                user=request.user,
                sections=form.section_values(),
                budget=form.budget_values(),
                expected_version=form.cleaned_data["version"],
            )
        except services.StrategyConflict as conflict:
            # The typed text stays; a deliberate second save may then overwrite the newer version.
            data = request.POST.copy()
            data["version"] = conflict.current.version
            form = StrategyForm(data, strategy=strategy)
            form.is_valid()
            form.add_error(
                None,
                _(
                    "Diese Strategie wurde inzwischen von %(who)s geändert. Ihre Eingaben wurden nicht gespeichert, "
                    "sind aber unten erhalten. Bitte vergleichen Sie mit der aktuellen Fassung (Vorschau) und "
                    "speichern Sie dann erneut."
                )
                % {"who": conflict.current.updated_by or _("einer anderen Person")},
            )
            return render(
                request, "alliances/strategy_detail.html", _workspace_context(request, strategy, form=form), status=409
            )
        except services.StrategyLocked as locked:
            messages.error(request, locked.message)
            return redirect(_strategy_url(strategy))
        messages.success(request, _("Der Entwurf wurde gespeichert."))
        return redirect(_strategy_url(strategy))
    messages.error(request, _("Bitte korrigieren Sie die markierten Angaben. Es wurde nichts gespeichert."))
    return render(
        request, "alliances/strategy_detail.html", _workspace_context(request, strategy, form=form), status=422
    )


def _documents_response(request, strategy, upload_form=None, status=200):
    context = _workspace_context(request, strategy, upload_form=upload_form)
    if request.htmx:
        return render(request, "alliances/partials/documents_and_checklist.html", context, status=status)
    if status == 200:
        return redirect(_strategy_url(strategy) + "#dokumente")
    return render(request, "alliances/strategy_detail.html", context, status=status)


@login_required
@require_POST
def document_upload(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.edit_strategy", strategy)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.add_strategy_document(
                strategy=strategy,
                user=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except services.StrategyLocked as locked:
            form.add_error(None, locked.message)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(request, _("„%(name)s“ wurde hochgeladen.") % {"name": document.original_name})
            return _documents_response(request, strategy, upload_form=DocumentUploadForm())
    return _documents_response(request, strategy, upload_form=form, status=422)


def _document_or_404(strategy, public_id):
    return get_object_or_404(
        StrategyDocument.objects.select_related("strategy"), strategy=strategy, public_id=public_id
    )


@login_required
@require_POST
def document_remove(request, cycle_slug, alliance_slug, public_id):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    document = _document_or_404(strategy, public_id)
    require_permission(request.user, "alliances.edit_strategy", strategy)
    try:
        services.remove_strategy_document(document=document, user=request.user)
    except services.StrategyLocked as locked:
        messages.error(request, locked.message)
    else:
        messages.success(request, _("„%(name)s“ wurde entfernt.") % {"name": document.original_name})
    return _documents_response(request, strategy)


@login_required
@require_GET
def document_download(request, cycle_slug, alliance_slug, public_id):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.view_strategy", strategy)
    document = _document_or_404(strategy, public_id)
    services.record_document_download(document=document, user=request.user)
    access_log.info("document %s downloaded by user %s", document.public_id, request.user.pk)
    return FileResponse(
        document.file.open("rb"), as_attachment=True, filename=document.original_name, content_type="application/pdf"
    )


@login_required
@require_GET
def strategy_preview(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    documents = list(strategy.active_documents())
    return render(
        request,
        "alliances/strategy_preview.html",
        {
            "strategy": strategy,
            "documents": documents,
            "budget": budget_table(strategy.cycle.years, strategy.budget_lines.all()),
            "missing": strategy.missing_items(documents),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def strategy_submit(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.submit_strategy", strategy)
    if request.method == "POST":
        try:
            submission = services.submit_strategy(strategy=strategy, user=request.user)
        except services.SubmissionRefused as refused:
            for reason in refused.reasons:
                messages.error(request, reason)
        except services.StrategyLocked as locked:
            messages.error(request, locked.message)
        else:
            messages.success(
                request, _("Ihre Strategie wurde eingereicht. Eine Eingangsbestätigung wurde per E-Mail versandt.")
            )
            return redirect("alliances:submission", cycle_slug, alliance_slug, submission.number)
        return redirect(_strategy_url(strategy))
    documents = list(strategy.active_documents())
    return render(
        request,
        "alliances/strategy_submit.html",
        {
            "strategy": strategy,
            "missing": strategy.missing_items(documents),
            "documents": documents,
            "can_submit": strategy.accepts_work_at(timezone.now()),
        },
    )


@login_required
@require_GET
def submission_detail(request, cycle_slug, alliance_slug, number):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    submission = get_object_or_404(
        strategy.submissions.select_related("submitted_by", "reopening__reopened_by"), number=number
    )
    return render(
        request,
        "alliances/submission_detail.html",
        {
            "strategy": strategy,
            "submission": submission,
            "budget": budget_table(strategy.cycle.years, submission.budget),
            "sections": [(label, submission.sections.get(name, "")) for name, label, _limit in STRATEGY_SECTIONS],
        },
    )


def _strategy_action(request, strategy, *, form_class, perform, success_message, title, submit_label):
    """A programme-office action on one strategy: GET shows the form, a valid POST calls `perform` with the
    cleaned data; a refusal (ValidationError) stays on the form with 422."""
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            perform(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success_message)
            return redirect(_strategy_url(strategy))
    return render(
        request,
        "alliances/strategy_action.html",
        {
            "strategy": strategy,
            "form": form,
            "title": title,
            "submit_label": submit_label,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def strategy_reopen(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.reopen_submission", strategy)
    return _strategy_action(
        request,
        strategy,
        form_class=ReopenForm,
        perform=lambda data: services.reopen_submission(
            strategy=strategy, user=request.user, reason=data["reason"], extend_until=data["extend_until"]
        ),
        success_message=_("Die Einreichung wurde wieder geöffnet."),
        title=_("Einreichung wieder öffnen"),
        submit_label=_("Wieder öffnen"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def strategy_extend(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.extend_deadline", strategy)
    return _strategy_action(
        request,
        strategy,
        form_class=DeadlineExtensionForm,
        perform=lambda data: services.extend_deadline(
            strategy=strategy, user=request.user, until=data["new_deadline"], reason=data["reason"]
        ),
        success_message=_("Die Frist wurde verlängert."),
        title=_("Frist für dieses Bündnis verlängern"),
        submit_label=_("Frist verlängern"),
    )


@login_required
@require_GET
def strategy_history(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.view_history", strategy)
    records = strategy.history.select_related("history_user").order_by("-history_date")[:200]
    entries = []
    previous = None
    for record in reversed(list(records)):
        changed = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=["version", "updated_at", "updated_by"])
            changed = [change.field for change in delta.changes]
        entries.append({"record": record, "changed": changed})
        previous = record
    entries.reverse()
    labels = {field.name: field.verbose_name for field in Strategy._meta.fields}
    for entry in entries:
        entry["changed_labels"] = [labels.get(name, name) for name in entry["changed"]]
    return render(
        request,
        "alliances/strategy_history.html",
        {
            "strategy": strategy,
            "entries": entries,
            "downloads": DocumentDownload.objects.filter(document__strategy=strategy).select_related(
                "document", "user"
            )[:50]
            if rules.has_perm("alliances.view_overview", request.user)
            else [],
        },
    )


@login_required
@require_GET
def cycle_overview(request, cycle_slug):
    """All alliances of a cycle with their submission state, for the programme office and the ministry."""
    require_permission(request.user, "alliances.view_overview")
    cycle = get_object_or_404(EvaluationCycle, slug=cycle_slug)
    base = (
        Strategy.objects.filter(cycle=cycle)
        .select_related("alliance", "updated_by")
        .prefetch_related(Prefetch("alliance__states", queryset=FederalState.objects.order_by("name")))
        .with_checklist()
        .annotate(last_submitted_at=Max("submissions__submitted_at"))
        .defer(*SECTION_FIELDS)
        .order_by("alliance__name")
    )
    overview = OverviewFilter(request.GET or None, queryset=base)
    rows = [{"strategy": strategy, "missing": strategy.missing_items_from_annotations()} for strategy in overview.qs]
    return render(request, "alliances/cycle_overview.html", {"cycle": cycle, "filter": overview, "rows": rows})


# Older name kept for callers that still import it from here.
_budget_table = budget_table
