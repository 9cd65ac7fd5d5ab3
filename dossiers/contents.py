"""What goes into each printed dossier: the print templates' contexts, read from every stage."""

from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from alliances.models import STRATEGY_SECTIONS, budget_table
from decisions import charts, dashboard, selectors
from decisions import services as decision_services
from dossiers import privacy_documents, ranking, rendering
from dossiers.models import DossierKind
from portal.exceptions import Refusal
from reviews import services as review_services
from reviews.models import JuryRole, PanelVotum, PitchSlides, PitchSlot, PitchSlotStatus
from reviews.selectors.jury import session_conflicts


class DossierUnavailable(Refusal):
    """The subject cannot have this dossier (yet); `message` says why, in German."""


def _uploads(submission, strategy):
    documents = {str(doc.public_id): doc for doc in strategy.documents.all()}
    uploads = []
    for number, facts in enumerate(submission.documents, start=1):
        document = documents.get(facts["id"])
        upload = rendering.Upload(anchor=f"attachment-{number}", title=facts["name"], path="")
        if document is None or not document.file:
            upload.error = _("Datei nicht gefunden")
        else:
            try:
                upload.path = document.file.path
            except NotImplementedError:
                upload.error = _("Datei nicht lesbar")
        uploads.append(upload)
    rendering.inspect_uploads([upload for upload in uploads if not upload.error])
    return uploads


def strategy_context(strategy):
    submission = strategy.latest_submission
    uploads = _uploads(submission, strategy)
    sections = [
        {"name": name, "label": str(label), "text": submission.sections.get(name, "")}
        for name, label, _limit in STRATEGY_SECTIONS
    ]
    toc = [{"anchor": "profile", "title": "Profil des Bündnisses"}]
    toc += [{"anchor": f"section-{s['name']}", "title": s["label"]} for s in sections]
    toc.append({"anchor": "budget-plan", "title": "Finanzplan"})
    toc += [{"anchor": u.anchor, "title": f"Anlage {i}: {u.title}"} for i, u in enumerate(uploads, start=1)]
    return {
        "strategy": strategy,
        "alliance": strategy.alliance,
        "cycle": strategy.cycle,
        "submission": submission,
        "sections": sections,
        "budget": budget_table(strategy.cycle.years, submission.budget),
        "uploads": uploads,
        "toc": toc,
        "generated_at": timezone.now(),
        "subject": strategy.alliance.name,
        "title": f"Erweiterte WIR!-Strategie: {strategy.alliance.name}",
    }


def _score_rows(review, criteria):
    scores = {score.criterion_id: score for score in review.scores.all()}
    return [{"criterion": criterion, "score": scores.get(criterion.pk)} for criterion in criteria]


def _pitch_of(strategy):
    """The alliance's pitch before the jury, the jury statement (the Votum when it came from that pitch), and its
    checked slides as an annex."""
    slot = PitchSlot.objects.filter(strategy=strategy, status=PitchSlotStatus.TAKEN).select_related("session").first()
    slides = PitchSlides.objects.current().filter(strategy=strategy).order_by("-uploaded_at", "-pk").first()
    annex = None
    if slides is not None:
        annex = rendering.Upload(anchor="pitch-slides", title=f"Pitch-Folien ({slides.original_name})", path="")
        try:
            annex.path = slides.file.path
        except (NotImplementedError, ValueError):
            annex.error = _("Datei nicht lesbar")
        rendering.inspect_uploads([annex])
    return slot, annex


def evaluation_context(strategy):
    """The strategy dossier plus scores, charts, every review with names, the Votum, the pitch with its slides as
    an annex, and the decision."""
    context = strategy_context(strategy)
    row = dashboard.row_for(strategy=strategy)
    submission = context["submission"]
    reviews, criterion_rows = review_services.submitted_reviews_by_criterion(strategy=strategy, submission=submission)
    criteria = [item["criterion"] for item in criterion_rows]
    for review in reviews:
        review.score_rows = _score_rows(review, criteria)
    points = dashboard.score_points(strategies=[strategy.pk])
    means = dashboard.criterion_means(cycle=strategy.cycle, strategy=strategy)
    decision = selectors.decision_in_effect(strategy)
    votum = PanelVotum.objects.filter(strategy=strategy).first()
    pitch, slides = _pitch_of(strategy)
    if slides is not None:
        context["uploads"].append(slides)
        context["toc"].append({"anchor": slides.anchor, "title": f"Anlage {len(context['uploads'])}: {slides.title}"})
    context.update(
        {
            "stats": row,
            "expected": row.reviews_expected or 0,
            "reviews": reviews,
            "show_names": True,
            "distribution": charts.score_distribution(rows=[row], points=points),
            "heatmap": charts.criterion_heatmap(rows=[row], means=means),
            "votum": votum,
            "pitch": pitch,
            "jury_statement": votum.summary if votum is not None and votum.pitch_id else "",
            "pitch_slides": slides,
            "decision": decision,
            "title": f"Bewertungs-Dossier: {strategy.alliance.name}",
        }
    )
    toc = context["toc"]
    finance_index = next(i for i, entry in enumerate(toc) if entry["anchor"] == "budget-plan") + 1
    toc[finance_index:finance_index] = [
        {"anchor": "evaluation", "title": "Bewertung im Überblick"},
        {"anchor": "reviews", "title": "Gutachten"},
        {"anchor": "panel-votum", "title": "Votum der Jury"},
        {"anchor": "decision", "title": "Förderentscheidung"},
        {"anchor": "pitch", "title": "Pitch vor der Jury"},
    ]
    return context


def _letter_page(strategy, decision, letter, *, title, is_draft=False):
    alliance = strategy.alliance
    return {
        "strategy": strategy,
        "alliance": alliance,
        "cycle": strategy.cycle,
        "decision": decision,
        "letter": mark_safe(letter),  # noqa: S308 - rendered by our own autoescaping template, see letter_context
        "is_draft": is_draft,
        "generated_at": timezone.now(),
        "subject": alliance.name,
        "submission": None,
        "uploads": [],
        "title": f"{title}: {alliance.name}",
    }


def letter_context(strategy):
    """The released decision letter as stored at release. Its HTML is trusted: templates/decisions/letter.html
    escapes every user text (conditions, rationale, reason of a correction) when the letter is released."""
    decision = selectors.released_decision(strategy)
    if decision is None:
        raise DossierUnavailable(_("Für diese Strategie ist noch keine Förderentscheidung freigegeben."))
    letter = decision.letter_html or decision_services.render_letter(decision)
    return _letter_page(strategy, decision, letter, title="Entscheidungsschreiben")


def decision_awaiting_release(strategy):
    """The decision whose letter a draft shows (see decisions.selectors); DossierUnavailable when there is none."""
    decision = selectors.decision_awaiting_release(strategy)
    if decision is None:
        raise DossierUnavailable(
            _("Für diese Strategie gibt es keine Entscheidung vor der Freigabe, deren Schreiben als Entwurf entstünde.")
        )
    return decision


def letter_draft_context(strategy):
    """The letter of the decision not yet released, as the alliance would receive it if it were released today;
    marked as a draft on every page."""
    decision = decision_awaiting_release(strategy)
    letter = decision_services.render_letter(decision)
    return _letter_page(strategy, decision, letter, title="Entwurf des Entscheidungsschreibens", is_draft=True)


def cycle_report_context(cycle):
    """The dashboard's rows ranked (`ranking.rank_rows`); the details follow the ranking, unranked ones last."""
    rows = dashboard.rows_for(cycle=cycle, filters=dashboard.DashboardFilters(sort="-median"))
    points = dashboard.score_points(strategies=[row.pk for row in rows])
    ranked = ranking.rank_rows(rows)
    return {
        "cycle": cycle,
        "rows": rows,
        "ranking": ranked,
        "details": [*ranked.ranked, *ranked.incomplete],
        "budget": dashboard.budget_panel(cycle=cycle, rows=rows),
        "distribution": charts.score_distribution(rows=rows, points=points),
        "heatmap": charts.criterion_heatmap(rows=rows, means=dashboard.criterion_means(cycle=cycle)),
        "generated_at": timezone.now(),
        "subject": cycle.name,
        "submission": None,
        "uploads": [],
        "title": f"Bericht: {cycle.name}",
    }


def session_minutes_context(session):
    """The minutes of a jury session: attendance, agenda, and per pitch its times, the conflicts declared (those
    jurors count as absent for it), the result and the jury statement. Jurors' private notes are never read here.
    """
    members = list(session.members.select_related("user").order_by("role", "user__full_name", "user__email"))
    jurors = [member for member in members if member.role == JuryRole.JUROR]
    observers = [member for member in members if member.role == JuryRole.OBSERVER]
    slots = list(
        session.slots.exclude(status=PitchSlotStatus.CANCELLED)
        .select_related("strategy__alliance")
        .order_by("starts_at", "pk")
    )
    conflicts = {}
    for juror, slot in session_conflicts(session):
        conflicts.setdefault(slot.pk, []).append(juror)
    voten = {votum.pitch_id: votum for votum in PanelVotum.objects.filter(pitch__in=[slot.pk for slot in slots])}
    pitches = []
    for slot in slots:
        if not slot.is_taken:
            continue
        absent_ids = {juror.pk for juror in conflicts.get(slot.pk, [])}
        pitches.append(
            {
                "slot": slot,
                "anchor": f"pitch-{slot.pk}",
                "alliance": slot.strategy.alliance,
                "conflicted": conflicts.get(slot.pk, []),
                "present": [m.user for m in jurors if m.present and m.user_id not in absent_ids],
                "votum": voten.get(slot.pk),
            }
        )
    agenda = sorted(
        [{"starts_at": slot.starts_at, "ends_at": slot.ends_at, "slot": slot} for slot in slots]
        + [{"starts_at": pause.starts_at, "ends_at": pause.ends_at, "pause": pause} for pause in session.breaks.all()],
        key=lambda item: item["starts_at"],
    )
    toc = [
        {"anchor": "attendance", "title": "Anwesenheit"},
        {"anchor": "agenda", "title": "Tagesordnung"},
        *({"anchor": pitch["anchor"], "title": f"Pitch: {pitch['alliance'].name}"} for pitch in pitches),
    ]
    return {
        "session": session,
        "cycle": session.cycle,
        "chair": session.chair,
        "jurors": jurors,
        "observers": observers,
        "agenda": agenda,
        "pitches": pitches,
        "toc": toc,
        "generated_at": timezone.now(),
        "subject": session.title,
        "submission": None,
        "uploads": [],
        "title": f"Sitzungsprotokoll: {session.title}",
    }


def template_and_context(dossier):
    """The print template of a PDF dossier and the context it is rendered with."""
    if dossier.kind == DossierKind.STRATEGY:
        return "dossiers/print/strategy.html", strategy_context(dossier.strategy)
    if dossier.kind == DossierKind.EVALUATION:
        return "dossiers/print/evaluation.html", evaluation_context(dossier.strategy)
    if dossier.kind == DossierKind.CYCLE_REPORT:
        return "dossiers/print/cycle_report.html", cycle_report_context(dossier.cycle)
    if dossier.kind == DossierKind.DECISION_LETTER:
        return "dossiers/print/letter.html", letter_context(dossier.strategy)
    if dossier.kind == DossierKind.LETTER_DRAFT:
        return "dossiers/print/letter.html", letter_draft_context(dossier.strategy)
    if dossier.kind == DossierKind.PERSONAL_DATA:
        return "dossiers/print/personal_data.html", privacy_documents.personal_data_context(dossier.person)
    if dossier.kind == DossierKind.PRIVACY_RECORD:
        return "dossiers/print/privacy_record.html", privacy_documents.privacy_record_context()
    if dossier.kind == DossierKind.SESSION_MINUTES:
        return "dossiers/print/session_minutes.html", session_minutes_context(dossier.jury_session)
    raise DossierUnavailable(_("Diese Art von Dossier wird als Archiv gebaut, nicht als PDF."))
