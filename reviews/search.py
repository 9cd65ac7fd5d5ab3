"""What the review stage makes searchable, who may read it, and its filters (`kriterium`, `score`, review fields).

The texts: the reviews (strengths, weaknesses, proposed conditions and each criterion's justification), their
confidential notes (a kind of their own, staff only), and the panel's Votum. This stage also registers the two
kinds of the alliances stage whose readers include experts, because only this stage knows the assignments: the
sections of the latest snapshot (experts only) and the pages of the strategy PDFs (experts besides managers and
staff). Their texts, rebuilds and the managers' and staff's share of the scope stay in `alliances.search`.
"""

import rules
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from alliances import search as alliance_search
from alliances.models import StrategyDocument, StrategyStatus, Submission
from alliances.search.filters import kind_filter
from portal.search import index, registry
from portal.search.index import IndexedText
from portal.search.registry import NOTHING, SearchFilter, SearchKind, filter_key
from reviews.models import Assignment, Criterion, PanelVotum, Review, ReviewStatus, StrategyScoreSummary

REVIEW = "review"
REVIEW_CONFIDENTIAL = "review_confidential"
VOTUM = "votum"

REVIEW_FIELDS = {
    "strengths": _("Stärken"),
    "weaknesses": _("Schwächen"),
    "proposed_conditions": _("Vorgeschlagene Auflagen"),
}
# `feld:` values for the review's fields (the field names are accepted too).
REVIEW_FIELD_SLUGS = {"staerken": "strengths", "schwaechen": "weaknesses", "auflagen": "proposed_conditions"}
VOTUM_PARTS = {"summary": _("Zusammenfassung des Votums"), "conditions": _("Auflagen")}
CONFIDENTIAL_PART = "confidential_note"

KIND_VALUES = {"gutachten": (REVIEW, REVIEW_CONFIDENTIAL), "votum": (VOTUM,)}

SCORE_LOOKUPS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}
SCORE_STAFF_ONLY = _("Der Filter score steht nur dem Projektträger und dem Ministerium zur Verfügung.")


# --- Places -----------------------------------------------------------------------------------------------------


def hit_url(kind, object_id, fragment=""):
    """The review stage's way to the place of one hit: checks the permission again, then redirects (or serves a PDF
    inline for an expert, so that `#page=N` opens the browser's viewer at that page)."""
    url = reverse("reviews:search_hit", args=[kind, object_id])
    return f"{url}#{fragment}" if fragment else url


def _is_expert(user):
    return rules.has_perm("reviews.use_expert_pages", user)


def submission_link(hit, user):
    return hit_url(alliance_search.SUBMISSION_SECTION, hit.object_id, alliance_search.section_anchor(hit.part))


def document_link(hit, user):
    if not _is_expert(user):
        return alliance_search.document_link(hit, user)
    return hit_url(alliance_search.DOCUMENT_PAGE, hit.object_id, f"page={hit.page}" if hit.page else "")


def review_link(hit, user):
    """To the review on the page its reader sees it on: a criterion's justification at the criterion's row, a
    field at the review."""
    is_criterion = hit.part and hit.part not in REVIEW_FIELDS and hit.part != CONFIDENTIAL_PART
    return hit_url(hit.kind, hit.object_id, f"kriterium-{hit.part}" if is_criterion else f"gutachten-{hit.object_id}")


def votum_link(hit, user):
    return hit_url(VOTUM, hit.object_id, "votum")


def review_part_label(part):
    if part in REVIEW_FIELDS:
        return REVIEW_FIELDS[part]
    if part == CONFIDENTIAL_PART:
        return _("Vertrauliche Notiz an das Ministerium")
    return _("Kriterium %(code)s") % {"code": part} if part else ""


def votum_part_label(part):
    return VOTUM_PARTS.get(part, "")


# --- Texts ------------------------------------------------------------------------------------------------------


def review_texts(review, strategy, scores):
    """The review's fields and each score's justification (part = the criterion's code)."""
    place = {"alliance_id": strategy.alliance_id, "cycle_id": strategy.cycle_id}
    texts = [IndexedText(body=getattr(review, name) or "", part=name, **place) for name in REVIEW_FIELDS]
    texts += [IndexedText(body=score.justification or "", part=score.criterion.code, **place) for score in scores]
    return texts


def confidential_texts(review, strategy):
    return [
        IndexedText(
            body=review.confidential_note or "",
            part=CONFIDENTIAL_PART,
            alliance_id=strategy.alliance_id,
            cycle_id=strategy.cycle_id,
        )
    ]


def votum_texts(votum, strategy):
    place = {"alliance_id": strategy.alliance_id, "cycle_id": strategy.cycle_id}
    return [IndexedText(body=getattr(votum, name) or "", part=name, **place) for name in VOTUM_PARTS]


def index_review(review):
    """The review's texts and its confidential note; call inside the service's transaction after the scores."""
    strategy = review.assignment.strategy
    scores = list(review.scores.select_related("criterion").order_by("criterion__position", "criterion__code"))
    index.replace_entries(kind=REVIEW, object_id=review.pk, texts=review_texts(review, strategy, scores))
    index.replace_entries(kind=REVIEW_CONFIDENTIAL, object_id=review.pk, texts=confidential_texts(review, strategy))


def index_votum(votum):
    index.replace_entries(kind=VOTUM, object_id=votum.pk, texts=votum_texts(votum, votum.strategy))


def _reviews_for_rebuild():
    return (
        Review.objects.select_related("assignment__strategy")
        .prefetch_related("scores__criterion")
        .order_by("pk")
        .iterator(chunk_size=alliance_search.REBUILD_BATCH)
    )


def reindex_reviews():
    return alliance_search.rebuild(
        REVIEW,
        (
            (r.pk, review_texts(r, r.assignment.strategy, sorted(r.scores.all(), key=lambda s: s.criterion.position)))
            for r in _reviews_for_rebuild()
        ),
    )


def reindex_confidential_notes():
    return alliance_search.rebuild(
        REVIEW_CONFIDENTIAL,
        ((r.pk, confidential_texts(r, r.assignment.strategy)) for r in _reviews_for_rebuild()),
    )


def reindex_voten():
    voten = PanelVotum.objects.select_related("strategy").order_by("pk")
    return alliance_search.rebuild(
        VOTUM, ((v.pk, votum_texts(v, v.strategy)) for v in voten.iterator(chunk_size=alliance_search.REBUILD_BATCH))
    )


# --- Who may read what --------------------------------------------------------------------------------------------


def _readable_assignments(user):
    """Assignments.readable_by: an expert's own cleared assignments (staff read through their own pages)."""
    return Assignment.objects.readable_by(user)


def submission_scope(user):
    """Experts with a cleared assignment read the strategy's latest snapshot (reviews.read_strategy); staff and
    managers read the live strategy instead (strategy_section), so that hits do not come twice."""
    if not _is_expert(user):
        return NOTHING
    return Q(
        object_id__in=Submission.objects.filter(strategy__in=_readable_assignments(user).values("strategy")).values(
            "pk"
        )
    )


def document_scope(user):
    """Managers and staff: as the strategy pages (alliances). Experts: reviews.download_document, narrowed to what
    holds without reading the snapshots' document lists: the current documents of a strategy they are cleared
    for while it stands submitted (then they are exactly the latest snapshot's documents)."""
    if not _is_expert(user):
        return alliance_search.document_readers_scope(user)
    strategies = _readable_assignments(user).filter(strategy__status=StrategyStatus.SUBMITTED).values("strategy")
    return alliance_search.objects_in(StrategyDocument.objects.filter(strategy__in=strategies))


def readable_reviews(user):
    """Review.visible_to, with what the pages show: staff read submitted reviews (drafts are the expert's own);
    an expert reads their own reviews and, once their own counting review is in, the other submitted reviews of
    the strategy's latest snapshot (the ones the assignment page shows beside their own)."""
    readable = Review.objects.visible_to(user)
    if rules.has_perm("reviews.use_office_pages", user):
        return readable.filter(status=ReviewStatus.SUBMITTED)
    if not _is_expert(user):
        return Review.objects.none()
    later = Submission.objects.filter(
        strategy=OuterRef("submission__strategy"), number__gt=OuterRef("submission__number")
    )
    return readable.filter(Q(assignment__expert=user) | ~Exists(later))


def review_scope(user):
    if not (rules.has_perm("reviews.use_office_pages", user) or _is_expert(user)):
        return NOTHING
    return alliance_search.objects_in(readable_reviews(user))


def confidential_scope(user):
    """The confidential note to the ministry: programme office and ministry only (never an expert, not even its
    author's colleagues, never an alliance), of submitted reviews."""
    if not rules.has_perm("reviews.see_expert_names", user):
        return NOTHING
    return alliance_search.objects_in(readable_reviews(user))


def votum_scope(user):
    """The Votum page belongs to the office pages (programme office writes, ministry reads)."""
    return Q() if rules.has_perm("reviews.use_office_pages", user) else NOTHING


# --- Filters ------------------------------------------------------------------------------------------------------


def _resolve_review_field(*, op, value, user):
    folded = filter_key(value)
    name = REVIEW_FIELD_SLUGS.get(folded) or (folded if folded in REVIEW_FIELDS else None)
    if name is None:
        return None
    if name == "proposed_conditions":
        # Conditions are the experts' proposals and the panel's Votum alike.
        return Q(kind=REVIEW, part=name) | Q(kind=VOTUM, part="conditions")
    return Q(kind=REVIEW, part=name)


def _resolve_criterion(*, op, value, user):
    value = value.strip()
    if not value:
        return None
    codes = Criterion.objects.filter(Q(code__iexact=value) | Q(title__icontains=value)).values("code")
    return Q(kind=REVIEW, part__in=codes)


def _criterion_values():
    from alliances.models import current_cycle

    cycle = current_cycle()
    if cycle is None:
        return []
    criteria = Criterion.objects.filter(rubric__cycle=cycle).order_by("-rubric__number", "position")
    seen = {}
    for code, title in criteria.values_list("code", "title"):
        seen.setdefault(code, title)
    return list(seen.items())


def _resolve_score(*, op, value, user):
    """The strategy's mean weighted score (StrategyScoreSummary.score_mean, 0–100); staff only, so that nobody else
    can probe a score through the number of hits."""
    from portal.search.query import QueryError

    if not rules.has_perm("reviews.use_office_pages", user):
        raise QueryError(SCORE_STAFF_ONLY)
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    if op in SCORE_LOOKUPS:
        condition = {f"score_mean__{SCORE_LOOKUPS[op]}": number}
    else:  # "=" or ":" — the shown score, rounded to whole points
        condition = {"score_mean__gte": number - 0.5, "score_mean__lt": number + 0.5}
    summaries = StrategyScoreSummary.objects.filter(
        strategy__alliance_id=OuterRef("alliance_id"), strategy__cycle_id=OuterRef("cycle_id"), **condition
    )
    return Q(Exists(summaries))


def _kind_values():
    return [("gutachten", str(_("Gutachten"))), ("votum", str(_("Votum")))]


def expert_reach(user, using="default"):
    """An expert reads the texts of the alliances they are cleared for only (and programme-wide ones)."""
    if not _is_expert(user):
        return None
    return list(_readable_assignments(user).using(using).values_list("strategy__alliance_id", flat=True))


def register():
    registry.register_reach(expert_reach)
    registry.register_kind(
        SearchKind(
            code=alliance_search.SUBMISSION_SECTION,
            label=_("Eingereichte Strategie"),
            scope=submission_scope,
            link=submission_link,
            part_label=alliance_search.section_label,
            reindex_all=alliance_search.reindex_submissions,
            order=15,
        )
    )
    registry.register_kind(
        SearchKind(
            code=alliance_search.DOCUMENT_PAGE,
            label=_("PDF-Seite"),
            scope=document_scope,
            link=document_link,
            reindex_all=alliance_search.reindex_documents,
            order=20,
        )
    )
    registry.register_kind(
        SearchKind(
            code=REVIEW,
            label=_("Gutachten"),
            scope=review_scope,
            link=review_link,
            part_label=review_part_label,
            reindex_all=reindex_reviews,
            order=50,
        )
    )
    registry.register_kind(
        SearchKind(
            code=REVIEW_CONFIDENTIAL,
            label=_("Vertrauliche Notiz"),
            scope=confidential_scope,
            link=review_link,
            part_label=review_part_label,
            reindex_all=reindex_confidential_notes,
            order=55,
        )
    )
    registry.register_kind(
        SearchKind(
            code=VOTUM,
            label=_("Votum"),
            scope=votum_scope,
            link=votum_link,
            part_label=votum_part_label,
            reindex_all=reindex_voten,
            order=60,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="feld",
            aliases=("abschnitt", "section", "field"),
            help=_("feld:staerken, feld:schwaechen – nur dieses Feld der Gutachten; feld:auflagen auch im Votum"),
            resolve=_resolve_review_field,
            values=lambda: [(slug, str(REVIEW_FIELDS[name])) for slug, name in REVIEW_FIELD_SLUGS.items()],
        )
    )
    registry.register_filter(
        SearchFilter(
            key="kriterium",
            aliases=("criterion",),
            help=_("kriterium:K1 – nur Begründungen zu diesem Kriterium (Kürzel oder Teil des Titels)"),
            resolve=_resolve_criterion,
            values=_criterion_values,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="art",
            aliases=("kind", "typ", "type"),
            help=_("art:gutachten – nur Gutachten; art:votum – nur Voten"),
            resolve=kind_filter(KIND_VALUES),
            values=_kind_values,
        )
    )
    registry.register_filter(
        SearchFilter(
            key="score",
            aliases=("punkte",),
            help=_("score>60 – nur Bündnisse mit dieser mittleren Punktzahl (0–100; Projektträger und Ministerium)"),
            resolve=_resolve_score,
            comparison=True,
        )
    )
