import os
import re
import shutil
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

from tests.helpers import ROOT, run_in_checkout

PO_PATH = Path("locale") / "en" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ["portal", "alliances", "reviews", "decisions", "dossiers", "templates", "locale"]
SOURCE_FILES = ["manage.py"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def committed_catalogue():
    return polib.pofile(str(ROOT / PO_PATH))


def msgid_keys(catalogue):
    return {(entry.msgid, entry.msgctxt) for entry in catalogue if not entry.obsolete}


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def describe(entry):
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"{entry.msgid!r}{context}"


def listing(keys):
    return "\n".join(f"  {msgid!r}" + (f" (context {ctx!r})" if ctx else "") for msgid, ctx in keys)


def test_catalogue_is_fully_translated_and_keeps_placeholders():
    catalogue = committed_catalogue()
    untranslated = [
        describe(entry)
        for entry in catalogue
        if not entry.obsolete
        and (not all(entry.msgstr_plural.get(i) for i in range(2)) if entry.msgid_plural else not entry.msgstr)
    ]
    fuzzy = [describe(entry) for entry in catalogue if "fuzzy" in entry.flags]
    obsolete = [describe(entry) for entry in catalogue.obsolete_entries()]
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)
    assert not fuzzy, "Fuzzy entries:\n" + "\n".join(fuzzy)
    assert not obsolete, "Obsolete entries:\n" + "\n".join(obsolete)

    mismatched = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            pairs = [
                (entry.msgid if index == 0 else entry.msgid_plural, text)
                for index, text in sorted(entry.msgstr_plural.items())
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if placeholders(source) != placeholders(text):
                mismatched.append(f"{describe(entry)}: {placeholders(source)} != {placeholders(text)} in {text!r}")
    assert not mismatched, "Placeholders differ from the German source:\n" + "\n".join(mismatched)


def test_catalogue_covers_every_string_in_the_source(tmp_path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail(
            "GNU gettext (xgettext, msgmerge) is missing; `make test` installs it with the Debian package `gettext`."
        )
    workdir = tmp_path / "project"
    workdir.mkdir()
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, workdir / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, workdir / name)
    env = {**os.environ, "DEBUG": "1"}
    result = run_in_checkout(
        [sys.executable, "manage.py", "makemessages", "--locale", "en", "--no-obsolete", "--ignore", "tests/*"],
        env,
        timeout=240,
        cwd=workdir,
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    expected = msgid_keys(polib.pofile(str(workdir / PO_PATH)))
    committed = msgid_keys(committed_catalogue())
    missing = sorted(expected - committed, key=repr)
    stale = sorted(committed - expected, key=repr)
    problems = []
    if missing:
        problems.append("Strings in the source but not in the catalogue:\n" + listing(missing))
    if stale:
        problems.append("Strings in the catalogue but no longer in the source:\n" + listing(stale))
    assert not problems, "\n".join(
        [*problems, "The English catalogue is out of date: run `make messages` and translate."]
    )


def test_english_is_active_for_the_draft_button():
    with translation.override("en"):
        assert translation.gettext("Entwurf speichern") == "Save draft"
