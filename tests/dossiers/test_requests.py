"""One dossier per kind, subject and inputs: concurrent requests make one row and one rendering; a failed or stuck
dossier is rendered afresh in its row; a rendering another worker is busy with is never started twice."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierKind, DossierStatus
from dossiers.services import requests as dossier_requests
from dossiers.services.runs import Heartbeat
from dossiers.tasks import sweep_queued_dossiers
from portal.celery import app as celery_app
from tests.factories import AllianceFactory, submitted_strategy
from tests.helpers import wait_for

HTMX = {"HX-Request": "true"}


def messages_waiting(queue="pdf"):
    with celery_app.connection_for_write() as broker:
        return broker.default_channel._size(queue)


def purge(queue="pdf"):
    with celery_app.connection_for_write() as broker:
        broker.default_channel.queue_purge(queue)


def in_threads(count, work):
    """Runs `work()` in `count` threads at once, each with its own database connection; returns their results."""
    results, errors = [None] * count, []

    def run(index):
        try:
            results[index] = work()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_for_the_same_dossier_make_one_row_and_send_one_rendering(
    real_broker, cycle, ministry, monkeypatch
):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    purge()
    # Both requests have looked and found nothing before either inserts: the unique constraint must decide.
    both_looked = threading.Barrier(2)
    create_and_send = dossier_requests._create_and_send

    def after_both_looked(*args, **kwargs):
        both_looked.wait(timeout=20)
        return create_and_send(*args, **kwargs)

    monkeypatch.setattr(dossier_requests, "_create_and_send", after_both_looked)
    dossiers = in_threads(
        2,
        lambda: services.request_dossier(kind=DossierKind.EVALUATION, cycle=cycle, strategy=strategy, user=ministry),
    )
    assert dossiers[0].pk == dossiers[1].pk
    assert Dossier.objects.filter(kind=DossierKind.EVALUATION, strategy=strategy).count() == 1
    assert messages_waiting() == 1
    purge()


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_the_request_button_makes_one_dossier(real_broker, cycle, ministry):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    purge()
    url = reverse("dossiers:request", args=["evaluation", cycle.slug, strategy.alliance.slug])

    def click():
        client = Client(HTTP_X_FORWARDED_PROTO="https")  # a browser behind the TLS proxy, as in tests/conftest.py
        client.force_login(ministry)
        return client.post(url, headers=HTMX).status_code

    for _round in range(4):
        assert in_threads(2, click) == [200, 200]
    assert Dossier.objects.filter(kind=DossierKind.EVALUATION, strategy=strategy).count() == 1
    assert messages_waiting() == 1
    purge()


@pytest.fixture
def strategy_dossier(cycle):
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    return services.request_dossier(kind=DossierKind.STRATEGY, cycle=cycle, strategy=strategy)


def stuck(dossier, *, heartbeat_minutes_ago, started_minutes_ago=None, attempts=1):
    now = timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(
        status=DossierStatus.RENDERING,
        progress=35,
        attempts=attempts,
        started_at=now - timedelta(minutes=started_minutes_ago or heartbeat_minutes_ago),
        heartbeat_at=now - timedelta(minutes=heartbeat_minutes_ago),
    )


@pytest.mark.django_db
def test_a_request_for_a_dossier_stuck_in_rendering_renders_it_afresh_in_the_same_row(
    strategy_dossier, django_capture_on_commit_callbacks
):
    stuck(strategy_dossier, heartbeat_minutes_ago=10)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        again = services.request_dossier(
            kind=DossierKind.STRATEGY, cycle=strategy_dossier.cycle, strategy=strategy_dossier.strategy
        )
    assert again.pk == strategy_dossier.pk
    assert len(sent) == 1
    again.refresh_from_db()
    assert again.status == DossierStatus.READY
    assert again.attempts == 1  # a fresh start, not a fourth attempt
    assert Dossier.objects.filter(strategy=strategy_dossier.strategy, kind=DossierKind.STRATEGY).count() == 1


@pytest.mark.django_db
def test_a_request_returns_a_dossier_that_a_worker_is_rendering_and_sends_nothing(
    strategy_dossier, django_capture_on_commit_callbacks
):
    stuck(strategy_dossier, heartbeat_minutes_ago=0, started_minutes_ago=2)
    with django_capture_on_commit_callbacks(execute=True) as sent:
        again = services.request_dossier(
            kind=DossierKind.STRATEGY, cycle=strategy_dossier.cycle, strategy=strategy_dossier.strategy
        )
    assert (again.pk, again.status, sent) == (strategy_dossier.pk, DossierStatus.RENDERING, [])


@pytest.mark.django_db
def test_a_rendering_with_a_fresh_heartbeat_is_not_started_a_second_time(strategy_dossier):
    stuck(strategy_dossier, heartbeat_minutes_ago=0, started_minutes_ago=1)
    dossier = services.render_dossier(dossier_id=strategy_dossier.pk)
    assert (dossier.status, dossier.attempts, dossier.progress) == (DossierStatus.RENDERING, 1, 35)


@pytest.mark.django_db
def test_a_rendering_whose_worker_fell_silent_is_taken_over(strategy_dossier):
    stuck(strategy_dossier, heartbeat_minutes_ago=5)
    dossier = services.render_dossier(dossier_id=strategy_dossier.pk)
    assert (dossier.status, dossier.attempts) == (DossierStatus.READY, 2)


@pytest.mark.django_db
def test_a_task_for_a_failed_dossier_leaves_it_failed(strategy_dossier):
    Dossier.objects.filter(pk=strategy_dossier.pk).update(status=DossierStatus.FAILED, error_message="Abgebrochen.")
    assert services.render_dossier(dossier_id=strategy_dossier.pk).status == DossierStatus.FAILED


@pytest.mark.django_db
def test_forcing_a_ready_dossier_renders_the_next_generation_and_keeps_the_first(
    strategy_dossier, django_capture_on_commit_callbacks
):
    first = services.render_dossier(dossier_id=strategy_dossier.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.request_dossier(
            kind=DossierKind.STRATEGY, cycle=first.cycle, strategy=first.strategy, force=True
        )
    second.refresh_from_db()
    assert (first.generation, second.generation) == (0, 1)
    assert second.fingerprint == first.fingerprint
    assert second.status == DossierStatus.READY
    assert Dossier.objects.get(pk=first.pk).status == DossierStatus.READY
    again = services.request_dossier(kind=DossierKind.STRATEGY, cycle=first.cycle, strategy=first.strategy)
    assert again.pk == second.pk


@pytest.mark.django_db
def test_the_sweep_sends_again_a_rendering_whose_worker_fell_silent_and_leaves_a_beating_one(
    cycle, django_capture_on_commit_callbacks
):
    silent = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=cycle, strategy=submitted_strategy(cycle, AllianceFactory())[0]
    )
    beating = services.request_dossier(
        kind=DossierKind.STRATEGY, cycle=cycle, strategy=submitted_strategy(cycle, AllianceFactory())[0]
    )
    stuck(silent, heartbeat_minutes_ago=2)
    stuck(beating, heartbeat_minutes_ago=0, started_minutes_ago=4)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_queued_dossiers() == 1  # tasks run in-process here
    assert Dossier.objects.get(pk=silent.pk).status == DossierStatus.READY
    assert Dossier.objects.get(pk=beating.pk).status == DossierStatus.RENDERING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("started", "heartbeat", "attempts", "message"),
    [
        (20, 0, 1, "nicht in der vorgesehenen Zeit von 5 Minuten erstellt werden"),  # hangs, still beating
        (7, 1.5, 1, "nicht in der vorgesehenen Zeit von 5 Minuten erstellt werden"),  # killed by its hard limit
        (3, 2, 3, "Der Hintergrunddienst ist bei 3 Versuchen jeweils abgebrochen"),  # lost three workers
    ],
    ids=["hangs", "hard-limit", "lost-workers"],
)
def test_the_sweep_marks_failed_a_dossier_that_overran_or_lost_its_workers_and_a_request_renders_it_afresh(
    client, programme_office, strategy_dossier, started, heartbeat, attempts, message
):
    now = timezone.now()
    Dossier.objects.filter(pk=strategy_dossier.pk).update(
        status=DossierStatus.RENDERING,
        attempts=attempts,
        started_at=now - timedelta(minutes=started),
        heartbeat_at=now - timedelta(minutes=heartbeat),
    )
    assert sweep_queued_dossiers() == 0
    failed = Dossier.objects.get(pk=strategy_dossier.pk)
    assert failed.status == DossierStatus.FAILED
    assert message in failed.error_message
    assert "Bitte versuchen Sie es später erneut." in failed.error_message
    client.force_login(programme_office)
    assert message in client.get(reverse("dossiers:detail", args=[failed.public_id])).content.decode()
    again = services.request_dossier(kind=DossierKind.STRATEGY, cycle=failed.cycle, strategy=failed.strategy)
    assert (again.pk, again.status, again.error_message) == (failed.pk, DossierStatus.QUEUED, "")


@pytest.mark.django_db
def test_the_status_panel_of_an_interrupted_rendering_says_so_and_offers_a_restart(
    client, programme_office, strategy_dossier, django_capture_on_commit_callbacks
):
    stuck(strategy_dossier, heartbeat_minutes_ago=3)
    client.force_login(programme_office)
    page = client.get(reverse("dossiers:detail", args=[strategy_dossier.public_id]), headers=HTMX).content.decode()
    assert "Die Erstellung wurde unterbrochen." in page
    assert 'hx-trigger="every 2s"' in page  # the sweep restarts it; the panel keeps asking
    assert Dossier.objects.get(pk=strategy_dossier.pk).status == DossierStatus.RENDERING  # a GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dossiers:retry", args=[strategy_dossier.public_id]), headers=HTMX)
    assert response.status_code == 200
    assert Dossier.objects.get(pk=strategy_dossier.pk).status == DossierStatus.READY


@pytest.mark.django_db(transaction=True)
def test_a_rendering_worker_writes_a_heartbeat_until_it_stops(cycle, settings):
    settings.DOSSIER_HEARTBEAT_SECONDS = 0.1
    strategy, _submission = submitted_strategy(cycle, AllianceFactory())
    dossier = Dossier.objects.get(kind=DossierKind.STRATEGY, strategy=strategy)
    run = timezone.now() - timedelta(minutes=1)
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.RENDERING, started_at=run, heartbeat_at=run)
    with Heartbeat(dossier.pk, run) as heartbeat:
        assert wait_for(lambda: Dossier.objects.get(pk=dossier.pk).heartbeat_at > run, 10)
    assert not heartbeat.thread.is_alive()
    last = Dossier.objects.get(pk=dossier.pk).heartbeat_at
    assert timezone.now() - last < timedelta(seconds=10)
