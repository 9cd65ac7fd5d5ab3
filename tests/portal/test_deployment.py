"""The deployment files: the compose stack, the image, and Django's deployment checks."""

import os
import re
import secrets
import sys
from urllib.parse import urlsplit

import pytest
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
    # The search index is built from the stored texts once, after the migration that brings it.
    assert command.index("migrate") < command.index("rebuild_search_index --if-empty") < command.index("gunicorn")


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


def production_env(**overrides):
    """Production settings from the environment alone: DEBUG=0, a broker, nothing from a local .env."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "REDIS_URL", "EMAIL_HOST", "ALLOWED_HOSTS", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
        and not key.startswith(("DJANGO_", "PYTEST_"))
    }
    env.update(
        PORTAL_ENV_FILE=os.devnull,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wir_portal"),
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def test_deploy_check_is_clean_with_production_settings_from_the_environment():
    result = run_in_checkout(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# How the portal starts: a management command, and gunicorn importing the WSGI application (which sets Django up).
STARTS = {
    "manage.py check": [sys.executable, "manage.py", "check"],
    "gunicorn's import": [sys.executable, "-c", "import portal.wsgi"],
}


@pytest.mark.parametrize("start", STARTS.values(), ids=STARTS.keys())
@pytest.mark.parametrize("redis_url", [None, ""], ids=["unset", "empty"])
def test_production_without_a_broker_refuses_to_start_and_says_what_to_set(start, redis_url):
    result = run_in_checkout(start, production_env(REDIS_URL=redis_url))
    assert result.returncode != 0
    assert "Production (DEBUG=0) needs a broker: set REDIS_URL" in result.stderr
    assert "make run" in result.stderr  # where in-process tasks are still the default


@pytest.mark.parametrize("start", STARTS.values(), ids=STARTS.keys())
def test_production_with_a_broker_starts(start):
    result = run_in_checkout(start, production_env())
    assert result.returncode == 0, result.stderr


def test_development_without_a_broker_still_runs_tasks_in_process():
    probe = "import django; django.setup(); from django.conf import settings; print(settings.CELERY_TASK_ALWAYS_EAGER)"
    result = run_in_checkout(
        [sys.executable, "-c", probe],
        production_env(DEBUG="1", REDIS_URL=None, DJANGO_SETTINGS_MODULE="portal.settings"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]


def dockerfile_build_env():
    """The variables the image's build steps export, and the commands they run."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    build = re.search(r"^RUN export (?P<env>[^\\\n]+)\\\n(?P<steps>(?:\s+&& [^\n]+\n)+)", dockerfile, re.MULTILINE)
    assert build, "the build steps export their settings in one RUN"
    env = dict(assignment.split("=", 1) for assignment in build["env"].split())
    return env, build["steps"], dockerfile


def test_the_image_build_steps_run_with_production_settings_and_placeholders_that_stay_out_of_the_image(tmp_path):
    build_env, steps, dockerfile = dockerfile_build_env()
    assert build_env["DEBUG"] == "0"
    assert "collectstatic" in steps and "compilemessages" in steps
    # A placeholder broker that cannot resolve (RFC 2606), and neither placeholder in the image's ENV.
    assert urlsplit(build_env["REDIS_URL"]).hostname.endswith(".invalid")
    image_env = " ".join(re.findall(r"^ENV (.+(?:\\\n.+)*)", dockerfile, re.MULTILINE))
    assert "REDIS_URL" not in image_env and "SECRET_KEY" not in image_env
    env = {key: value for key, value in production_env().items() if key not in {"REDIS_URL", "SECRET_KEY"}}
    env.update(build_env, STATIC_ROOT=str(tmp_path / "static"))
    collected = run_in_checkout([sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run", "-v0"], env)
    assert collected.returncode == 0, collected.stderr
