"""The private storage stores a file whole or not at all, and says in German why it could not."""

import importlib
import logging
import shutil
import threading
from pathlib import Path

import pytest
from django.core.files.base import ContentFile, File
from django.core.files.storage import storages

from dossiers import services
from dossiers.models import DossierKind, DossierStatus
from portal.storage import TEMPORARY_PREFIX, StorageRefused
from tests.factories import AllianceFactory, submitted_strategy
from tests.storage_faults import (
    DiskFillsUpStorage,
    fill,
    point_private_storage_at,
    record_mechanism,
    stored_files,
    tmpfs_at,
)

FULL_DISK = "weil der Speicherplatz des Portals erschöpft ist"
NOT_WRITABLE = "weil der Speicherort des Portals nicht beschreibbar ist"
FAILED = "wegen eines Fehlers beim Speichern nicht abgelegt werden"
KIB = 1024


def default_storage():
    return storages["default"]


def assert_refused(refusal, problem, message):
    assert refusal.problem == problem
    assert message in refusal.message
    assert "Es wurde nichts gespeichert" in refusal.message
    for technical in ("Errno", "OSError", "StorageRefused", "No space"):
        assert technical not in refusal.message


class FillsTheDiskWhileRead(ContentFile):
    """An upload during which another writer fills the disk: the free-space check passed, the write runs out."""

    def __init__(self, content, mount_point, leave):
        super().__init__(content)
        self.mount_point, self.leave = mount_point, leave

    def chunks(self, chunk_size=None):
        fill(self.mount_point, leave=self.leave)
        yield from super().chunks(chunk_size=64 * KIB)


def test_the_portal_stores_uploads_and_dossiers_through_the_private_storage():
    production = importlib.import_module("portal.settings")
    assert production.STORAGES["default"]["BACKEND"] == "portal.storage.PrivateFileStorage"


def test_a_save_writes_the_whole_file_under_its_name_and_nothing_else(settings, tmp_path):
    root = tmp_path / "private"
    point_private_storage_at(settings, root)
    content = bytes(range(256)) * 12 * KIB  # 3 MiB, many chunks
    name = default_storage().save("strategies/7/dokument.pdf", ContentFile(content))
    assert name == "strategies/7/dokument.pdf"
    assert (root / name).read_bytes() == content
    assert stored_files(root) == [name]


def test_a_save_streams_a_file_from_disk_and_keeps_the_source(settings, tmp_path):
    root = tmp_path / "private"
    point_private_storage_at(settings, root)
    source = tmp_path / "upload.pdf"
    source.write_bytes(b"%PDF-1.7\n" + b"x" * 200 * KIB)
    with source.open("rb") as handle:
        name = default_storage().save("strategies/1/a.pdf", File(handle))
    assert (root / name).read_bytes() == source.read_bytes()
    assert stored_files(root) == ["strategies/1/a.pdf"]


def test_a_second_file_of_the_same_name_gets_its_own_name_and_the_first_stays(settings, tmp_path):
    root = tmp_path / "private"
    point_private_storage_at(settings, root)
    first = default_storage().save("dossiers/1/a.pdf", ContentFile(b"erste"))
    second = default_storage().save("dossiers/1/a.pdf", ContentFile(b"zweite"))
    assert first != second
    assert ((root / first).read_bytes(), (root / second).read_bytes()) == (b"erste", b"zweite")


def test_saves_of_the_same_name_at_the_same_time_never_overwrite_each_other(settings, tmp_path):
    root = tmp_path / "private"
    point_private_storage_at(settings, root)
    storage = default_storage()
    names, start = {}, threading.Barrier(8)

    def save(number):
        start.wait()
        names[number] = storage.save("dossiers/1/a.pdf", ContentFile(f"Datei {number}".encode() * 10_000))

    threads = [threading.Thread(target=save, args=[number]) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(set(names.values())) == 8
    for number, name in names.items():
        assert (root / name).read_bytes() == f"Datei {number}".encode() * 10_000
    assert len(stored_files(root)) == 8


def test_a_full_disk_refuses_with_the_german_full_disk_message_and_leaves_no_file(full_disk_root, caplog):
    with caplog.at_level(logging.ERROR, logger="portal.storage"), pytest.raises(StorageRefused) as refused:
        default_storage().save("strategies/1/dokument.pdf", ContentFile(b"%PDF-1.7\n" + b"x" * 300 * KIB))
    assert_refused(refused.value, StorageRefused.FULL, FULL_DISK)
    assert stored_files(full_disk_root) == []
    # The operator reads what the system said; the user does not.
    assert "No space left on device" in caplog.text or "bytes free" in caplog.text


def test_a_disk_that_fills_up_during_the_write_leaves_no_partial_file(request, settings, tmp_path, caplog):
    settings.STORAGE_MIN_FREE_BYTES = 0
    root = tmp_path / "private"
    with tmpfs_at(root, free=1024 * KIB) as mounted:
        if mounted:
            point_private_storage_at(settings, root)
            record_mechanism(request, "a tmpfs that another writer fills to 64 KiB free during the write")
            content = FillsTheDiskWhileRead(b"x" * 512 * KIB, root.parent / f".mount-{root.name}", leave=64 * KIB)
        else:
            point_private_storage_at(settings, root, DiskFillsUpStorage)
            record_mechanism(request, "simulated: a storage that raises ENOSPC after writing 64 KiB")
            content = ContentFile(b"x" * 512 * KIB)
        with caplog.at_level(logging.ERROR, logger="portal.storage"), pytest.raises(StorageRefused) as refused:
            default_storage().save("strategies/1/dokument.pdf", content)
        assert "No space left on device" in caplog.text  # the write ran out, not the check before it
        assert_refused(refused.value, StorageRefused.FULL, FULL_DISK)
        assert stored_files(root) == []  # neither the name nor a temporary file


def test_the_free_space_check_refuses_before_anything_is_written(settings, tmp_path):
    root = tmp_path / "private"
    point_private_storage_at(settings, root)
    settings.STORAGE_MIN_FREE_BYTES = shutil.disk_usage(tmp_path).free * 2
    with pytest.raises(StorageRefused) as refused:
        default_storage().save("strategies/1/dokument.pdf", ContentFile(b"%PDF-1.7\n"))
    assert_refused(refused.value, StorageRefused.FULL, FULL_DISK)
    assert not root.exists()  # not even its folder was made


@pytest.mark.parametrize(("size", "stored"), [(256 * KIB, True), (256 * KIB + 1, False)])
def test_a_file_is_stored_only_while_the_reserve_stays_free(request, settings, tmp_path, size, stored):
    root = tmp_path / "private"
    with tmpfs_at(root, free=768 * KIB) as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs of a known size; mounting is not permitted here")
        point_private_storage_at(settings, root)
        settings.STORAGE_MIN_FREE_BYTES = 512 * KIB
        if stored:
            default_storage().save("a.pdf", ContentFile(b"x" * size))
            assert stored_files(root) == ["a.pdf"]
        else:
            with pytest.raises(StorageRefused):
                default_storage().save("a.pdf", ContentFile(b"x" * size))
            assert stored_files(root) == []


@pytest.mark.parametrize("name", ["strategies/1/dokument.pdf", "dokument.pdf"])
def test_a_read_only_folder_refuses_with_the_not_writable_message(read_only_root, name):
    with pytest.raises(StorageRefused) as refused:
        default_storage().save(name, ContentFile(b"%PDF-1.7\n"))
    assert_refused(refused.value, StorageRefused.NOT_WRITABLE, NOT_WRITABLE)
    assert stored_files(read_only_root) == []


def test_another_fault_gets_the_general_message_and_leaves_nothing(settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"a file where the storage expects a folder")
    point_private_storage_at(settings, blocker / "private")
    with pytest.raises(StorageRefused) as refused:
        default_storage().save("strategies/1/dokument.pdf", ContentFile(b"%PDF-1.7\n"))
    assert_refused(refused.value, StorageRefused.FAILED, FAILED)
    assert blocker.read_bytes() == b"a file where the storage expects a folder"


def test_a_refusal_is_a_refusal_the_views_already_show():
    from portal.exceptions import Refusal

    refusal = StorageRefused(StorageRefused.FULL)
    assert isinstance(refusal, Refusal)
    assert refusal.reasons == [refusal.message]


def test_a_fault_while_writing_a_file_the_storage_does_not_know_still_removes_the_partial_file(settings, tmp_path):
    """Not an OSError (the upload's own stream broke): the error goes on, the partial file does not stay."""
    root = tmp_path / "private"
    point_private_storage_at(settings, root)

    class BrokenStream(ContentFile):
        def chunks(self, chunk_size=None):
            yield b"x" * 64 * KIB
            raise ValueError("the client went away")

    with pytest.raises(ValueError, match="went away"):
        default_storage().save("strategies/1/dokument.pdf", BrokenStream(b""))
    assert [name for name in stored_files(root) if TEMPORARY_PREFIX in name] == []
    assert stored_files(root) == []


@pytest.mark.django_db
def test_a_dossier_stored_on_a_full_disk_ends_failed_with_a_german_message_and_no_file(request, settings, cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    dossier = services.request_dossier(kind=DossierKind.STRATEGY, cycle=strategy.cycle, strategy=strategy)
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    dossiers = root / "dossiers"
    # Only the dossiers' folder is full: the strategy's document stays readable for the render.
    with tmpfs_at(dossiers, free=0) as mounted:
        if mounted:
            point_private_storage_at(settings, root)
            record_mechanism(request, "a full tmpfs on the dossiers' folder")
        else:
            point_private_storage_at(settings, root, DiskFillsUpStorage)
            record_mechanism(request, "simulated: a storage that raises ENOSPC after writing 64 KiB")
        dossier = services.render_dossier(dossier_id=dossier.pk)
        assert dossier.status == DossierStatus.FAILED
        assert not dossier.file
        assert stored_files(dossiers) == []
        assert "StorageRefused" not in dossier.error_message and "Errno" not in dossier.error_message
        assert FULL_DISK in dossier.error_message
