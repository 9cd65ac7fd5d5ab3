"""Dossiers rendered by real Celery workers on the Redis broker."""

import csv
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.tasks import pdf_worker_command
from portal.celery import app as celery_app
from tests.factories import AllianceFactory, programme_rubric, scored_strategy, submitted_strategy
from tests.helpers import wait_for

ROOT = Path(__file__).resolve().parents[2]
HTMX = {"HX-Request": "true"}


def submitted_strategy_of_size(cycle, pages=2, text_repeats=1):
    """A submitted strategy whose dossier grows with `pages` of its document and `text_repeats` of its measures."""
    body = "Geplante Maßnahmen im Innovationsfeld. " * 40 * text_repeats
    return submitted_strategy(cycle, AllianceFactory(), pages=pages, measures=body[:30000])[0]


def status_of(dossier):
    return Dossier.objects.get(pk=dossier.pk).status


@pytest.mark.django_db(transaction=True)
def test_a_requested_dossier_is_rendered_by_the_worker_and_reused(client, celery_worker, cycle, programme_office):
    strategy = submitted_strategy_of_size(cycle)
    client.force_login(programme_office)
    url = reverse("dossiers:request", args=["strategy", cycle.slug, strategy.alliance.slug])
    response = client.post(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    dossier = Dossier.objects.filter(strategy=strategy).latest("created_at")
    assert wait_for(lambda: status_of(dossier) == DossierStatus.READY, 60)
    panel = client.get(reverse("dossiers:detail", args=[dossier.public_id]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in panel.content.decode()
    # Reuse is a lookup, not a render; its latency is measured by `make bench-dossiers`, not here.
    again = services.request_dossier(kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy)
    assert again.pk == dossier.pk
    assert Dossier.objects.filter(strategy=strategy, kind=DossierKind.STRATEGY).count() == 1
    download = client.get(reverse("dossiers:download", args=[dossier.public_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert dossier.downloads.count() == 1


WORKER_SETTINGS = "tests.dossiers.worker_settings"
# What the shortened timings of tests/dossiers/worker_settings.py allow: a stale heartbeat after 4 s, a sweep every
# 2 s, a second look by the redelivered task after 5 s, then the rendering itself.
BACK_AT_WORK_WITHIN = 120


def worker_environment():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
        "DEBUG": "1",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "PRIVATE_MEDIA_ROOT": settings.STORAGES["default"]["OPTIONS"]["location"],
    }


def start_process(command, log_path):
    log = Path(log_path).open("ab")  # noqa: SIM115 - closed when the process ends
    return subprocess.Popen(
        command, cwd=ROOT, env=worker_environment(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_worker_process(log_path):
    """A prefork worker with one pool process on the `pdf` and `celery` queues (the sweep runs on the latter)."""
    command = pdf_worker_command(loglevel="info", pool="prefork", concurrency=1, queues=("pdf", "celery"))
    return start_process(command, log_path)


def start_beat_process(tmp_path):
    command = [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "info"]
    command += ["--schedule", str(tmp_path / "beat-schedule")]
    return start_process(command, tmp_path / "beat.log")


def pool_processes(worker):
    """The pids of the worker's pool processes (its children)."""
    children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def stop(*processes):
    for process in processes:
        if process and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def forget_broker_state():
    """Drops what a killed worker left in this test run's Redis keys: queued and unacknowledged messages."""
    with celery_app.connection_for_write() as broker:
        channel = broker.default_channel
        for queue in ("pdf", "celery"):
            channel.queue_purge(queue)
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def _test_database_url():
    database = settings.DATABASES["default"]
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{database['USER']}@{host}:{database['PORT'] or 5432}/{database['NAME']}"


def log_tail(path):
    return Path(path).read_text(errors="replace")[-4000:] if Path(path).exists() else ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("killed", ["pool process", "whole worker"])
def test_a_worker_killed_mid_render_leads_to_a_ready_dossier_without_a_second_row_or_rendering(
    real_broker, cycle, tmp_path, killed
):
    """SIGKILL of the pool process alone (the worker's main process sees it and gives the message back), or of the
    worker's main process too followed by a restart (the message stays unacknowledged in Redis until its visibility
    timeout, minutes away): either way the heartbeat falls silent, and the dossier is rendered again at once and
    finishes, in its one row, rendered twice in all (the killed run and the one that finished)."""
    strategy = submitted_strategy_of_size(cycle, pages=300, text_repeats=20)
    forget_broker_state()
    beat = start_beat_process(tmp_path)
    first = start_worker_process(tmp_path / "worker1.log")
    second = None
    try:
        dossier = services.request_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy)
        assert wait_for(lambda: status_of(dossier) == DossierStatus.RENDERING, 60), log_tail(tmp_path / "worker1.log")
        assert wait_for(lambda: len(pool_processes(first)) == 1, 10)
        if killed == "pool process":
            os.kill(pool_processes(first)[0], signal.SIGKILL)
            back_at_work = time.monotonic()
        else:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=20)
            assert status_of(dossier) == DossierStatus.RENDERING
            second = start_worker_process(tmp_path / "worker2.log")
            back_at_work = time.monotonic()
        assert wait_for(lambda: status_of(dossier) == DossierStatus.READY, BACK_AT_WORK_WITHIN), "\n".join(
            log_tail(tmp_path / name) for name in ("worker1.log", "worker2.log", "beat.log")
        )
        finished_after = time.monotonic() - back_at_work
        rendered = Dossier.objects.get(pk=dossier.pk)
        assert rendered.attempts == 2
        assert rendered.file and rendered.page_count > 300
        assert Dossier.objects.filter(kind=DossierKind.EVALUATION, strategy=strategy).count() == 1
        print(f"{killed} killed: ready {finished_after:.1f} s later")  # noqa: T201 - the measured number, for -s
    finally:
        stop(first, second, beat)
        forget_broker_state()


def zero_mediabox_pdf():
    """A one-page PDF whose page is 0 × 0 points: it opens, but cannot be drawn into a dossier."""
    document = pikepdf.new()
    document.add_blank_page()
    document.pages[0].MediaBox = pikepdf.Array([0, 0, 0, 0])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db(transaction=True)
def test_an_annex_that_fails_at_render_time_leaves_a_placeholder_and_a_complete_archive(
    client, celery_worker, cycle, ministry
):
    rubric = programme_rubric(cycle)
    broken = scored_strategy(cycle, AllianceFactory(name="DIANA", slug="diana"), rubric=rubric, points=3)
    scored_strategy(cycle, AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz"), rubric=rubric, points=4)
    annex = broken.documents.get()
    Path(annex.file.path).write_bytes(zero_mediabox_pdf())  # the stored copy changed after its check
    client.force_login(ministry)
    response = client.post(reverse("dossiers:request_cycle", args=["cycle_archive", cycle.slug]), headers=HTMX)
    assert response.status_code == 200
    archive = Dossier.objects.get(kind=DossierKind.CYCLE_ARCHIVE)
    assert wait_for(lambda: Dossier.objects.get(pk=archive.pk).is_done, 240)
    archive.refresh_from_db()
    assert archive.status == DossierStatus.READY, archive.error_message
    assert (archive.missing_parts, archive.warnings) == (0, [])

    part = Dossier.objects.get(kind=DossierKind.EVALUATION, strategy=broken)
    assert part.status == DossierStatus.READY
    assert len(part.warnings) == 1 and annex.original_name in part.warnings[0]
    assert "konnte nicht eingebunden werden" in part.warnings[0]
    day = f"{timezone.localdate():%Y-%m-%d}"
    with zipfile.ZipFile(archive.file.path) as bundle:
        assert sorted(bundle.namelist()) == sorted(
            [
                "00_inhalt.pdf",
                "inhalt.csv",
                f"evaluation_diana_{day}.pdf",
                f"evaluation_gesunde-lausitz_{day}.pdf",
                f"cycle_report_zwischenbegutachtung-2024_{day}.pdf",
            ]
        )
        rows = {
            row[0]: row for row in csv.reader(io.StringIO(bundle.read("inhalt.csv").decode("utf-8-sig")), delimiter=";")
        }
        placeholder_text = " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(bundle.read(f"evaluation_diana_{day}.pdf"))).pages
        )
    assert rows[f"evaluation_diana_{day}.pdf"][4:] == ["mit Hinweisen", part.warnings[0]]
    assert rows[f"evaluation_gesunde-lausitz_{day}.pdf"][4:] == ["vollständig", ""]
    assert "konnte nicht eingebunden werden" in " ".join(placeholder_text.split()).replace("\u2010 ", "")
