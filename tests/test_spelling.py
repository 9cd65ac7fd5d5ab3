"""The glossary's spelling of the expert: "Gutachter/in", "Gutachter/innen" (or the full pair "Gutachterinnen und
Gutachter"), never a gender star, colon, underscore or capital I."""

import re

from tests.helpers import ROOT

SCANNED = ["portal", "alliances", "reviews", "decisions", "dossiers", "templates", "static/js", "docs"]
SUFFIXES = {".py", ".html", ".txt", ".js", ".md"}
# Case matters: "Gutachterin" and "Gutachterinnen" are correct words, "GutachterIn" is the capital-I form.
WRONG = re.compile(r"[Gg]utachter(?:\*|:|_|·|\(|/-)in(?:nen)?|GutachterIn(?:nen)?")


def wrong_spellings(text):
    return WRONG.findall(text)


def test_the_pattern_catches_each_wrong_form_and_spares_the_right_ones():
    wrong = "Gutachter*in Gutachter:innen GutachterIn Gutachter_in Gutachter(in) GutachterInnen"
    right = "Gutachter/in Gutachter/innen Gutachterinnen und Gutachter die Gutachterin"
    assert len(wrong_spellings(wrong)) == 6
    assert wrong_spellings(right) == []


def test_no_source_file_spells_the_expert_differently():
    found = []
    for folder in SCANNED:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in SUFFIXES and path.is_file() and "vendor" not in path.parts:
                text = path.read_text(encoding="utf-8", errors="replace")
                found.extend(f"{path.relative_to(ROOT)}: {spelling}" for spelling in wrong_spellings(text))
    assert found == []
