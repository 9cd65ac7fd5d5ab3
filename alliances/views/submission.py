"""Submitting a strategy and reading a submission; the programme office reopens or extends a deadline."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from alliances import services
from alliances.forms import DeadlineExtensionForm, ReopenForm
from alliances.models import STRATEGY_SECTIONS, budget_table
from alliances.selectors import active_managers
from alliances.views.strategy import _strategy_or_404, _strategy_url
from portal.rules import require_permission


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


def _shown_state(strategy):
    """The one-time token of an action page: the strategy's version and deadline as the page showed them."""
    return f"{strategy.version}:{strategy.deadline.isoformat()}"


def _strategy_action(
    request,
    cycle_slug,
    alliance_slug,
    *,
    permission,
    form_class,
    service,
    success_message,
    title,
    submit_label,
    consequences,
    notified,
):
    """A programme-office action on one strategy: GET shows the form with what will happen (`consequences`) and who
    is notified by e-mail (`notified`, a function of the strategy), a valid POST passes the cleaned data to
    `service` (the form's fields are its arguments); a refusal (ValidationError) stays on the form with 422. A post
    of a page whose strategy changed meanwhile (a second click, a reload) acts not again but says so."""
    strategy = _strategy_or_404(request, cycle_slug, alliance_slug)
    require_permission(request.user, permission, strategy)
    if request.method == "POST" and request.POST.get("shown", _shown_state(strategy)) != _shown_state(strategy):
        messages.info(
            request,
            _(
                "Die Strategie hat sich geändert, seit die Seite angezeigt wurde, etwa weil dieser Schritt schon "
                "ausgeführt ist. Es wurde nichts erneut geändert; bitte prüfen Sie den Stand."
            ),
        )
        return redirect(_strategy_url(strategy))
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(strategy=strategy, user=request.user, **form.cleaned_data)
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
            "consequences": consequences,
            "notified": notified(strategy),
            "shown": _shown_state(strategy),
        },
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def strategy_reopen(request, cycle_slug, alliance_slug):
    return _strategy_action(
        request,
        cycle_slug,
        alliance_slug,
        permission="alliances.reopen_submission",
        form_class=ReopenForm,
        service=services.reopen_submission,
        success_message=_("Die Einreichung wurde wieder geöffnet."),
        title=_("Einreichung wieder öffnen"),
        submit_label=_("Wieder öffnen"),
        consequences=[
            _("Das Bündnis kann seine Strategie wieder bearbeiten und muss sie danach erneut einreichen."),
            _("Die bisher eingereichte Fassung bleibt unverändert erhalten; Ihre Begründung wird protokolliert."),
            _("Eine Förderentscheidung wird erst zur erneut eingereichten Strategie möglich."),
        ],
        notified=lambda strategy: active_managers(strategy.alliance),
    )


@require_http_methods(["GET", "POST"])
def strategy_extend(request, cycle_slug, alliance_slug):
    return _strategy_action(
        request,
        cycle_slug,
        alliance_slug,
        permission="alliances.extend_deadline",
        form_class=DeadlineExtensionForm,
        service=services.extend_deadline,
        success_message=_("Die Frist wurde verlängert."),
        title=_("Frist für dieses Bündnis verlängern"),
        submit_label=_("Frist verlängern"),
        consequences=[
            _("Nur für dieses Bündnis gilt danach die neue Frist; die Frist der Runde bleibt unverändert."),
            _("Die Verlängerung und ihre Begründung werden protokolliert."),
        ],
        notified=lambda strategy: [],
    )
