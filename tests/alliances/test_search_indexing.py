"""The alliances stage keeps its texts in the search index: every service that writes a strategy section, a
snapshot, a checked PDF, a question or a FAQ entry writes its entries in its own transaction, and the PDF text is
extracted page by page in the worker, bounded. The filters this stage adds resolve to conditions over the index."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from alliances import search, services
from alliances.models import SECTION_FIELDS, DocumentKind, FederalState, StrategyDocument
from alliances.services.document_text import extract_page_texts
from portal.models import SearchEntry
from portal.search import registry
from tests.factories import (
    AllianceFactory,
    CompleteStrategyFactory,
    UserFactory,
    asked_question,
    checked_document,
    manager_of,
    pdf_upload,
    submitted_strategy,
    text_pdf_bytes,
)
from tests.helpers import resolve_filter, wait_for

pytestmark = pytest.mark.django_db

PAGES = [
    "Deckblatt der Strategie",
    "Wasserstoff aus der Lausitz\nElektrolyseur am Standort Schwarze Pumpe",
    "Fachkräftesicherung mit der Hochschule",
]


def entries(kind, object_id=None):
    rows = SearchEntry.objects.filter(kind=kind)
    if object_id is not None:
        rows = rows.filter(object_id=object_id)
    return {(row.part, row.page): row.body for row in rows}


def sections(strategy, **changes):
    values = {name: getattr(strategy, name) for name in SECTION_FIELDS}
    values.update(changes)
    return values


def save_draft(strategy, user, **changes):
    strategy.refresh_from_db()
    return services.save_strategy_draft(
        strategy=strategy,
        user=user,
        sections=sections(strategy, **changes),
        budget={},
        expected_version=strategy.version,
    )


def text_upload(pages=PAGES, name="strategie.pdf"):
    return pdf_upload(name=name, content=text_pdf_bytes(pages))


# --- Strategy sections and snapshots ----------------------------------------------------------------------------


def test_saving_a_draft_indexes_each_section_and_replaces_the_earlier_text(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    save_draft(strategy, manager, measures="Ein Elektrolyseur für grünen Wasserstoff.", continuation="")
    indexed = entries(search.STRATEGY_SECTION, strategy.pk)
    assert indexed[("measures", 0)] == "Ein Elektrolyseur für grünen Wasserstoff."
    assert ("continuation", 0) not in indexed  # an empty section has no entry
    assert set(indexed) == {(name, 0) for name in SECTION_FIELDS if name != "continuation"}
    row = SearchEntry.objects.get(kind=search.STRATEGY_SECTION, object_id=strategy.pk, part="measures")
    assert (row.alliance_id, row.cycle_id) == (alliance.pk, cycle.pk)

    save_draft(strategy, manager, measures="Jetzt Batteriespeicher.")
    assert entries(search.STRATEGY_SECTION, strategy.pk)[("measures", 0)] == "Jetzt Batteriespeicher."
    assert not SearchEntry.objects.filter(body__contains="Elektrolyseur").exists()


def test_a_refused_save_leaves_the_index_as_it_was(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    save_draft(strategy, manager, measures="Erste Fassung.")
    with pytest.raises(services.StrategyConflict):
        services.save_strategy_draft(
            strategy=strategy,
            user=manager,
            sections=sections(strategy, measures="Verlorene Fassung."),
            budget={},
            expected_version=1,
        )
    assert entries(search.STRATEGY_SECTION, strategy.pk)[("measures", 0)] == "Erste Fassung."


def test_submitting_indexes_the_snapshot_and_a_resubmission_replaces_the_older_one(
    cycle, alliance, manager, programme_office
):
    strategy, first = submitted_strategy(cycle, alliance, manager=manager, measures="Reallabor in Weißwasser.")
    assert entries(search.SUBMISSION_SECTION, first.pk)[("measures", 0)] == "Reallabor in Weißwasser."
    services.reopen_submission(
        strategy=strategy,
        user=programme_office,
        reason="Bitte ergänzen.",
        extend_until=strategy.deadline + timedelta(1),
    )
    save_draft(strategy, manager, measures="Reallabor in Cottbus.")
    second = services.submit_strategy(strategy=strategy, user=manager)
    assert entries(search.SUBMISSION_SECTION) == {(name, 0): body for name, body in second.sections.items() if body}
    assert not SearchEntry.objects.filter(kind=search.SUBMISSION_SECTION, object_id=first.pk).exists()
    # The live draft follows the manager's save, the snapshot the submission.
    assert entries(search.STRATEGY_SECTION, strategy.pk)[("measures", 0)] == "Reallabor in Cottbus."


# --- PDF pages ----------------------------------------------------------------------------------------------------


def test_a_checked_pdf_is_indexed_page_by_page_after_commit(
    cycle, alliance, manager, django_capture_on_commit_callbacks
):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        document = checked_document(strategy, manager, DocumentKind.MAIN, text_upload())
    assert document.is_checked and len(callbacks) >= 1
    pages = entries(search.DOCUMENT_PAGE, document.pk)
    assert set(pages) == {("", 1), ("", 2), ("", 3)}
    assert "Elektrolyseur am Standort Schwarze Pumpe" in pages[("", 2)]
    assert "Fachkräftesicherung mit der Hochschule" in pages[("", 3)]
    row = SearchEntry.objects.get(kind=search.DOCUMENT_PAGE, object_id=document.pk, page=2)
    assert (row.alliance_id, row.cycle_id) == (alliance.pk, cycle.pk)


def test_nothing_is_extracted_before_the_check_has_committed(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    document = checked_document(strategy, manager, DocumentKind.MAIN, text_upload())
    assert document.is_checked
    assert entries(search.DOCUMENT_PAGE) == {}


def test_extraction_runs_again_without_change_and_skips_a_removed_document(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    document = checked_document(strategy, manager, DocumentKind.ANNEX, text_upload())
    assert services.index_document_text(document_id=document.pk) == 3
    first = entries(search.DOCUMENT_PAGE, document.pk)
    assert services.index_document_text(document_id=document.pk) == 3
    assert entries(search.DOCUMENT_PAGE, document.pk) == first
    services.remove_strategy_document(document=document, user=manager)
    assert entries(search.DOCUMENT_PAGE, document.pk) == {}
    # A redelivered task for the removed document writes nothing.
    assert services.index_document_text(document_id=document.pk) == 0
    assert entries(search.DOCUMENT_PAGE) == {}
    assert services.index_document_text(document_id=document.pk + 1000) == 0


def test_a_refused_upload_has_no_text_in_the_index(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    document = checked_document(strategy, manager, DocumentKind.ANNEX, pdf_upload(content=b"%PDF-1.7 kaputt"))
    assert document.is_refused
    assert services.index_document_text(document_id=document.pk) == 0
    assert entries(search.DOCUMENT_PAGE) == {}


def test_a_new_main_document_takes_the_place_of_the_previous_ones_pages(
    cycle, alliance, manager, django_capture_on_commit_callbacks
):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    with django_capture_on_commit_callbacks(execute=True):
        old = checked_document(strategy, manager, DocumentKind.MAIN, text_upload(["Alte Fassung mit Biogas"]))
    with django_capture_on_commit_callbacks(execute=True):
        new = checked_document(strategy, manager, DocumentKind.MAIN, text_upload(["Neue Fassung mit Wasserstoff"]))
    old.refresh_from_db()
    assert old.removed_at is not None
    assert entries(search.DOCUMENT_PAGE) == {("", 1): "Neue Fassung mit Wasserstoff"}
    assert SearchEntry.objects.get(kind=search.DOCUMENT_PAGE).object_id == new.pk


def test_extraction_stops_at_the_page_cap_and_at_the_deadline():
    content = io.BytesIO(text_pdf_bytes([f"Seite {n}" for n in range(1, 11)]))
    assert [text.strip() for text in extract_page_texts(content, max_pages=4)] == [
        "Seite 1",
        "Seite 2",
        "Seite 3",
        "Seite 4",
    ]
    ticks = iter(range(100))  # each page costs one second on this clock

    def clock():
        return next(ticks)

    assert len(extract_page_texts(io.BytesIO(content.getvalue()), seconds=3, clock=clock)) == 3


def test_a_file_that_is_no_pdf_gives_no_text_and_no_error():
    assert extract_page_texts(io.BytesIO(b"%PDF-1.7 nichts weiter")) == []
    assert extract_page_texts(io.BytesIO(b"")) == []


def test_a_real_worker_extracts_the_text_of_an_upload_after_its_check(celery_worker, cycle, alliance):
    """The upload goes the whole way: the request stores it, the worker checks it and then, on the pdf queue,
    extracts its pages into the index."""
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    manager = manager_of(alliance)
    document = services.add_strategy_document(
        strategy=strategy, user=manager, kind=DocumentKind.MAIN, uploaded_file=text_upload()
    )
    assert wait_for(lambda: SearchEntry.objects.filter(kind=search.DOCUMENT_PAGE, object_id=document.pk).count() == 3)
    assert StrategyDocument.objects.get(pk=document.pk).is_checked
    assert "Schwarze Pumpe" in SearchEntry.objects.get(kind=search.DOCUMENT_PAGE, page=2).body


# --- Questions and the FAQ ------------------------------------------------------------------------------------------


def test_a_question_is_indexed_when_asked_and_again_when_answered(cycle, alliance, manager, programme_office):
    CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    question = asked_question(cycle, alliance, manager, text="Zählt ein Elektrolyseur als Investition?")
    assert entries(search.QUESTION, question.pk) == {("question", 0): "Zählt ein Elektrolyseur als Investition?"}
    services.answer_question(
        question=question, user=programme_office, answer="Ja, als Investition.", expected_version=question.version
    )
    assert entries(search.QUESTION, question.pk) == {
        ("question", 0): "Zählt ein Elektrolyseur als Investition?",
        ("answer", 0): "Ja, als Investition.",
    }
    row = SearchEntry.objects.get(kind=search.QUESTION, part="answer")
    assert (row.alliance_id, row.cycle_id) == (alliance.pk, cycle.pk)


def test_internal_comments_are_not_indexed_with_the_question(cycle, alliance, manager, programme_office):
    CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    question = asked_question(cycle, alliance, manager)
    services.add_question_comment(question=question, user=programme_office, text="Intern: Haushaltsreferat fragen")
    assert not SearchEntry.objects.filter(body__contains="Haushaltsreferat").exists()


def test_publishing_to_the_faq_indexes_the_anonymised_entry_without_an_alliance(
    cycle, alliance, manager, programme_office
):
    CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    question = asked_question(cycle, alliance, manager, text="Gesunde Lausitz: dürfen wir Geräte kaufen?")
    question = services.answer_question(
        question=question, user=programme_office, answer="Ja.", expected_version=question.version
    )
    entry = services.publish_to_faq(
        question=question,
        user=programme_office,
        topic="budget",
        question_text="Dürfen Bündnisse Geräte kaufen?",
        answer_text="Ja, als Investition.",
    )
    assert entries(search.FAQ, entry.pk) == {
        ("question", 0): "Dürfen Bündnisse Geräte kaufen?",
        ("answer", 0): "Ja, als Investition.",
    }
    row = SearchEntry.objects.get(kind=search.FAQ, part="question")
    assert (row.alliance_id, row.cycle_id) == (None, cycle.pk)


# --- Rebuilding -------------------------------------------------------------------------------------------------


def test_the_rebuild_command_writes_the_same_entries_as_the_services(
    cycle, alliance, manager, programme_office, django_capture_on_commit_callbacks
):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    with django_capture_on_commit_callbacks(execute=True):
        checked_document(strategy, manager, DocumentKind.MAIN, text_upload())
    save_draft(strategy, manager, measures="Wasserstoff-Reallabor.")
    services.submit_strategy(strategy=strategy, user=manager)
    asked_question(cycle, alliance, manager, text="Wie lange dauert es?")
    written = sorted(SearchEntry.objects.values_list("kind", "object_id", "part", "page", "body"))
    SearchEntry.objects.all().delete()
    # A row of a kind nobody registers any more leaves the index.
    SearchEntry.objects.create(kind="retired_kind", object_id=1, body="alt", indexed_at=timezone.now())
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert sorted(SearchEntry.objects.values_list("kind", "object_id", "part", "page", "body")) == written
    assert "document_page: 3 Einträge" in out.getvalue()
    assert set(registry.kinds()) >= {
        search.STRATEGY_SECTION,
        search.SUBMISSION_SECTION,
        search.DOCUMENT_PAGE,
        search.QUESTION,
        search.FAQ,
    }


def test_the_rebuild_command_can_leave_a_built_index_alone(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    out = io.StringIO()
    call_command("rebuild_search_index", if_empty=True, stdout=out)
    assert SearchEntry.objects.filter(kind=search.STRATEGY_SECTION, object_id=strategy.pk).count() == 7
    SearchEntry.objects.filter(part="measures").delete()
    call_command("rebuild_search_index", if_empty=True, stdout=out)
    assert not SearchEntry.objects.filter(part="measures").exists()
    assert "schon aufgebaut" in out.getvalue()


def test_the_rebuild_command_refuses_an_unknown_kind():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Unbekannte Art: erfunden"):
        call_command("rebuild_search_index", kind=["erfunden"])


# --- Filters --------------------------------------------------------------------------------------------------


def resolve(key, value):
    return resolve_filter(key, value, columns=("kind", "alliance_id", "part"))


@pytest.fixture
def two_strategies(cycle, programme_office):
    for code, name in (("BY", "Bayern"), ("SN", "Sachsen"), ("BB", "Brandenburg")):
        FederalState.objects.get_or_create(code=code, defaults={"name": name})
    bavarian = AllianceFactory(name="Wasserstoff Oberpfalz", acronym="H2OPF", slug="h2-oberpfalz", states=["BY"])
    saxon = AllianceFactory(name="Lausitzer Energie", acronym="LE", slug="lausitzer-energie", states=["SN", "BB"])
    made = {}
    for alliance in (bavarian, saxon):
        strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
        save_draft(strategy, manager_of(alliance), measures=f"Maßnahmen von {alliance.acronym}")
        made[alliance.acronym] = strategy
    submitted = made["LE"]
    manager = submitted.alliance.memberships.first().user
    checked_document(submitted, manager, DocumentKind.MAIN, pdf_upload())
    services.submit_strategy(strategy=submitted, user=manager)
    return made


def test_field_filters_take_the_german_slug_umlauts_or_the_field_name(two_strategies):
    for value in ("massnahmen", "Maßnahmen", "measures"):
        assert {kind for kind, _a, part in resolve("feld", value)} == {
            search.STRATEGY_SECTION,
            search.SUBMISSION_SECTION,
        }
        assert {part for _k, _a, part in resolve("abschnitt", value)} == {"measures"}
    assert {part for _k, _a, part in resolve("feld", "fachkraefte")} == {"skilled_workers"}
    assert resolve("feld", "erfunden") is None


def test_alliance_state_and_status_filters_select_by_the_entry_s_alliance(two_strategies):
    bavarian, saxon = two_strategies["H2OPF"].alliance_id, two_strategies["LE"].alliance_id
    assert {a for _k, a, _p in resolve("buendnis", "h2opf")} == {bavarian}
    assert {a for _k, a, _p in resolve("bündnis", "lausitzer")} == {saxon}
    assert {a for _k, a, _p in resolve("alliance", "lausitzer-energie")} == {saxon}
    assert resolve("buendnis", "gibt es nicht") == set()
    assert {a for _k, a, _p in resolve("land", "BY")} == {bavarian}
    assert {a for _k, a, _p in resolve("land", "brandenburg")} == {saxon}
    assert resolve("land", "Atlantis") == set()
    assert {a for _k, a, _p in resolve("status", "eingereicht")} == {saxon}
    assert {a for _k, a, _p in resolve("status", "Entwurf")} == {bavarian}
    assert resolve("status", "verschollen") is None


def test_kind_filter_names_the_kinds_of_each_stage(two_strategies):
    assert {kind for kind, _a, _p in resolve("art", "strategie")} == {
        search.STRATEGY_SECTION,
        search.SUBMISSION_SECTION,
    }
    assert resolve("art", "pdf") == set()
    assert resolve("art", "unbekannt") is None


def test_group_labels_name_acronym_and_alliance_in_one_query(two_strategies, django_assert_num_queries):
    ids = {strategy.alliance_id for strategy in two_strategies.values()}
    with django_assert_num_queries(1):
        labels = registry.group_labels(ids)
    assert sorted(labels.values()) == ["H2OPF – Wasserstoff Oberpfalz", "LE – Lausitzer Energie"]


def test_a_strategy_hit_link_names_kind_id_and_section():
    hit = type("Hit", (), {"kind": search.STRATEGY_SECTION, "object_id": 7, "part": "measures", "page": 0})()
    assert search.section_link(hit, UserFactory.build()) == "/hits/alliances/strategy_section/7/#abschnitt-measures"
    page = type("Hit", (), {"kind": search.DOCUMENT_PAGE, "object_id": 9, "part": "", "page": 12})()
    assert search.document_link(page, UserFactory.build()) == "/hits/alliances/document_page/9/#page=12"
