"""The deployment files: the compose stack, the image, and Django's deployment checks."""

import os
import secrets
import sys

import yaml

from tests.helpers import ROOT, run_in_checkout


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_names_web_worker_beat_postgres_and_redis():
    services = _compose()["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")


def test_compose_web_service_migrates_then_serves_with_gunicorn():
    command = _compose()["services"]["web"]["command"]
    assert "manage.py migrate" in command
    assert "gunicorn portal.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")


def test_compose_worker_consumes_the_pdf_queue_and_beat_schedules():
    services = _compose()["services"]
    assert "worker" in services["worker"]["command"] and "celery,pdf" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_services_share_one_broker_database_and_private_storage():
    services = _compose()["services"]
    environments = [services[name]["environment"] for name in ("web", "worker", "beat")]
    assert len({env["DATABASE_URL"] for env in environments}) == 1
    assert len({env["REDIS_URL"] for env in environments}) == 1
    assert environments[0]["DEBUG"] == "0"
    assert "private:/data/private" in services["web"]["volumes"]
    assert "private:/data/private" in services["worker"]["volumes"]


def test_image_installs_the_lock_file_and_runs_gunicorn_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "pip install -r requirements.lock" in dockerfile
    assert "USER portal" in dockerfile
    assert '"gunicorn", "portal.wsgi:application"' in dockerfile


def test_deploy_check_is_clean_with_production_settings_from_the_environment():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "EMAIL_HOST", "ALLOWED_HOSTS", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wir_portal"),
    )
    result = run_in_checkout([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
