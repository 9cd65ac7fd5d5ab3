"""Faults while rendering and while enqueueing: a failed dossier says why, keeps no file and can be retried;
a request made while Redis is down is recorded and sent later by the sweep."""

import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.tasks import render_dossier_task, sweep_queued_dossiers
from portal.celery import app as celery_app
from tests.factories import AllianceFactory, submitted_strategy
from tests.helpers import wait_for

CLOSED_BROKER = "redis://127.0.0.1:1/0"
HTMX = {"HX-Request": "true"}


def broken_print_templates(tmp_path):
    """Template settings whose first directory holds a strategy print template with a syntax error."""
    broken = tmp_path / "broken-templates" / "dossiers" / "print"
    broken.mkdir(parents=True)
    (broken / "strategy.html").write_text(
        "{% extends 'dossiers/print/base.html' %}{% block body %}{% if %}{% endblock %}", encoding="utf-8"
    )
    templates = [dict(engine) for engine in django_settings.TEMPLATES]
    templates[0]["DIRS"] = [tmp_path / "broken-templates", *templates[0]["DIRS"]]
    return templates


def stored_files(settings):
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "dossiers"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def strategy_for_faults(db, cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory(name="Gesunde Lausitz", slug="gesunde-lausitz"))
    return strategy


def request_url(strategy, kind="strategy"):
    return reverse("dossiers:request", args=[kind, strategy.cycle.slug, strategy.alliance.slug])


@pytest.mark.django_db
def test_a_template_error_leaves_a_failed_dossier_with_a_german_message_and_no_file(
    client, programme_office, strategy_for_faults, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TEMPLATES = broken_print_templates(tmp_path)
    client.force_login(programme_office)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(strategy_for_faults))
    assert response.status_code == 302  # no crash: the task ran and the fault was recorded
    dossier = Dossier.objects.get(strategy=strategy_for_faults, kind=DossierKind.STRATEGY)
    assert dossier.status == DossierStatus.FAILED
    assert dossier.error_message.startswith("Das Dossier konnte nicht erstellt werden, weil bei der Erstellung")
    assert "Bitte versuchen Sie es erneut." in dossier.error_message
    assert "Error" not in dossier.error_message and "(" not in dossier.error_message  # no exception class name
    assert not dossier.file
    assert dossier.page_count is None
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_task_for_a_dossier_deleted_while_it_waited_ends_quietly(strategy_for_faults, settings):
    dossier = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=strategy_for_faults.cycle, strategy=strategy_for_faults, enqueue=False
    )
    dossier_id = dossier.pk
    dossier.delete()
    assert render_dossier_task.delay(dossier_id).get() == "missing"
    assert not Dossier.objects.filter(pk=dossier_id).exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_the_failed_dossier_page_shows_the_message_and_a_retry_button(
    client, programme_office, strategy_for_faults, settings, tmp_path
):
    settings.TEMPLATES = broken_print_templates(tmp_path)
    dossier = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=strategy_for_faults.cycle, strategy=strategy_for_faults
    )
    services.render_dossier(dossier_id=dossier.pk)
    client.force_login(programme_office)
    for headers in ({}, HTMX):
        page = client.get(reverse("dossiers:detail", args=[dossier.public_id]), headers=headers).content.decode()
        assert "Das Dossier konnte nicht erstellt werden, weil bei der Erstellung" in page
        assert "TemplateSyntaxError" not in page
        assert f'action="{reverse("dossiers:retry", args=[dossier.public_id])}"' in page
        assert "Erneut versuchen" in page
        assert "hx-trigger" not in page  # a failed dossier is not polled
        assert reverse("dossiers:download", args=[dossier.public_id]) not in page
    assert client.get(reverse("dossiers:download", args=[dossier.public_id])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("headers", [{}, HTMX], ids=["form", "htmx"])
def test_retry_renders_the_failed_dossier_afresh_in_its_row_once_the_fault_is_gone(
    client, programme_office, strategy_for_faults, tmp_path, django_capture_on_commit_callbacks, headers
):
    with override_settings(TEMPLATES=broken_print_templates(tmp_path)):
        failed = services.render_dossier(
            dossier_id=services.request_dossier(
                kind=DossierKind.STRATEGY, cycle=strategy_for_faults.cycle, strategy=strategy_for_faults
            ).pk
        )
    assert failed.status == DossierStatus.FAILED
    client.force_login(programme_office)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("dossiers:retry", args=[failed.public_id]), headers=headers)
    assert len(callbacks) == 1  # the retry enqueued a rendering
    fresh = Dossier.objects.get(strategy=strategy_for_faults)  # still one row
    assert fresh.pk == failed.pk
    assert fresh.status == DossierStatus.READY
    assert fresh.file and fresh.page_count >= 2
    assert fresh.error_message == ""
    if headers:
        # The panel of the retried dossier replaces the failed one and polls it until it is done.
        assert response.status_code == 200
        panel = response.content.decode()
        assert f'id="dossier-{fresh.public_id}"' in panel
        assert f'hx-get="{reverse("dossiers:detail", args=[fresh.public_id])}"' in panel
    else:
        assert response["Location"] == reverse("dossiers:detail", args=[fresh.public_id])


@pytest.mark.django_db
def test_retry_of_a_dossier_that_did_not_fail_changes_nothing(client, programme_office, strategy_for_faults):
    dossier = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=strategy_for_faults.cycle, strategy=strategy_for_faults
    )
    client.force_login(programme_office)
    response = client.post(reverse("dossiers:retry", args=[dossier.public_id]))
    assert response["Location"] == reverse("dossiers:detail", args=[dossier.public_id])
    assert Dossier.objects.filter(strategy=strategy_for_faults).count() == 1


@pytest.mark.django_db
def test_a_storage_that_cannot_be_written_leaves_a_failed_dossier_without_file(strategy_for_faults, settings, tmp_path):
    dossier = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=strategy_for_faults.cycle, strategy=strategy_for_faults
    )
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the storage expects a directory", encoding="utf-8")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "private")},
        },
    }
    dossier = services.render_dossier(dossier_id=dossier.pk)
    assert dossier.status == DossierStatus.FAILED
    assert "konnte nicht" in dossier.error_message
    assert "Error" not in dossier.error_message
    assert not dossier.file
    assert blocker.read_text(encoding="utf-8").startswith("a file")


@contextmanager
def broker_at(url):
    """Points the app's producers at another broker URL (its connection pools are rebuilt for it)."""
    saved = (celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool)
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield
    finally:
        if celery_app._pool is not None:
            celery_app._pool.force_close_all()
        celery_app.conf.broker_url, celery_app._pool, celery_app.amqp._producer_pool = saved


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_request_is_recorded_and_the_sweep_sends_it_once_redis_is_back(
    request, client, real_broker, cycle, ministry
):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    client.force_login(ministry)
    with broker_at(CLOSED_BROKER):
        started = time.monotonic()
        response = client.post(request_url(strategy, "evaluation"), follow=True)
        htmx = client.post(reverse("dossiers:request_cycle", args=["cycle_report", cycle.slug]), headers=HTMX)
        seconds = time.monotonic() - started
    assert response.status_code == 200 and htmx.status_code == 200
    assert seconds < 10
    notice = "Der Hintergrunddienst ist gerade nicht erreichbar"
    assert notice in response.content.decode()
    assert notice in htmx.content.decode()
    evaluation = Dossier.objects.get(kind=DossierKind.EVALUATION, strategy=strategy)
    report = Dossier.objects.get(kind=DossierKind.CYCLE_REPORT, cycle=cycle)
    assert (evaluation.status, report.status) == (DossierStatus.QUEUED, DossierStatus.QUEUED)
    assert "hx-trigger" in htmx.content.decode()  # the page keeps asking while the dossier waits

    # Redis is back. The evaluation dossier has waited longer than the sweep's threshold, the report not yet.
    Dossier.objects.filter(pk=evaluation.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    request.getfixturevalue("celery_worker")
    assert sweep_queued_dossiers() == 1
    assert wait_for(lambda: Dossier.objects.get(pk=evaluation.pk).status == DossierStatus.READY, 60)
    assert Dossier.objects.get(pk=report.pk).status == DossierStatus.QUEUED
    assert Dossier.objects.get(pk=evaluation.pk).file
