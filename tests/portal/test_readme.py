"""The README holds: its variables table matches the settings, and its commands run as written."""

import ast
import os
import re
import subprocess
import sys

import pytest
from django.core.management import get_commands, load_command_class

from tests.helpers import ROOT, broker_nobody_consumes, run_in_checkout

README = (ROOT / "README.md").read_text(encoding="utf-8")
SETTINGS_SOURCE = (ROOT / "portal" / "settings.py").read_text(encoding="utf-8")
ENV_READERS = {"get", "env_bool", "env_list", "getenv"}
PYTHON = ".venv/bin/python"


def variables_read_by_settings():
    """Every name the settings module reads from the environment (os.environ.get/[], env_bool, env_list)."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS_SOURCE)):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = node.func
            name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
            is_environ = name != "get" or (
                isinstance(function, ast.Attribute) and ast.unparse(function.value) == "os.environ"
            )
            if name in ENV_READERS and is_environ and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(ast.literal_eval(node.slice))
    return names


def variables_in_readme_table():
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def readme_commands(prefix):
    """Command lines in the README's code blocks and code spans that start with `prefix`."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.DOTALL)
    lines = [line.split("  #")[0].strip() for block in blocks for line in block.splitlines()]
    spans = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", README, flags=re.DOTALL))
    return sorted({command for command in lines + spans if command.startswith(prefix)})


def test_the_variables_table_lists_exactly_what_the_settings_read():
    read = variables_read_by_settings()
    assert {"DATABASE_URL", "SECRET_KEY", "REDIS_URL", "CSRF_TRUSTED_ORIGINS"} <= read  # the parser sees them
    documented = variables_in_readme_table()
    assert read - documented == set(), "read by portal/settings.py but missing from the README's table"
    assert documented - read == set(), "in the README's table but not read by portal/settings.py"


def test_every_make_target_in_the_readme_exists():
    commands = readme_commands("make ")
    assert "make run" in commands and "make test" in commands
    targets = {command.split()[1] for command in commands}
    for target in targets:
        dry_run = run_in_checkout(["make", "-n", target], timeout=60)
        assert dry_run.returncode == 0, f"make {target}: {dry_run.stderr}"


@pytest.fixture(scope="module")
def fresh_checkout_env(tmp_path_factory):
    """The environment of a fresh clone after `make .env`: nothing set but what the README says to set, and a
    broker nobody consumes, so seeding queues its dossiers instead of rendering them here."""
    scratch = tmp_path_factory.mktemp("readme")
    made = subprocess.run(
        ["make", "-s", "-C", str(scratch), "-f", str(ROOT / "Makefile"), ".env"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "DEBUG", "SECRET_KEY", "REDIS", "ALLOWED_HOSTS", "STATIC_ROOT"))
    }
    env.update(
        PORTAL_ENV_FILE=str(scratch / ".env"),
        DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}",
        PRIVATE_MEDIA_ROOT=str(scratch / "private"),
    )
    with broker_nobody_consumes("readme") as broker:
        yield {**env, **broker}


def run_as_written(command, env):
    assert command.startswith(f"{PYTHON} manage.py ")
    return run_in_checkout(command.split(), env, timeout=300)


# Cheap commands the test runs for real, in this order, against a fresh SQLite database.
RUN_FOR_REAL = ["migrate", "seed_demo", "import_alliances", "load_rubric"]


def test_every_manage_py_command_in_the_readme_runs_as_written_with_the_checkouts_env(fresh_checkout_env):
    commands = readme_commands(f"{PYTHON} manage.py ")
    named = {command.split()[2]: command for command in commands}
    assert set(RUN_FOR_REAL) <= set(named), "the README must show how to run these"
    for name in RUN_FOR_REAL:
        completed = run_as_written(named[name], fresh_checkout_env)
        assert completed.returncode == 0, f"{named[name]}\n{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
    for command in commands:
        name = command.split()[2]
        assert name in get_commands(), f"{command}: there is no command {name}"
        usage = load_command_class(get_commands()[name], name).create_parser("manage.py", name).format_help()
        for option in re.findall(r"(--[a-z][a-z-]*)", command):
            assert option in usage, f"{command}: {option} is not an option of {name}"


def test_manage_py_without_env_file_or_debug_names_what_is_missing(fresh_checkout_env):
    env = {**fresh_checkout_env, "PORTAL_ENV_FILE": "/dev/null"}
    completed = run_in_checkout([sys.executable, "manage.py", "check"], env)
    assert completed.returncode != 0
    assert "SECRET_KEY" in completed.stderr
