"""Amounts typed in the interface's language and texts with a limit: an ambiguous amount is refused with an example
of how to write it, in German and in English; a text's line breaks count once, as the live counter counts them."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from alliances.forms import CycleSettingsForm, QuestionForm, StrategyForm
from alliances.models import SECTION_FIELDS, Alliance, BudgetLine
from decisions.forms import DecisionForm
from reviews.forms.expert import ReviewForm

pytestmark = pytest.mark.django_db


def save_url(strategy):
    return reverse("alliances:strategy_save", args=[strategy.cycle.slug, strategy.alliance.slug])


def form_data(strategy, **overrides):
    return {"version": strategy.version, **{name: f"Text für {name}" for name in SECTION_FIELDS}, **overrides}


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("de", "1.5", "„1.5“ ist nicht eindeutig. Bitte schreiben Sie den Betrag z. B. als 1.500,00 oder 1,50."),
        ("en", "1,5", "“1,5” is ambiguous. Please write the amount as, for example, 1,500.00 or 1.50."),
    ],
)
def test_an_ambiguous_budget_amount_is_refused_with_an_example_in_the_language(strategy, language, typed, message):
    year = strategy.cycle.first_funding_year
    with translation.override(language):
        form = StrategyForm(form_data(strategy, **{f"budget_{year}_travel": typed}), strategy=strategy)
        assert not form.is_valid()
        assert form.has_error(f"budget_{year}_travel", code="ambiguous")
        [error] = form.errors[f"budget_{year}_travel"]
    assert message in error


def test_in_german_1_5_is_refused_and_nothing_is_stored(manager_client, strategy):
    response = manager_client.post(save_url(strategy), form_data(strategy, budget_2025_travel="1.5"))
    assert response.status_code == 422
    assert "„1.5“ ist nicht eindeutig." in response.content.decode()
    assert not BudgetLine.objects.exists()


def test_in_english_1_5_is_stored_as_one_euro_fifty(manager_client, strategy):
    response = manager_client.post(
        save_url(strategy),
        form_data(strategy, budget_2025_travel="1.5", budget_2025_personnel="274,499.00"),
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    amounts = dict(BudgetLine.objects.filter(strategy=strategy).values_list("category", "amount"))
    assert amounts == {"travel": Decimal("1.50"), "personnel": Decimal("274499.00")}


@pytest.mark.parametrize(
    ("form_class", "field", "extra"),
    [(DecisionForm, "granted_amount", {}), (CycleSettingsForm, "budget", {})],
)
def test_every_typed_amount_refuses_an_ambiguous_entry(form_class, field, extra):
    with translation.override("de"):
        form = form_class({field: "1.5", **extra})
        form.is_valid()
        assert form.has_error(field, code="ambiguous")
    with translation.override("en"):
        form = form_class({field: "1.5", **extra})
        form.is_valid()
        assert not form.has_error(field)


def test_an_amount_input_carries_the_hint_in_the_request_language(strategy):
    year = strategy.cycle.first_funding_year
    form = StrategyForm(strategy=strategy)
    with translation.override("en"):
        html = str(form[f"budget_{year}_travel"])
    assert 'inputmode="decimal"' in html
    assert " data-amount " in html
    assert 'data-amount-hint="Please write the amount as, for example, 1,500.00 or 1.50."' in html


def test_limited_texts_show_their_limit_to_the_counter_but_let_the_browser_keep_a_long_paste(strategy, alliance):
    rendered = [
        str(StrategyForm(strategy=strategy)["summary"]),
        str(QuestionForm(alliances=Alliance.objects.filter(pk=alliance.pk))["text"]),
        str(ReviewForm(criteria=[])["strengths"]),
    ]
    for html in rendered:
        assert "data-maxlength=" in html
        assert " maxlength=" not in html
        assert 'data-counter-text="%(count)s von %(limit)s Zeichen"' in html
    assert 'data-maxlength="5000"' in rendered[0]


def test_line_breaks_count_once_as_in_the_browser(manager_client, strategy):
    # 2,500 lines of one letter: 5,000 characters with "\n", 7,500 as the browser sends them ("\r\n").
    text = "a\r\n" * 2499 + "ab"
    response = manager_client.post(save_url(strategy), form_data(strategy, summary=text))
    assert response.status_code == 302
    strategy.refresh_from_db()
    assert strategy.summary == text.replace("\r\n", "\n")
    assert len(strategy.summary) == 5000


def test_one_character_past_the_limit_is_refused_and_nothing_is_stored(manager_client, strategy):
    text = "a\r\n" * 2499 + "abc"
    response = manager_client.post(save_url(strategy), form_data(strategy, summary=text))
    assert response.status_code == 422
    assert "höchstens 5000 Zeichen, eingegeben 5001" in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.summary == ""
