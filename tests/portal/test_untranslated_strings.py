"""No untranslated strings: every page that answers 200 is rendered in German and in English, and its visible text
holds no string of the other language's catalogue.

The German source strings are the msgids of locale/en/LC_MESSAGES/django.po, the English ones their msgstrs. Each is
cut at placeholders and markup into literal fragments; a fragment counts when it is longer than MIN_LENGTH and does
not occur on the other side of its own entry (proper names, "PDF/UA", "WIR!", … read the same in both languages).
A German fragment in an English page is a string the catalogue misses or a text hard-coded in German; an English
fragment in a German page is English that leaked into the German interface. Fragments that the database's own texts
hold (what users wrote, stored reasons) are left out: on a page they cannot be told apart from that content.
"""

import re
from html.parser import HTMLParser

import polib
import pytest
from django.urls import NoReverseMatch, reverse

from reviews.services.jury_mode import close_pitch, start_pitch
from tests.factories import berlin, jury_session, pitched
from tests.helpers import ROOT, project_routes
from tests.permission_routes import MATRIX_OF
from tests.reviews.test_office import build_world

pytestmark = pytest.mark.django_db

CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
MIN_LENGTH = 12
# Placeholders (%(name)s, %s, {name}) and markup end a fragment.
SEPARATORS = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}|<[^>]*>|\n")
# Attributes whose text users read or hear.
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt"}
# Pages whose body shows stored data in German by design, not interface text: e-mails are always German, history
# rows keep the German reason they were written with.
STORED_GERMAN = {
    "outbox": "lists the German e-mails",
    "outbox_message": "shows one German e-mail",
    "alliances:strategy_history": "history reasons are stored as written",
    "decisions:timeline": "history reasons are stored as written",
}
# Not pages: downloads, exports, redirects and the admin.
NOT_PAGES = ("export", "download", "json", "csv", "xlsx", "health", "admin:", "set_language", "account_logout")
# The language's own name in the switch is written in that language on every page.
OWN_NAMES = {"Deutsch", "English"}


def fragments(text):
    parts = (" ".join(part.split()) for part in SEPARATORS.split(text))
    return {part.strip(" .,:;–-·()") for part in parts if len(part.strip()) > MIN_LENGTH}


def catalogue_fragments():
    """(German fragments, English fragments) of the committed English catalogue."""
    german, english, both = set(), set(), set()
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        targets = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        targets = [target for target in targets if target]
        if not targets:
            continue
        source_text, target_text = " ".join(sources), " ".join(targets)
        if source_text == target_text:
            both |= fragments(source_text)
            continue
        german |= {part for source in sources for part in fragments(source) if part not in target_text}
        english |= {part for target in targets for part in fragments(target) if part not in source_text}
    # A fragment that is a string of both languages (the same word in two entries, or an entry left as it is, such as
    # "Administration") proves nothing; nor does an English term inside a German string ("Web Content Accessibility
    # Guidelines" in the German accessibility statement).
    german, english = german - english - both - OWN_NAMES, english - german - both - OWN_NAMES
    english = {part for part in english if not found_in(" | ".join(german), [part])}
    return german, english


class VisibleText(HTMLParser):
    """The text a reader sees or hears: text nodes outside script and style, and the read attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self.hidden += 1
        self.parts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(html):
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def found_in(text, candidates):
    """The candidates that occur in `text` as whole words (a fragment inside a longer word does not count)."""
    return sorted(
        candidate
        for candidate in candidates
        if candidate in text and re.search(r"(?<!\w)" + re.escape(candidate) + r"(?!\w)", text)
    )


def stored_texts():
    """Every text the database holds (the world's strategies, criteria, retention rules, history…): German content
    that users wrote is not an untranslated string, so catalogue fragments found in it are not checked."""
    from django.apps import apps
    from django.db.models import CharField, JSONField, TextField

    texts = []
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, (CharField, TextField, JSONField))]
        if names:
            texts.extend(str(value) for row in model._base_manager.values_list(*names) for value in row if value)
    return " ".join(" ".join(texts).split())


@pytest.fixture
def world(cycle):
    built = build_world(cycle)
    strategy, review = built["strategy"], built["review"]
    # The reviewing expert chairs a jury session in which the strategy's pitch has been held.
    chair = built["actors"]["expert"]
    session = jury_session(cycle, starts_at=berlin(2030, 11, 12, 9), hours=2, jurors=[chair], chair=chair)
    pitch = pitched(session, strategy)
    start_pitch(slot=pitch, user=chair)
    close_pitch(slot=pitch, user=chair)
    values = {
        "cycle_slug": cycle.slug,
        "alliance_slug": strategy.alliance.slug,
        "strategy_pk": strategy.pk,
        "expert_pk": built["free_expert"].pk,
        "review_pk": review.pk,
        "pk": review.assignment_id,
        "number": 1,
        "session_id": session.pk,
        "slot_uid": pitch.uid,
    }
    return built["actors"], values


def page_urls(values):
    """(name, url) of every listed route whose parameters the world can fill."""
    for name, parameters in project_routes():
        if name not in MATRIX_OF or name in STORED_GERMAN or any(part in name for part in NOT_PAGES):
            continue
        if not set(parameters) <= set(values):
            continue
        try:
            yield name, reverse(name, kwargs={key: values[key] for key in parameters})
        except NoReverseMatch:
            continue


def rendered_pages(client, actors, values):
    """{name: {language: visible text}} of each page, as the first role (anonymous first) that gets it with 200."""
    pages = {}
    for name, url in page_urls(values):
        for actor in actors.values():
            client.logout()
            if actor is not None:
                client.force_login(actor)
            german = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
            if german.status_code != 200 or not german["Content-Type"].startswith("text/html"):
                continue
            english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
            pages[name] = {"de": visible_text(german.content.decode()), "en": visible_text(english.content.decode())}
            break
    return pages


def test_fragments_are_cut_at_placeholders_and_markup():
    assert fragments("%(count)s Zuweisungen angelegt für <strong>%(name)s</strong>") == {"Zuweisungen angelegt für"}


def test_no_page_shows_a_string_of_the_other_language(client, world):
    german, english = catalogue_fragments()
    pages = rendered_pages(client, *world)
    stored = stored_texts()
    german = {fragment for fragment in german if not found_in(stored, [fragment])}
    english = {fragment for fragment in english if not found_in(stored, [fragment])}
    # The world reaches the pages of every stage; a test over a handful of pages would prove little.
    assert len(pages) >= 40, sorted(pages)
    leaks = {}
    for name, text in sorted(pages.items()):
        in_english = found_in(text["en"], german)
        in_german = found_in(text["de"], english)
        if in_english:
            leaks[f"{name} (en)"] = in_english
        if in_german:
            leaks[f"{name} (de)"] = in_german
    assert leaks == {}, "\n".join(f"{page}: {strings}" for page, strings in leaks.items())
