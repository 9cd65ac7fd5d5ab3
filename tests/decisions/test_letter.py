"""The decision letter: the internal rationale stays inside the ministry and the programme office, the letter's own
rationale is required where the decision burdens the alliance, and the letter carries its issuer, file reference,
contact, signer and date."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from decisions import selectors, services, validators
from decisions.forms import DecisionForm
from portal.models import NotificationKind, OutgoingMessage, Role
from tests.decisions.test_views import url
from tests.factories import AllianceFactory, UserFactory, decision_content, submitted_strategy
from tests.helpers import reauthenticated

pytestmark = pytest.mark.django_db

INTERNAL = "Haushaltslage angespannt, Referatsleitung informiert"
FOR_THE_LETTER = "Die Gutachten sehen die Verstetigung der Maßnahmen noch nicht gesichert."


@pytest.fixture
def strategy(cycle):
    alliance = AllianceFactory(
        slug="gesunde-lausitz",
        name="Gesunde Lausitz",
        postal_recipient="Hochschule Zittau/Görlitz",
        postal_street="Theodor-Körner-Allee 16",
        postal_code="02763",
        postal_city="Zittau",
        file_reference="03WIR2207A",
    )
    strategy, _submission = submitted_strategy(cycle, alliance)
    return strategy


@pytest.fixture
def requested(strategy):
    return selectors.requested_amount(strategy)


def propose(strategy, user, **overrides):
    return services.propose_decision(strategy=strategy, user=user, **decision_content(**overrides))


# --- Required fields ------------------------------------------------------------------------------------------


def test_a_rejection_without_a_rationale_for_the_letter_is_refused_in_german(strategy, bmbf1):
    with pytest.raises(ValidationError) as refused:
        propose(strategy, bmbf1, outcome="rejected", granted_amount=Decimal("0"), letter_rationale=" ")
    assert refused.value.messages == [
        "Bei einer Ablehnung oder einer Kürzung unter den beantragten Betrag braucht der Bescheid eine Begründung "
        "für das Bündnis."
    ]


def test_a_cut_without_a_rationale_for_the_letter_is_refused(strategy, bmbf1, requested):
    with pytest.raises(ValidationError, match="Kürzung"):
        propose(strategy, bmbf1, granted_amount=requested - 1, letter_rationale="")


def test_a_cut_without_an_internal_rationale_is_refused_in_german(strategy, bmbf1, requested):
    with pytest.raises(ValidationError) as refused:
        propose(strategy, bmbf1, granted_amount=requested - 1, rationale="", letter_rationale=FOR_THE_LETTER)
    assert refused.value.messages == ["Bitte begründen Sie die Entscheidung (interne Begründung)."]


def test_a_grant_in_full_needs_no_rationale_for_the_letter(strategy, bmbf1, requested):
    decision = propose(strategy, bmbf1, granted_amount=requested, letter_rationale="")
    assert decision.letter_rationale == "" and decision.rationale == "Überzeugende Strategie."


def test_a_change_that_turns_the_proposal_into_a_cut_needs_the_letter_s_rationale(strategy, bmbf1, bmbf2, requested):
    decision = propose(strategy, bmbf1, granted_amount=requested, letter_rationale="")
    with pytest.raises(ValidationError, match="Kürzung"):
        services.change_proposal(
            decision=decision,
            user=bmbf2,
            expected_version=decision.version,
            **decision_content(granted_amount=requested - 1000, letter_rationale=""),
        )


def test_the_form_says_which_rationale_leaves_the_ministry():
    form = DecisionForm()
    assert form.fields["rationale"].label == "Interne Begründung"
    assert "wird nicht an das Bündnis übermittelt" in form.fields["rationale"].help_text
    assert form.fields["letter_rationale"].label == "Begründung für den Bescheid"
    assert "Erscheint im Bescheid" in form.fields["letter_rationale"].help_text


def test_proposing_a_rejection_through_the_page_shows_the_german_refusal(client, strategy, bmbf1):
    client.force_login(bmbf1)
    reauthenticated(client)
    response = client.post(
        url("propose", strategy),
        {
            "outcome": "rejected",
            "granted_amount": "0",
            "funding_start": "2025-04-01",
            "funding_end": "2028-03-31",
            "rationale": INTERNAL,
            "letter_rationale": "",
        },
    )
    assert response.status_code == 422
    assert str(validators.LETTER_RATIONALE_REQUIRED) in response.content.decode()
    assert not strategy.decisions.exists()


# --- The letter's content -------------------------------------------------------------------------------------


@pytest.fixture
def released(strategy, bmbf1, requested, django_capture_on_commit_callbacks):
    confirmer = UserFactory(email="referentin@bmbf.example", role=Role.MINISTRY, full_name="Dr. Anna Beispiel")
    decision = propose(
        strategy, bmbf1, granted_amount=requested - 50000, rationale=INTERNAL, letter_rationale=FOR_THE_LETTER
    )
    services.confirm_decision(decision=decision, user=confirmer)
    with django_capture_on_commit_callbacks(execute=True):
        return services.release_decision(decision=decision, user=bmbf1)


def test_the_letter_carries_the_letter_s_rationale_and_never_the_internal_one(released):
    assert FOR_THE_LETTER in released.letter_html
    assert INTERNAL not in released.letter_html


def test_no_e_mail_to_the_alliance_carries_the_internal_rationale(released):
    messages = OutgoingMessage.objects.filter(kind=NotificationKind.DECISION)
    assert messages.exists()
    for message in messages:
        assert INTERNAL not in message.body_text and INTERNAL not in (message.body_html or "")
    assert mail.outbox
    for sent in mail.outbox:
        bodies = [sent.body, *(content for content, _type in getattr(sent, "alternatives", []))]
        assert all(INTERNAL not in str(body) for body in bodies)


def test_the_e_mail_to_the_alliance_names_the_issuing_ministry_from_the_settings(released):
    for message in OutgoingMessage.objects.filter(kind=NotificationKind.DECISION):
        assert "das Bundesministerium für Forschung, Technologie und Raumfahrt hat" in message.body_text
        assert "Bildung und Forschung" not in message.body_text + message.body_html


def test_the_letter_names_issuer_address_file_reference_contact_signer_and_date(released):
    letter = released.letter_html
    assert "Bundesministerium für Forschung, Technologie und Raumfahrt" in letter
    assert "Bundesministerium für Bildung und Forschung" not in letter
    for line in ("Hochschule Zittau/Görlitz", "Theodor-Körner-Allee 16", "02763 Zittau"):
        assert line in letter
    assert "03WIR2207A" in letter
    assert "Projektträger Jülich, Team WIR!" in letter
    assert "Dr. Anna Beispiel" in letter  # who confirmed the decision signs it
    assert timezone.localtime(released.released_at).strftime("%d.%m.%Y") in letter


def test_a_cycle_may_have_its_own_issuer_from_the_settings(strategy, bmbf1, bmbf2, requested):
    issuers = {
        "default": {"ministry": "Bundesministerium Standard", "division": "Referat 1", "contact_name": "Herr Muster"},
        strategy.cycle.slug: {
            "ministry": "Bundesministerium für Forschung, Technologie und Raumfahrt",
            "division": "Referat 524",
            "contact_phone": "+49 2461 61-0000",
            "signer_function": "Referatsleiterin",
        },
    }
    decision = services.confirm_decision(decision=propose(strategy, bmbf1, granted_amount=requested), user=bmbf2)
    with override_settings(DECISION_LETTER_ISSUERS=issuers):
        letter = services.render_letter(decision)
    assert "Referat 524" in letter and "Bundesministerium Standard" not in letter
    assert "Herr Muster" in letter  # what the cycle leaves out comes from the default
    assert "+49 2461 61-0000" in letter and "Referatsleiterin" in letter


def test_a_letter_before_release_is_dated_today(strategy, bmbf1, bmbf2, requested):
    decision = services.confirm_decision(decision=propose(strategy, bmbf1, granted_amount=requested), user=bmbf2)
    today = timezone.localdate()
    assert isinstance(today, datetime.date)
    assert today.strftime("%d.%m.%Y") in services.render_letter(decision)
