from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliances import services
from alliances.models import SECTION_FIELDS, BudgetCategory, DocumentKind, StrategyStatus, Submission
from alliances.signals import strategy_submitted
from tests.factories import CompleteStrategyFactory, checked_document, pdf_upload
from tests.helpers import race

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete_strategy(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload("Strategie.pdf", pages=2))
    strategy.refresh_from_db()
    return strategy


def save(strategy, user, **overrides):
    values = {"sections": {"summary": "Neu"}, "budget": {}, "expected_version": strategy.version}
    values.update(overrides)
    return services.save_strategy_draft(strategy=strategy, user=user, **values)


def test_saving_a_draft_bumps_the_version_and_records_history(strategy, manager):
    saved = save(
        strategy,
        manager,
        sections={"summary": "  Unsere Strategie.  "},
        budget={(2025, BudgetCategory.PERSONNEL): Decimal("1000.50")},
    )
    assert saved.version == strategy.version + 1
    assert saved.summary == "Unsere Strategie."
    assert saved.budget_lines.get().amount == Decimal("1000.50")
    assert saved.history.first().history_user == manager


def test_a_stale_version_is_refused_and_nothing_is_stored(strategy, manager):
    save(strategy, manager, sections={"summary": "Fassung A"})
    with pytest.raises(services.StrategyConflict):
        save(strategy, manager, sections={"summary": "Fassung B"}, expected_version=strategy.version)
    strategy.refresh_from_db()
    assert strategy.summary == "Fassung A"


def test_emptying_a_budget_cell_removes_its_line_and_keeps_the_history(strategy, manager):
    saved = save(strategy, manager, budget={(2025, BudgetCategory.TRAVEL): Decimal("500")})
    saved = save(saved, manager, budget={(2025, BudgetCategory.TRAVEL): None})
    assert not saved.budget_lines.exists()
    assert saved.budget_lines.model.history.filter(history_type="-").count() == 1


def test_submitting_freezes_a_snapshot_and_locks_editing(complete_strategy, manager):
    submission = services.submit_strategy(strategy=complete_strategy, user=manager)
    complete_strategy.refresh_from_db()
    assert complete_strategy.status == StrategyStatus.SUBMITTED
    assert submission.number == 1
    assert submission.sections["summary"] == "Zusammenfassung der Strategie."
    assert submission.budget == [{"year": 2025, "category": "personnel", "amount": "500000.00"}]
    document = complete_strategy.documents.get()
    # The receipt's hash is the uploader's file; the served copy's hash stands beside it.
    assert submission.documents[0]["sha256"] == document.original_sha256
    assert submission.documents[0]["served_sha256"] == document.sha256
    assert len(submission.fingerprint) == 64
    with pytest.raises(services.StrategyLocked):
        save(complete_strategy, manager)


def test_submission_emails_a_receipt_with_timestamp_and_fingerprint(
    complete_strategy, manager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submit_strategy(strategy=complete_strategy, user=manager)
    assert len(mail.outbox) == 1
    receipt = mail.outbox[0]
    assert receipt.to == [manager.email]
    assert "Eingangsbestätigung" in receipt.subject
    assert submission.fingerprint in receipt.body
    assert timezone.localtime(submission.submitted_at).strftime("%d.%m.%Y, %H:%M:%S") in receipt.body


def test_submission_announces_itself_after_commit(complete_strategy, manager, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, submission, **kwargs):
        heard.append(submission.pk)

    strategy_submitted.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            submission = services.submit_strategy(strategy=complete_strategy, user=manager)
    finally:
        strategy_submitted.disconnect(listener)
    assert heard == [submission.pk]


def test_submission_is_immutable(complete_strategy, manager):
    submission = services.submit_strategy(strategy=complete_strategy, user=manager)
    submission.sections = {"summary": "manipuliert"}
    with pytest.raises(ValueError, match="immutable"):
        submission.save()


def test_an_incomplete_strategy_is_refused_with_every_missing_part(strategy, manager):
    with pytest.raises(services.SubmissionRefused) as refused:
        services.submit_strategy(strategy=strategy, user=manager)
    reasons = " ".join(str(reason) for reason in refused.value.reasons)
    assert "Zusammenfassung" in reasons
    assert "Finanzplan" in reasons
    assert "Strategiedokument" in reasons
    assert not Submission.objects.exists()


def test_submitting_after_the_deadline_is_refused(complete_strategy, manager):
    late = complete_strategy.cycle.submission_deadline + timedelta(seconds=1)
    with pytest.raises(services.StrategyLocked, match="Frist"):
        services.submit_strategy(strategy=complete_strategy, user=manager, now=late)
    assert not Submission.objects.exists()


def test_an_extension_lets_one_alliance_submit_after_the_general_deadline(complete_strategy, manager, programme_office):
    cycle = complete_strategy.cycle
    services.extend_deadline(
        strategy=complete_strategy,
        user=programme_office,
        new_deadline=cycle.submission_deadline + timedelta(days=3),
        reason="Krankheit im Team",
    )
    late = cycle.submission_deadline + timedelta(days=1)
    submission = services.submit_strategy(strategy=complete_strategy, user=manager, now=late)
    assert submission.submitted_at == late
    assert complete_strategy.deadline_extensions.get().granted_by == programme_office


def test_an_extension_needs_a_reason_and_a_future_date(strategy, programme_office):
    with pytest.raises(ValidationError):
        services.extend_deadline(
            strategy=strategy, user=programme_office, new_deadline=timezone.now() + timedelta(days=1), reason=" "
        )
    with pytest.raises(ValidationError):
        services.extend_deadline(
            strategy=strategy,
            user=programme_office,
            new_deadline=timezone.now() - timedelta(days=1),
            reason="Begründung",
        )


def test_reopening_keeps_the_old_snapshot_and_allows_a_second_submission(complete_strategy, manager, programme_office):
    first = services.submit_strategy(strategy=complete_strategy, user=manager)
    services.reopen_submission(
        strategy=complete_strategy, user=programme_office, reason="Finanzplan unvollständig, bitte ergänzen"
    )
    complete_strategy.refresh_from_db()
    assert complete_strategy.status == StrategyStatus.REOPENED
    save(
        complete_strategy,
        manager,
        sections={**dict.fromkeys(SECTION_FIELDS, "x"), "summary": "Überarbeitet"},
        budget={(2025, BudgetCategory.PERSONNEL): Decimal("600000")},
    )
    second = services.submit_strategy(strategy=complete_strategy, user=manager)
    first.refresh_from_db()
    assert first.sections["summary"] == "Zusammenfassung der Strategie."
    assert first.reopening.reason == "Finanzplan unvollständig, bitte ergänzen"
    assert second.number == 2
    assert second.fingerprint != first.fingerprint


def test_reopening_needs_a_reason_and_a_submitted_strategy(complete_strategy, manager, programme_office):
    with pytest.raises(ValidationError):
        services.reopen_submission(strategy=complete_strategy, user=programme_office, reason="Grund genug")
    services.submit_strategy(strategy=complete_strategy, user=manager)
    with pytest.raises(ValidationError):
        services.reopen_submission(strategy=complete_strategy, user=programme_office, reason="")


def test_a_new_main_document_replaces_the_old_one_but_keeps_its_file(complete_strategy, manager):
    old = complete_strategy.documents.get()
    checked_document(complete_strategy, manager, DocumentKind.MAIN, pdf_upload("Neu.pdf"))
    old.refresh_from_db()
    assert old.removed_at is not None
    assert old.file.storage.exists(old.file.name)
    assert [doc.original_name for doc in complete_strategy.active_documents()] == ["Neu.pdf"]


def test_documents_are_stored_under_server_generated_names(strategy, manager):
    document = checked_document(strategy, manager, DocumentKind.ANNEX, pdf_upload("../../böse name.pdf"))
    assert document.file.name == f"strategies/{strategy.pk}/{document.public_id}.pdf"
    assert document.original_name == "böse name.pdf"


def test_a_file_without_a_pdf_header_stores_nothing(strategy, manager, tmp_path):
    with pytest.raises(ValidationError):
        services.add_strategy_document(
            strategy=strategy,
            user=manager,
            kind=DocumentKind.MAIN,
            uploaded_file=pdf_upload(content=b"kein PDF, nur Text"),
        )
    assert not strategy.documents.exists()
    assert not [path for path in (tmp_path / "private").rglob("*") if path.is_file()]


def test_a_damaged_pdf_is_refused_by_the_check_and_keeps_no_file(strategy, manager, tmp_path):
    document = checked_document(strategy, manager, DocumentKind.MAIN, pdf_upload(content=b"%PDF-1.7 kaputt"))
    assert document.check_status == "refused"
    assert "beschädigt" in document.check_message
    assert not document.file
    assert not strategy.active_documents().exists()
    assert not [path for path in (tmp_path / "private").rglob("*") if path.is_file()]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_with_the_same_version_let_exactly_one_win(cycle, alliance, manager):
    strategy = CompleteStrategyFactory(cycle=cycle, alliance=alliance)
    outcomes = race(
        lambda text: save(strategy, manager, sections={"summary": text}, expected_version=strategy.version),
        ["A", "B"],
        services.StrategyConflict,
    )
    assert sorted(outcomes.values()) == ["refused", "won"]


def test_the_latest_submission_and_submitted_strategies_have_one_home(cycle, alliance, programme_office):
    from alliances.models import Strategy
    from tests.factories import submitted_strategy

    strategy, first = submitted_strategy(cycle, alliance)
    assert strategy.latest_submission == first
    assert list(Strategy.objects.submitted()) == [strategy]
    services.reopen_submission(strategy=strategy, user=programme_office, reason="Budget fehlt.")
    strategy.refresh_from_db()
    assert not Strategy.objects.submitted().exists()
    second = services.submit_strategy(strategy=strategy, user=first.submitted_by)
    assert strategy.latest_submission == second
    prefetched = Strategy.objects.prefetch_related("submissions").get(pk=strategy.pk)
    assert prefetched.latest_submission == second
