"""The strategy workspace: the alliance's start page, editing sections, budget and documents, preview, history."""

import logging

import rules
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alliances import services
from alliances.forms import DocumentUploadForm, StrategyForm, budget_field_name
from alliances.models import (
    BudgetCategory,
    BudgetLine,
    DocumentDownload,
    Strategy,
    StrategyDocument,
    budget_table,
    current_cycle,
)
from portal.exceptions import Refusal
from portal.form_feedback import autosave_refused, autosaved_response, changed_fields
from portal.formatting import euro
from portal.forms import add_refusal
from portal.history import change_history
from portal.rules import require_permission
from portal.uploads import pdf_download

access_log = logging.getLogger("portal.access")

HISTORY_LIMIT = 200


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


def _can_edit(request, strategy, now):
    return rules.has_perm("alliances.edit_strategy", request.user, strategy) and strategy.accepts_work_at(now)


def _draft_documents(strategy):
    """The draft's documents (Strategy.active_documents) and its refused uploads (Strategy.refused_documents),
    read with one query."""
    rows = list(strategy.documents.filter(removed_at__isnull=True).select_related("uploaded_by"))
    refused = [document for document in rows if document.is_refused]
    return [document for document in rows if not document.is_refused], refused


def _document_list_context(request, strategy, documents, now, refused=None):
    return {
        "strategy": strategy,
        "can_edit": _can_edit(request, strategy, now),
        "documents": documents,
        "refused_documents": list(strategy.refused_documents()) if refused is None else refused,
        "documents_pending": any(document.is_pending for document in documents),
    }


def _workspace_context(request, strategy, form=None, upload_form=None):
    documents, refused = _draft_documents(strategy)
    now = timezone.now()
    return _document_list_context(request, strategy, documents, now, refused) | {
        "strategy": strategy,
        "cycle": strategy.cycle,
        "form": form or StrategyForm(initial=_initial_form_data(strategy), strategy=strategy),
        "upload_form": upload_form or DocumentUploadForm(),
        "documents": documents,
        "checklist": strategy.checklist(documents),
        # The list shows number, date and reopening; the snapshot's sections and budget stay in the database.
        "submissions": list(
            strategy.submissions.select_related("submitted_by", "reopening").defer("sections", "budget", "documents")
        ),
        "can_reopen": rules.has_perm("alliances.reopen_submission", request.user, strategy),
        "can_extend": rules.has_perm("alliances.extend_deadline", request.user, strategy),
        "deadline_passed": now > strategy.deadline,
        "budget": budget_table(strategy.cycle.years, strategy.budget_lines.all()),
        "upload_limit": filesizeformat(settings.UPLOAD_MAX_BYTES),
        "autosave_seconds": settings.AUTOSAVE_SECONDS,
    }


def _conflict_context(strategy, form, conflict):
    """Both versions of each field the other save changed: the typed one stays in the form, the stored one is
    shown beside it; the form carries the stored version, so that saving again keeps the typed text deliberately."""
    return {
        "message": conflict.message,
        "rows": changed_fields(form, _initial_form_data(conflict.current)),
        "version": conflict.current.version,
        "discard_url": _strategy_url(strategy),
    }


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
    if len(strategies) == 1 and rules.has_perm("alliances.work_on_strategies", request.user):
        return redirect(_strategy_url(strategies[0]))
    return render(request, "alliances/my_strategies.html", {"strategies": strategies, "cycle": cycle})


@require_GET
def strategy_detail(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    return render(request, "alliances/strategy_detail.html", _workspace_context(request, strategy))


@require_POST
def strategy_save(request, cycle_slug, alliance_slug):
    """Saves the draft; the workspace script's autosave (header X-Autosave) gets JSON, or the conflict panel."""
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.edit_strategy", strategy)
    autosaving = request.headers.get("X-Autosave") == "1"
    form = StrategyForm(request.POST, strategy=strategy)
    if form.is_valid():
        try:
            saved = services.save_strategy_draft(
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
            context = {"conflict": _conflict_context(strategy, form, conflict)}
            if autosaving:
                return render(request, "partials/form_conflict.html", context, status=409)
            context |= _workspace_context(request, strategy, form=form)
            return render(request, "alliances/strategy_detail.html", context, status=409)
        except services.StrategyLocked as locked:
            if autosaving:
                return autosave_refused(locked.message)
            messages.error(request, locked.message)
            return redirect(_strategy_url(strategy))
        except ValidationError as error:
            # The form checks the same rules; this is only reached when the cycle's cap changed meanwhile.
            form.add_error(None, error)
        else:
            if autosaving:
                return autosaved_response(saved.version, saved.updated_at)
            messages.success(request, _("Der Entwurf wurde gespeichert."))
            return redirect(_strategy_url(strategy))
        if autosaving:
            return autosave_refused(" ".join(form.non_field_errors()))
        return render(
            request, "alliances/strategy_detail.html", _workspace_context(request, strategy, form=form), status=422
        )
    if autosaving:
        return autosave_refused(_("Bitte korrigieren Sie die markierten Angaben."))
    messages.error(request, _("Bitte korrigieren Sie die markierten Angaben. Es wurde nichts gespeichert."))
    return render(
        request, "alliances/strategy_detail.html", _workspace_context(request, strategy, form=form), status=422
    )


def _documents_response(request, strategy, upload_form=None, status=200):
    context = _workspace_context(request, strategy, upload_form=upload_form)
    if request.htmx:
        return render(request, "alliances/partials/documents_and_checklist.html", context, status=status)
    if status == 200:
        return redirect(_strategy_url(strategy) + "#documents")
    return render(request, "alliances/strategy_detail.html", context, status=status)


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
        except Refusal as refused:
            # The strategy is locked, or the file could not be written (disk full, folder not writable).
            add_refusal(form, refused)
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request,
                _("„%(name)s“ wurde hochgeladen und wird jetzt geprüft. Das Ergebnis erscheint hier.")
                % {"name": document.original_name},
            )
            return _documents_response(request, strategy, upload_form=DocumentUploadForm())
    return _documents_response(request, strategy, upload_form=form, status=422)


def _document_or_404(strategy, public_id):
    return get_object_or_404(
        StrategyDocument.objects.select_related("strategy"), strategy=strategy, public_id=public_id
    )


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


@require_GET
def document_download(request, cycle_slug, alliance_slug, public_id):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.view_strategy", strategy)
    document = _document_or_404(strategy, public_id)
    # Only a checked copy leaves the portal; an upload being checked or refused has none.
    if not document.is_checked or not document.file:
        raise Http404
    services.record_document_download(document=document, user=request.user)
    access_log.info("document %s downloaded by user %s", document.public_id, request.user.pk)
    return pdf_download(document.file, document.original_name)


@require_GET
def document_status(request, cycle_slug, alliance_slug):
    """The document list with each upload's check, polled while one is still being checked."""
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.view_strategy", strategy)
    documents, refused = _draft_documents(strategy)
    context = _document_list_context(request, strategy, documents, timezone.now(), refused) | {
        "checklist": strategy.checklist(documents),
        "checklist_oob": True,
    }
    return render(request, "alliances/partials/document_status.html", context)


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


def _attach_budget_changes(strategy, entries):
    """Adds to each history entry the budget lines changed with it, as "year, category: old → new".

    Budget lines keep their own history; a save stores its lines first, then the strategy, so a line's change
    belongs to the first strategy record at or after it. Two queries, whatever the number of entries.
    """
    for entry in entries:
        entry["budget_changes"] = []
    if not entries:
        return
    oldest_shown = entries[-1]["record"]
    before_shown = (
        strategy.history.filter(history_date__lt=oldest_shown.history_date)
        .order_by("-history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    last_amount = {}
    chronological = sorted(entries, key=lambda entry: entry["record"].history_date)
    for line in BudgetLine.history.filter(strategy_id=strategy.pk).order_by("history_date", "history_id"):
        key = (line.year, line.category)
        old = last_amount.get(key)
        new = None if line.history_type == "-" else line.amount
        last_amount[key] = new
        if old == new or (before_shown is not None and line.history_date <= before_shown):
            continue
        owner = next((entry for entry in chronological if entry["record"].history_date >= line.history_date), None)
        if owner is None:
            continue
        owner["budget_changes"].append(
            _("%(year)s, %(category)s: %(old)s → %(new)s")
            % {
                "year": line.year,
                "category": BudgetCategory(line.category).label,
                "old": euro(old) if old is not None else "—",
                "new": euro(new) if new is not None else "—",
            }
        )


@require_GET
def strategy_history(request, cycle_slug, alliance_slug):
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, "alliances.view_history", strategy)
    entries = change_history(strategy, limit=HISTORY_LIMIT, exclude=["version", "updated_at", "updated_by"])
    for entry in entries:
        entry["changed_labels"] = [change["label"] for change in entry["changes"]]
    _attach_budget_changes(strategy, entries)
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
