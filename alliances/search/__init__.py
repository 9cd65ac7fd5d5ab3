"""What the alliances stage makes searchable and who may read it; its filters are in `alliances.search.filters`.

The texts: the live strategy sections, the sections of the latest submitted snapshot, every page of a checked
strategy PDF, the questions with their answers, and the FAQ. The services that write these texts call the
`index_*` functions below inside their own transactions; `register()` (from `AppConfig.ready()`) tells the
portal's search who may read each kind. A kind whose readers include experts (the snapshot's sections and the
PDF pages) is registered by the review stage, which knows the assignments; its texts, links and rebuild live here.

Every scope is a Q over `portal.models.SearchEntry` built from the same `visible_to` querysets and rules the pages
use, as subqueries: the search engine puts all kinds into one query.
"""

import rules
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances.models import (
    SECTION_FIELDS,
    STRATEGY_SECTIONS,
    AllianceMembership,
    FaqEntry,
    Question,
    Strategy,
    StrategyDocument,
    Submission,
)
from portal.rules import is_alliance_manager
from portal.search import index, registry
from portal.search.index import IndexedText
from portal.search.registry import NOTHING, SearchKind
from portal.uploads import CheckStatus

STRATEGY_SECTION = "strategy_section"
SUBMISSION_SECTION = "submission_section"
DOCUMENT_PAGE = "document_page"
QUESTION = "question"
FAQ = "faq"

# Rows read per batch when a kind is rebuilt from its source rows.
REBUILD_BATCH = 200

# `feld:` values for the strategy's sections: the German slug first, the field name is accepted too.
SECTION_SLUGS = {
    "zusammenfassung": "summary",
    "vision": "vision",
    "innovationsfeld": "innovation_field_development",
    "massnahmen": "measures",
    "buendnismanagement": "alliance_management",
    "fachkraefte": "skilled_workers",
    "verstetigung": "continuation",
}
SECTION_LABELS = {name: label for name, label, _limit in STRATEGY_SECTIONS}

# `art:` values of this stage's texts.
KIND_VALUES = {
    "strategie": (STRATEGY_SECTION, SUBMISSION_SECTION),
    "pdf": (DOCUMENT_PAGE,),
    "frage": (QUESTION,),
    "faq": (FAQ,),
}

QUESTION_PARTS = {"question": _("Frage"), "answer": _("Antwort")}


# --- Places -----------------------------------------------------------------------------------------------------


def section_anchor(name):
    """The fragment of a strategy section on the strategy pages and the expert's snapshot page."""
    return f"abschnitt-{name}"


def hit_url(kind, object_id, fragment=""):
    """The portal's way to the place of one hit of this stage: checks the permission again, then redirects (or,
    for a PDF page, serves the document inline so that `#page=N` opens the browser's viewer at that page)."""
    url = reverse("alliances:search_hit", args=[kind, object_id])
    return f"{url}#{fragment}" if fragment else url


def section_link(hit, user):
    return hit_url(STRATEGY_SECTION, hit.object_id, section_anchor(hit.part) if hit.part else "")


def document_link(hit, user):
    return hit_url(DOCUMENT_PAGE, hit.object_id, f"page={hit.page}" if hit.page else "")


def question_link(hit, user):
    return hit_url(QUESTION, hit.object_id, "antwort" if hit.part == "answer" else "frage")


def faq_link(hit, user):
    return hit_url(FAQ, hit.object_id, f"faq-{hit.object_id}")


def section_label(part):
    return SECTION_LABELS.get(part, "")


def question_part_label(part):
    return QUESTION_PARTS.get(part, "")


# --- Texts ------------------------------------------------------------------------------------------------------


def strategy_texts(strategy):
    return [
        IndexedText(
            body=getattr(strategy, name) or "", part=name, alliance_id=strategy.alliance_id, cycle_id=strategy.cycle_id
        )
        for name in SECTION_FIELDS
    ]


def submission_texts(submission, strategy):
    sections = submission.sections or {}
    return [
        IndexedText(
            body=sections.get(name) or "", part=name, alliance_id=strategy.alliance_id, cycle_id=strategy.cycle_id
        )
        for name in SECTION_FIELDS
    ]


def document_texts(document, pages):
    """One entry per page (1-based) of a checked document; `pages` are the page texts in order."""
    strategy = document.strategy
    return [
        IndexedText(body=text, page=number, alliance_id=strategy.alliance_id, cycle_id=strategy.cycle_id)
        for number, text in enumerate(pages, start=1)
    ]


def question_texts(question):
    # Internal comments are for staff only, a narrower audience than the question's: they are not indexed with it.
    return [
        IndexedText(body=question.text, part="question", alliance_id=question.alliance_id, cycle_id=question.cycle_id),
        IndexedText(
            body=question.answer or "", part="answer", alliance_id=question.alliance_id, cycle_id=question.cycle_id
        ),
    ]


def faq_texts(entry):
    return [
        IndexedText(body=entry.question, part="question", cycle_id=entry.cycle_id),
        IndexedText(body=entry.answer, part="answer", cycle_id=entry.cycle_id),
    ]


# --- Writing the index (called by the services, inside their transactions) -------------------------------------


def index_strategy(strategy):
    """The live sections of a strategy draft."""
    index.replace_entries(kind=STRATEGY_SECTION, object_id=strategy.pk, texts=strategy_texts(strategy))


def index_latest_submission(submission, strategy):
    """The sections of a new snapshot; the strategy's older snapshots leave the index (experts read the latest)."""
    older = Submission.objects.filter(strategy_id=strategy.pk).exclude(pk=submission.pk).values_list("pk", flat=True)
    index.remove_entries(kind=SUBMISSION_SECTION, object_ids=older)
    index.replace_entries(
        kind=SUBMISSION_SECTION, object_id=submission.pk, texts=submission_texts(submission, strategy)
    )


def index_document_pages(document, pages):
    index.replace_entries(kind=DOCUMENT_PAGE, object_id=document.pk, texts=document_texts(document, pages))


def forget_document(document_id):
    index.remove_entries(kind=DOCUMENT_PAGE, object_ids=[document_id])


def index_question(question):
    index.replace_entries(kind=QUESTION, object_id=question.pk, texts=question_texts(question))


def index_faq_entry(entry):
    index.replace_entries(kind=FAQ, object_id=entry.pk, texts=faq_texts(entry))


def forget_faq_entries(entry_ids):
    index.remove_entries(kind=FAQ, object_ids=entry_ids)


# --- Rebuilding a kind from its source rows ---------------------------------------------------------------------


def rebuild(kind, pairs):
    """Replaces every entry of `kind` with the texts of `pairs` ((object id, [IndexedText]) in any number), written
    in batches; returns the number of entries the kind has afterwards. For `rebuild_search_index`."""
    from portal.models import SearchEntry

    index.remove_entries(
        kind=kind, object_ids=SearchEntry.objects.filter(kind=kind).values_list("object_id", flat=True).distinct()
    )
    batch = {}
    for object_id, texts in pairs:
        batch[object_id] = list(texts)
        if len(batch) >= REBUILD_BATCH:
            index.replace_many(kind=kind, texts_by_object=batch)
            batch = {}
    index.replace_many(kind=kind, texts_by_object=batch)
    return SearchEntry.objects.filter(kind=kind).count()


def reindex_strategies():
    strategies = Strategy.objects.only("pk", "alliance_id", "cycle_id", *SECTION_FIELDS).order_by("pk")
    return rebuild(STRATEGY_SECTION, ((s.pk, strategy_texts(s)) for s in strategies.iterator(chunk_size=REBUILD_BATCH)))


def reindex_submissions():
    """The latest snapshot of every strategy that has one."""
    newer = Submission.objects.filter(strategy=OuterRef("strategy"), number__gt=OuterRef("number"))
    snapshots = Submission.objects.filter(~Exists(newer)).select_related("strategy").order_by("pk")
    return rebuild(
        SUBMISSION_SECTION,
        ((s.pk, submission_texts(s, s.strategy)) for s in snapshots.iterator(chunk_size=REBUILD_BATCH)),
    )


def searchable_documents():
    """Documents whose text is searchable: checked, with a stored copy, not removed from the draft."""
    return StrategyDocument.objects.filter(check_status=CheckStatus.CHECKED, removed_at__isnull=True).exclude(file="")


def reindex_documents():
    """Extracts the text of every searchable document again (bounded per document, as the worker does)."""
    from alliances.services.document_text import read_page_texts

    documents = searchable_documents().select_related("strategy").order_by("pk")
    return rebuild(
        DOCUMENT_PAGE,
        ((d.pk, document_texts(d, read_page_texts(d))) for d in documents.iterator(chunk_size=REBUILD_BATCH)),
    )


def reindex_questions():
    questions = Question.objects.only("pk", "alliance_id", "cycle_id", "text", "answer").order_by("pk")
    return rebuild(QUESTION, ((q.pk, question_texts(q)) for q in questions.iterator(chunk_size=REBUILD_BATCH)))


def reindex_faq():
    entries = FaqEntry.objects.only("pk", "cycle_id", "question", "answer").order_by("pk")
    return rebuild(FAQ, ((e.pk, faq_texts(e)) for e in entries.iterator(chunk_size=REBUILD_BATCH)))


# --- Who may read what --------------------------------------------------------------------------------------------


def objects_in(queryset):
    """The entries whose object is in `queryset` (a `visible_to`): all of the kind when it is not narrowed (a staff
    reader's), none when it is empty, else a subquery the engine's one query carries."""
    if queryset.query.is_empty():
        return NOTHING
    if not queryset.query.where:
        return Q()
    return Q(object_id__in=queryset.values("pk"))


def strategy_readers_scope(user):
    """Managers of the alliance and staff read the live strategy (alliances.view_strategy); experts never do, they
    read the submitted snapshot."""
    if not rules.has_perm("alliances.use_strategy_pages", user):
        return NOTHING
    return objects_in(Strategy.objects.visible_to(user))


def document_readers_scope(user):
    """The documents the strategy pages let a manager or a staff member download (alliances:document_download).
    The review stage adds the experts' share when it registers the kind."""
    if not rules.has_perm("alliances.use_strategy_pages", user):
        return NOTHING
    strategies = Strategy.objects.visible_to(user)
    if not strategies.query.where:
        return objects_in(StrategyDocument.objects.all())
    return objects_in(StrategyDocument.objects.filter(strategy__in=strategies))


def question_scope(user):
    """Question.visible_to, behind the role gate of the question pages (experts and admins never reach them)."""
    if not rules.has_perm("alliances.reach_questions", user):
        return NOTHING
    return objects_in(Question.objects.visible_to(user))


def faq_scope(user):
    """alliances.view_faq and alliances.read_cycle_faq: staff read every cycle's FAQ, a manager the FAQ of the cycles
    their alliances take part in (have a strategy in)."""
    if not rules.has_perm("alliances.view_faq", user):
        return NOTHING
    if rules.has_perm("alliances.view_overview", user):
        return Q()
    return Q(cycle_id__in=Strategy.objects.filter(alliance__memberships__user=user).values("cycle_id"))


def manager_reach(user, using="default"):
    """An alliance manager reads the texts of their own alliances only (and programme-wide ones such as the FAQ)."""
    if not is_alliance_manager(user):
        return None
    return list(AllianceMembership.objects.using(using).filter(user=user).values_list("alliance_id", flat=True))


def register():
    """Registers this stage's kinds (those without experts among the readers), its filters and group labels."""
    from alliances.search import filters

    registry.register_kind(
        SearchKind(
            code=STRATEGY_SECTION,
            label=_("Strategie-Abschnitt"),
            scope=strategy_readers_scope,
            link=section_link,
            part_label=section_label,
            reindex_all=reindex_strategies,
            order=10,
        )
    )
    registry.register_kind(
        SearchKind(
            code=QUESTION,
            label=_("Frage"),
            scope=question_scope,
            link=question_link,
            part_label=question_part_label,
            reindex_all=reindex_questions,
            order=40,
        )
    )
    registry.register_kind(
        SearchKind(
            code=FAQ,
            label=_("FAQ"),
            scope=faq_scope,
            link=faq_link,
            part_label=question_part_label,
            reindex_all=reindex_faq,
            order=45,
        )
    )
    filters.register()
    registry.register_reach(manager_reach)
