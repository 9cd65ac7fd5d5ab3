"""`manage.py backup` and `manage.py restore`: round trips of the demo on PostgreSQL and on SQLite, and archives
that are refused before anything changes."""

import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import override_settings

from alliances.models import StrategyDocument, Submission
from portal.backup import private_files
from portal.models import User
from tests.factories import UserFactory
from tests.helpers import broker_nobody_consumes, run_in_checkout

ARCHIVE_NAME = r"^wir-backup-\d{8}-\d{6}\.tar$"
# The demo as `migrate` and `seed_demo` build it, in one process and with a fast password hasher: PBKDF2 for its
# ~30 accounts would double the time of the whole module. dumpdata keeps the same data for loaddata on PostgreSQL.
SEED = """
from django.conf import settings
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo")
# The tasks went to a broker nobody consumes; one rendered dossier is enough for the archive to carry one.
from dossiers.models import Dossier
from dossiers.services import render_dossier
render_dossier(dossier_id=Dossier.objects.order_by("pk").first().pk)
call_command("dumpdata", natural_foreign=True, output={fixture!r},
             exclude=["contenttypes", "auth.permission", "sessions", "admin.logentry"])
"""


def manage(site, *args, debug=None, broker=None):
    """Runs manage.py on the SQLite database and private files of `site`; fails loudly. Production settings need a
    broker: without `broker` the command gets one nobody consumes (backup and restore send no task)."""
    if broker is None:
        with broker_nobody_consumes("backup") as unconsumed:
            return manage(site, *args, debug=debug, broker=unconsumed)
    env = dict(os.environ)
    env.update(broker)
    env.update(
        DATABASE_URL=f"sqlite:///{site / 'db.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(site / "private"),
        LOG_LEVEL="WARNING",
    )
    if debug is not None:
        env["DEBUG"] = debug
    result = run_in_checkout([sys.executable, "manage.py", *args], env, timeout=240, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def tree_hashes(root):
    """SHA-256 of every file below `root`, by relative path."""
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(root).rglob("*"))
        if path.is_file()
    }


def sqlite_rows(database, query):
    with sqlite3.connect(database) as db:
        return sorted(db.execute(query).fetchall())


# Seeded once per test run: pytest-django runs database tests before the others, so a module fixture would be
# torn down in between, and parallel test processes would each seed it again.
@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo, seeded once on SQLite, and the same data as a fixture for loaddata."""
    run_temp = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_temp = run_temp.parent  # shared by the parallel processes of this run only
    site = run_temp / "backup-demo"
    with (run_temp / "backup-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (site / "demo.json").exists():
            shutil.rmtree(site, ignore_errors=True)
            site.mkdir()
            with broker_nobody_consumes("backup-demo") as broker:
                manage(site, "shell", "-c", SEED.format(fixture=str(site / "demo.json")), debug="1", broker=broker)
    return site


@pytest.fixture
def private_root(settings):
    # The storage location conftest gives every test.
    return Path(settings.STORAGES["default"]["OPTIONS"]["location"])


def test_postgresql_round_trip_restores_every_fingerprint_and_document(demo, transactional_db, private_root, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs the PostgreSQL test database")
    # Loading sets the alliances' states again, which would add history rows the fixture already holds.
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        call_command("loaddata", str(demo / "demo.json"), verbosity=0)
    shutil.copytree(demo / "private", private_root)
    fingerprints = dict(Submission.objects.values_list("pk", "fingerprint"))
    documents = dict(StrategyDocument.objects.values_list("file", "sha256"))
    files = tree_hashes(private_root)
    counts = {model._meta.label: model.objects.count() for model in apps.get_models()}
    assert len(fingerprints) >= 4 and len(documents) >= 8 and any(name.startswith("dossiers/") for name in files)
    assert all(files[name] == sha256 for name, sha256 in documents.items())

    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive), stdout=StringIO())
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["database_vendor"] == "postgresql"
    assert manifest["migrations"]["alliances"].startswith("00")

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE alliances_submission CASCADE")
    StrategyDocument.objects.update(sha256="0" * 64)
    User.objects.filter(email="pt@demo.example").update(email="weg@example.org")
    shutil.rmtree(private_root / "strategies")
    (private_root / "dossiers" / "fremd.pdf").write_bytes(b"%PDF-1.7 nicht aus der Sicherung")
    connections.close_all()

    out = StringIO()
    call_command("restore", str(archive), yes=True, stdout=out)

    assert "Wiederhergestellt" in out.getvalue()
    assert dict(Submission.objects.values_list("pk", "fingerprint")) == fingerprints
    assert dict(StrategyDocument.objects.values_list("file", "sha256")) == documents
    assert tree_hashes(private_root) == files
    assert {model._meta.label: model.objects.count() for model in apps.get_models()} == counts
    assert User.objects.filter(email="pt@demo.example").exists()
    assert not [path for path in private_root.parent.iterdir() if path.name.startswith(".wir-restore-")]


def test_sqlite_round_trip_restores_every_fingerprint_and_document(demo, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(demo / "db.sqlite3", site / "db.sqlite3")
    shutil.copytree(demo / "private", site / "private")
    database = site / "db.sqlite3"
    fingerprints = sqlite_rows(database, "SELECT id, fingerprint FROM alliances_submission")
    documents = sqlite_rows(database, "SELECT file, sha256 FROM alliances_strategydocument")
    files = tree_hashes(site / "private")
    assert len(fingerprints) >= 4 and len(documents) >= 8
    assert all(files[name] == sha256 for name, sha256 in documents)

    manage(site, "backup", "--output", f"{tmp_path / 'backups'}/")
    [archive] = (tmp_path / "backups").iterdir()
    assert re.match(ARCHIVE_NAME, archive.name)

    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM alliances_submission")
        db.execute("UPDATE alliances_strategydocument SET sha256 = ''")
    shutil.rmtree(site / "private" / "strategies")
    (site / "private" / "fremd.pdf").write_bytes(b"%PDF-1.7 nicht aus der Sicherung")

    manage(site, "restore", str(archive), "--yes")

    assert sqlite_rows(database, "SELECT id, fingerprint FROM alliances_submission") == fingerprints
    assert sqlite_rows(database, "SELECT file, sha256 FROM alliances_strategydocument") == documents
    assert tree_hashes(site / "private") == files


# --- refusals --------------------------------------------------------------------------------------------------


@pytest.fixture
def site(db, private_root, tmp_path):
    """A backup of a small site, then changes a restore would undo: a new user and a new file.

    The test's own rows stay uncommitted, so pg_dump sees none of them; a refusal must leave them, and
    a restore that went ahead would close the connection under the test and fail it."""
    UserFactory(email="vorher@example.org")
    (private_root / "strategies" / "1").mkdir(parents=True)
    (private_root / "strategies" / "1" / "strategie.pdf").write_bytes(b"%PDF-1.7 Strategie")
    (private_root / "dossiers" / "1").mkdir(parents=True)
    (private_root / "dossiers" / "1" / "dossier.pdf").write_bytes(b"%PDF-1.7 Dossier")
    archive = tmp_path / "backup.tar"
    call_command("backup", output=str(archive), stdout=StringIO())
    UserFactory(email="nachher@example.org")
    (private_root / "strategies" / "1" / "neu.pdf").write_bytes(b"%PDF-1.7 neu")
    return archive


def assert_untouched(private_root, files):
    assert User.objects.filter(email="nachher@example.org").exists()
    assert tree_hashes(private_root) == files
    assert not [path for path in private_root.parent.iterdir() if path.name.startswith(".wir-restore-")]


def rewrite(archive, *, drop=None, add=None):
    """Copies the archive's members into a new one, without `drop` and with `add` (name, bytes) appended."""
    rewritten = archive.with_name("rewritten.tar")
    with tarfile.open(archive) as source, tarfile.open(rewritten, "w") as target:
        for member in source.getmembers():
            if member.name != drop:
                target.addfile(member, source.extractfile(member))
        if add:
            info = tarfile.TarInfo(add[0])
            info.size = len(add[1])
            target.addfile(info, io.BytesIO(add[1]))
    return rewritten


def change_one_byte(archive, name):
    with tarfile.open(archive) as tar:
        offset = tar.getmember(name).offset_data
    with Path(archive).open("r+b") as handle:
        handle.seek(offset + 7)
        byte = handle.read(1)
        handle.seek(offset + 7)
        handle.write(bytes([byte[0] ^ 0xFF]))
    return archive


@pytest.mark.parametrize(
    ("tamper", "member", "message"),
    [
        (lambda archive: change_one_byte(archive, "database.pgdump"), "database.pgdump", "SHA-256-Prüfsumme"),
        (
            lambda archive: change_one_byte(archive, "private/dossiers/1/dossier.pdf"),
            "private/dossiers/1/dossier.pdf",
            "SHA-256-Prüfsumme",
        ),
        (
            lambda archive: rewrite(archive, drop="private/strategies/1/strategie.pdf"),
            "private/strategies/1/strategie.pdf",
            "fehlt im Archiv",
        ),
        (
            lambda archive: rewrite(archive, add=("private/strategies/1/eingeschmuggelt.pdf", b"%PDF-1.7 x")),
            "private/strategies/1/eingeschmuggelt.pdf",
            "steht nicht im Manifest",
        ),
    ],
    ids=["database-byte-changed", "file-byte-changed", "member-removed", "member-added"],
)
def test_a_tampered_archive_is_refused_before_anything_changes(site, private_root, tamper, member, message):
    if connection.vendor != "postgresql":
        pytest.skip("the archive is a PostgreSQL backup")
    files = tree_hashes(private_root)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(tamper(site)), yes=True, stdout=StringIO())
    assert f"„{member}“" in str(refused.value)
    assert message in str(refused.value)
    assert "wird nichts wiederhergestellt" in str(refused.value)
    assert_untouched(private_root, files)


def test_an_archive_of_another_database_system_is_refused(site, private_root, tmp_path):
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    member = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}[other]
    dump = b"SQLite format 3\x00" + bytes(100)
    manifest = {
        "format_version": 1,
        "created_at": "2024-05-02T10:00:00+02:00",
        "database_vendor": other,
        "database_member": member,
        "migrations": {},
        "members": [{"path": member, "size": len(dump), "sha256": hashlib.sha256(dump).hexdigest()}],
    }
    archive = tmp_path / "fremd.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in ((member, dump), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    files = tree_hashes(private_root)
    with pytest.raises(CommandError, match=f"aus einer {other}-Datenbank"):
        call_command("restore", str(archive), yes=True, stdout=StringIO())
    assert_untouched(private_root, files)


def test_restore_refuses_a_run_without_terminal_and_without_yes(site, private_root, monkeypatch):
    files = tree_hashes(private_root)
    # Even an agreeing answer on a pipe does not count: only --yes or a person at a terminal.
    monkeypatch.setattr(sys, "stdin", io.StringIO("ja\n"))
    with pytest.raises(CommandError, match="nur mit --yes"):
        call_command("restore", str(site), stdout=StringIO())
    assert_untouched(private_root, files)


def test_restore_at_a_terminal_changes_nothing_unless_confirmed(site, private_root, monkeypatch):
    files = tree_hashes(private_root)
    terminal = io.StringIO()
    terminal.isatty = lambda: True
    monkeypatch.setattr(sys, "stdin", terminal)
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or "nein")
    with pytest.raises(CommandError, match="Abgebrochen"):
        call_command("restore", str(site), stdout=StringIO())
    assert "ERSETZT" in prompts[0] and str(private_root) in prompts[0]
    assert_untouched(private_root, files)


@pytest.mark.parametrize("mounted", [False, True], ids=["directory", "mounted-volume"])
def test_private_files_are_swapped_whole_or_not_at_all(tmp_path, monkeypatch, mounted):
    # A mounted volume (PRIVATE_MEDIA_ROOT in docker-compose) cannot be renamed; its entries are swapped instead.
    root = tmp_path / "private"
    staging = (root if mounted else tmp_path) / ".wir-restore-test"
    new = staging / "private"
    for base, names in ((root, ["a/alt.pdf", "b.pdf"]), (new, ["a/neu.pdf", "c.pdf"])):
        for name in names:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(name.encode())
    old_files, new_files = tree_hashes(root), tree_hashes(new)
    monkeypatch.setattr(private_files.os.path, "ismount", lambda path: mounted and Path(path) == root)
    rename = os.rename

    def full_disk_on_moving_in(source, target):
        if Path(source) == new or new in Path(source).parents:
            raise OSError("Datenträger voll")
        rename(source, target)

    def visible(root):
        return {name: sha for name, sha in tree_hashes(root).items() if not name.startswith(".wir-restore-")}

    monkeypatch.setattr(private_files.os, "rename", full_disk_on_moving_in)
    with pytest.raises(OSError, match="Datenträger voll"):
        private_files.swap_private_files(new, root, staging / "previous")
    assert visible(root) == {name: sha for name, sha in old_files.items() if not name.startswith(".wir-restore-")}
    assert tree_hashes(new) == new_files

    monkeypatch.setattr(private_files.os, "rename", rename)
    shutil.rmtree(staging / "previous", ignore_errors=True)
    private_files.swap_private_files(new, root, staging / "previous")
    assert visible(root) == new_files
