"""The compose stack, proven without a Docker daemon.

What a daemon would reject or a running stack would show, checked here instead: the compose files against the
official Compose Specification schema, the image's build context through Docker's own .dockerignore matcher (the
Docker SDK's), the health checks by running their exact commands against a production-configured gunicorn and a
real Celery worker, secrets, executables and the TLS proxy example.
"""

import copy
import http.client
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jsonschema
import pytest
import yaml
from django.conf import settings
from docker.utils.build import exclude_paths

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "deploy" / "schema" / "compose-spec.json"
BASE = ROOT / "docker-compose.yml"
PRODUCTION = ROOT / "deploy" / "compose.production.yml"
NGINX = ROOT / "deploy" / "nginx.conf"
VENV_BIN = Path(sys.executable).parent


# --- loading compose files -------------------------------------------------------------------------------------


class Reset(list):
    """A sequence tagged `!reset` in an override file: it replaces the base value instead of extending it."""


class ComposeLoader(yaml.SafeLoader):
    pass


ComposeLoader.add_constructor("!reset", lambda loader, node: Reset(loader.construct_sequence(node)))


def load(path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=ComposeLoader)  # noqa: S506 - SafeLoader subclass


def merge(base, override):
    """Compose's merge of an override file, as far as these files use it: mappings merge key by key, sequences
    are appended (without duplicates) unless tagged !reset, scalars are replaced."""
    if isinstance(override, Reset):
        return list(override)
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge(base[key], value) if key in base else merge(None, value)
        return merged
    if isinstance(base, list) and isinstance(override, list):
        return base + [item for item in override if item not in base]
    return copy.deepcopy(override)


def production():
    return merge(load(BASE), load(PRODUCTION))


def validate(document):
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    return sorted(error.message for error in validator_class(schema).iter_errors(document))


def unescape(value):
    """Compose's interpolation of a string without variables: `$$` stands for a literal `$`."""
    return value.replace("$$", "$")


# --- schema ------------------------------------------------------------------------------------------------------


def test_vendored_schema_is_the_full_compose_specification():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema).check_schema(schema)
    assert schema["title"] == "Compose Specification"
    assert {"services", "volumes", "networks", "secrets", "configs"} <= set(schema["properties"])
    assert {"service", "healthcheck", "deployment", "network", "volume", "command"} <= set(schema["definitions"])
    assert "start_interval" in schema["definitions"]["healthcheck"]["properties"]
    assert "compose-spec/compose-spec" in (SCHEMA.parent / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [BASE, PRODUCTION], ids=["docker-compose.yml", "compose.production.yml"])
def test_compose_files_are_valid_against_the_compose_specification(path):
    assert validate(load(path)) == []


def test_merged_production_stack_is_valid_against_the_compose_specification():
    assert validate(production()) == []


@pytest.mark.parametrize(
    "breakage",
    [
        lambda c: c["services"]["web"]["depends_on"]["db"].update(condition="service_ready"),
        lambda c: c["services"]["worker"].update(healthcheck={"test": "true", "interval": 30}),
        lambda c: c["services"]["web"].update(restart_policy="always"),
        lambda c: c.update(service={}),
    ],
    ids=["unknown-condition", "interval-not-a-duration", "unknown-service-key", "unknown-top-level-key"],
)
def test_schema_validation_rejects_a_broken_compose_file(breakage):
    document = copy.deepcopy(load(BASE))
    breakage(document)
    assert validate(document) != []


# --- health checks and start order -------------------------------------------------------------------------------


def test_web_worker_db_and_redis_have_health_checks():
    services = load(BASE)["services"]
    for name in ("web", "worker", "db", "redis"):
        healthcheck = services[name].get("healthcheck", {})
        assert healthcheck.get("test"), f"{name} has no health check"
        assert not healthcheck.get("disable"), f"{name} disables its health check"
        assert healthcheck["test"][0] in {"CMD", "CMD-SHELL"}, name
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert "inspect ping" in services["worker"]["healthcheck"]["test"][1]
    assert "$$HOSTNAME" in services["worker"]["healthcheck"]["test"][1]


@pytest.mark.parametrize("stack", [lambda: load(BASE), production], ids=["local", "production"])
def test_every_dependency_waits_for_a_healthy_service_with_a_health_check(stack):
    services = stack()["services"]
    edges = []
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: the short depends_on form only waits for the start"
        for dependency, options in depends_on.items():
            edges.append((name, dependency))
            assert options.get("condition") == "service_healthy", f"{name} -> {dependency}"
            assert services[dependency].get("healthcheck", {}).get("test"), f"{dependency} can never be healthy"
    assert {
        ("web", "db"),
        ("web", "redis"),
        ("worker", "db"),
        ("worker", "redis"),
        ("beat", "db"),
        ("beat", "redis"),
    } <= set(edges)


# --- secrets -------------------------------------------------------------------------------------------------------

# `${VAR}`, `${VAR:?message}`, `${VAR?message}` or `${VAR:-}`: the value comes from the environment or is empty.
FROM_ENVIRONMENT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?\?[^}]*|:?-)?\}")
URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^:/@]*:(?P<password>.+)@[^@]*$", re.IGNORECASE)


def secret_values(document):
    """(where, name, value) of every environment entry anywhere in a compose file, x- extensions included."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "environment" and isinstance(value, dict):
                    found.extend((where, name, str(item)) for name, item in value.items())
                elif key == "environment" and isinstance(value, list):
                    found.extend((where, *item.split("=", 1)) for item in value if "=" in item)
                else:
                    walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(document, "")
    return found


@pytest.mark.parametrize("path", [BASE, PRODUCTION], ids=["docker-compose.yml", "compose.production.yml"])
def test_no_secret_has_a_literal_value(path):
    checked = 0
    for where, name, value in secret_values(load(path)):
        if "PASSWORD" in name.upper() or "SECRET" in name.upper():
            checked += 1
            assert FROM_ENVIRONMENT.fullmatch(value), f"{where} {name}={value!r} is not taken from the environment"
        url = URL_PASSWORD.match(value)
        if url:
            checked += 1
            assert FROM_ENVIRONMENT.fullmatch(url["password"]), f"{where} {name} has a literal password in its URL"
    if path == BASE:
        assert checked >= 4


def test_the_secret_key_and_the_database_password_are_required_not_defaulted():
    document = load(BASE)
    portal_env = document["x-portal-env"]
    assert portal_env["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD:?" in portal_env["DATABASE_URL"]
    assert document["services"]["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_secret_check_catches_a_defaulted_password():
    assert not FROM_ENVIRONMENT.fullmatch("${POSTGRES_PASSWORD:-portal}")
    assert not FROM_ENVIRONMENT.fullmatch("hunter2")
    assert URL_PASSWORD.match("postgres://portal:portal@db:5432/portal")["password"] == "portal"
    assert FROM_ENVIRONMENT.fullmatch("${EMAIL_HOST_PASSWORD:-}")


# --- the image: executables, lock file, build context -------------------------------------------------------------


def dockerfile():
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def lock_pins():
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def console_script_distributions():
    return {
        entry_point.name: re.sub(r"[-_.]+", "-", entry_point.dist.name).lower()
        for entry_point in metadata.entry_points(group="console_scripts")
    }


def shell_commands(script):
    """The simple commands of a `sh -c` script, split at &&, ||, ; and |."""
    return [shlex.split(part) for part in re.split(r"&&|\|\||;|\|", script) if part.strip()]


def executables(argv):
    """The executables a command runs: itself, and for `sh -c` those of its script; with their arguments."""
    if argv[0] == "sh" and len(argv) > 2 and argv[1] == "-c":
        return [(argv[0], argv[1:])] + [found for command in shell_commands(argv[2]) for found in executables(command)]
    return [(argv[0], argv[1:])]


def image_commands(document):
    """(service, argv) of every command run in a container of the project's image: commands and health checks."""
    commands = []
    for name, service in document["services"].items():
        if "build" not in service:
            continue
        command = service.get("command")
        if command:
            commands.append((name, shlex.split(unescape(command)) if isinstance(command, str) else command))
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD":
            commands.append((f"{name} healthcheck", test[1:]))
        elif test and test[0] == "CMD-SHELL":
            commands.append((f"{name} healthcheck", ["sh", "-c", unescape(test[1])]))
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile(), re.MULTILINE)
    commands.append(("Dockerfile CMD", json.loads(cmd[1])))
    return commands


def build_context(root):
    """The paths Docker sends as the build context of `root`, by the Docker SDK's .dockerignore matcher.

    The file is read the way the SDK's `build()` reads it: stripped lines, blank lines and # comments dropped."""
    lines = [line.strip() for line in (root / ".dockerignore").read_text(encoding="utf-8").splitlines()]
    patterns = [line for line in lines if line and not line.startswith("#")]
    return {path.replace(os.sep, "/") for path in exclude_paths(str(root), patterns)}


def test_every_command_in_the_image_finds_its_executable():
    base_image = re.search(r"^FROM (\S+)", dockerfile(), re.MULTILINE)[1]
    scripts = console_script_distributions()
    pins = lock_pins()
    context = build_context(ROOT)
    checked = set()
    for where, argv in image_commands(production()):
        for executable, arguments in executables(argv):
            checked.add(executable)
            if executable in {"sh", "python"}:
                # The official python images are Debian (or Alpine) with Python on PATH: both have sh and python.
                assert base_image.startswith("python:"), f"{where}: {executable} needs a python base image"
                script = next((arg for arg in arguments if arg.endswith(".py")), None)
                if executable == "python" and script:
                    assert script in context, f"{where}: {script} is not in the image's build context"
            else:
                assert executable in scripts, f"{where}: {executable} is no console script of the locked packages"
                assert scripts[executable] in pins, f"{where}: requirements.lock does not pin {scripts[executable]}"
    assert {"sh", "python", "gunicorn", "celery"} <= checked


def test_image_installs_the_lock_file_before_copying_the_code():
    text = dockerfile()
    assert re.search(r"^COPY requirements\.lock \./?$", text, re.MULTILINE)
    assert "RUN pip install -r requirements.lock" in text
    assert text.index("pip install -r requirements.lock") < text.index("COPY --chown=portal:portal . .")
    assert re.search(r"^USER portal$", text, re.MULTILINE)


def test_image_pg_dump_is_not_older_than_the_compose_postgres_server():
    server = int(re.match(r"postgres:(\d+)", load(BASE)["services"]["db"]["image"])[1])
    clients = [int(version) for version in re.findall(r"postgresql-client-(\d+)", dockerfile())]
    assert clients, "the image has no pg_dump for manage.py backup"
    assert min(clients) >= server


def test_backups_and_private_files_live_on_volumes_the_image_user_owns():
    services = load(BASE)["services"]
    assert "backups:/data/backups" in services["web"]["volumes"]
    assert "private:/data/private" in services["web"]["volumes"]
    assert "chown portal:portal /data/private /data/backups" in dockerfile()


# Local state a developer's tree holds: (a file, the shallowest path of it that must stay out of the context).
FABRICATED = [
    (".venv/bin/python", ".venv"),
    (".venv/lib/python3.13/site-packages/django/__init__.py", ".venv"),
    ("var/private/x.pdf", "var"),
    ("var/staticfiles/staticfiles.json", "var"),
    ("db.sqlite3", "db.sqlite3"),
    (".git/HEAD", ".git"),
    (".env", ".env"),
    ("portal/__pycache__/settings.cpython-313.pyc", "portal/__pycache__"),
    ("stray.pyc", "stray.pyc"),
    ("reviews/helper.pyc", "reviews/helper.pyc"),
    (".pytest_cache/v/cache/nodeids", ".pytest_cache"),
    (".ruff_cache/0.17.6/cache", ".ruff_cache"),
    (".hypothesis/examples/x", ".hypothesis"),
    ("test-results/trace.zip", "test-results"),
    ("node_modules/left-pad/index.js", "node_modules"),
    ("static/vendor/node_modules/x/index.js", "static/vendor/node_modules"),
]


@pytest.fixture
def checkout_copy(tmp_path):
    """The checkout's file tree (tracked and new files, empty) plus local state a developer's tree holds."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    tree = tmp_path / "checkout"
    for relative in [path for path in listed if path] + [path for path, _root in FABRICATED]:
        target = tree / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    (tree / ".dockerignore").write_bytes((ROOT / ".dockerignore").read_bytes())
    return tree


def test_build_context_leaves_out_local_state_and_keeps_the_application(checkout_copy):
    context = build_context(checkout_copy)
    for path, root in FABRICATED:
        assert path not in context, f"{path} is in the build context"
        assert root not in context, f"{root} is in the build context"
    for path in [
        "manage.py",
        "requirements.lock",
        "Dockerfile",
        "portal",
        "portal/settings.py",
        "portal/wsgi.py",
        "static",
        "templates",
        "locale",
        "deploy/healthcheck.py",
        "alliances/data/alliances.csv",
    ]:
        assert path in context, f"{path} is missing from the build context"


def test_dockerignore_matching_follows_docker_not_gitignore(tmp_path):
    """Why .dockerignore says **/__pycache__: Docker anchors a pattern at the context root (gitignore would not)."""
    for path in ["__pycache__/a.pyc", "pkg/__pycache__/b.pyc", "pkg/keep.py", "secret.key", "var/x", "var/keep"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).touch()
    (tmp_path / ".dockerignore").write_text("__pycache__\n/secret.key\nvar\n!var/keep\n", encoding="utf-8")
    context = build_context(tmp_path)
    assert "__pycache__" not in context
    assert "pkg/__pycache__/b.pyc" in context  # a bare name does not reach into subdirectories
    assert "secret.key" not in context  # the leading slash is dropped
    assert "var/keep" in context and "var/x" not in context  # a later ! line re-includes


# --- the web health probe against a production-configured gunicorn -----------------------------------------------


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(database_url, allowed_hosts="portal.example"):
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "REDIS_URL",
            "EMAIL_HOST",
            "ALLOWED_HOSTS",
            "SECRET_KEY",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=allowed_hosts,
        DATABASE_URL=database_url,
        # Production refuses to start without a broker; /health/ itself does not use it.
        REDIS_URL=os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/1",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
    )
    return env


def server_database_url():
    """A database that exists on the test run's PostgreSQL server: /health/ only runs SELECT 1."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wir_portal")
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        return urlunsplit(parts._replace(path="/postgres"))
    return url


def gunicorn_argv(port):
    """The gunicorn part of the web service's command, bound to a local port with one worker."""
    argv = shell_commands(shlex.split(load(BASE)["services"]["web"]["command"])[2])[-1]
    assert argv[0] == "gunicorn"
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    argv[argv.index("--workers") + 1] = "1"
    return argv


def start_gunicorn(database_url):
    port = free_port()
    process = popen(gunicorn_argv(port), production_env(database_url))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, output(process)
        try:
            # Any HTTP answer means a worker has loaded the portal; a busy machine may take longer than the probe's 5 s.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/health/")
            connection.getresponse().read()
            connection.close()
            return process, f"http://127.0.0.1:{port}/health/"
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not listen within 60 s")


def popen(argv, env):
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.args_output = log
    return process


def output(process):
    """What a process started with stdout=TemporaryFile() has written (a file, not a pipe that could fill up)."""
    stream = process.args_output
    stream.seek(0)
    return stream.read().decode(errors="replace")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.args_output.close()


def run_probe(url, allowed_hosts):
    return subprocess.run(
        [sys.executable, "deploy/healthcheck.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": os.environ.get("PATH", ""), "HEALTHCHECK_URL": url, "ALLOWED_HOSTS": allowed_hosts},
    )


@pytest.fixture(scope="module")
def production_gunicorn():
    process, url = start_gunicorn(server_database_url())
    yield url
    stop(process)


def test_web_health_probe_passes_against_production_settings(production_gunicorn):
    result = run_probe(production_gunicorn, "portal.example,www.portal.example")
    assert result.returncode == 0, result.stdout + result.stderr
    # Without the proxy's header the same request is redirected to HTTPS: the probe must send it.
    parts = urlsplit(production_gunicorn)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", parts.path, headers={"Host": "portal.example"})
    assert connection.getresponse().status == 301
    connection.close()


def test_web_health_probe_fails_for_a_host_django_refuses(production_gunicorn):
    result = run_probe(production_gunicorn, "elsewhere.example")
    assert result.returncode == 1
    assert "400" in result.stderr


def test_web_health_probe_fails_when_nothing_listens():
    result = run_probe(f"http://127.0.0.1:{free_port()}/health/", "portal.example")
    assert result.returncode == 1
    assert "no answer" in result.stderr


def test_web_health_probe_fails_when_the_database_is_unreachable():
    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/postgres"
    process, url = start_gunicorn(unreachable)
    try:
        result = run_probe(url, "portal.example")
    finally:
        stop(process)
    assert result.returncode == 1
    assert "503" in result.stderr


# --- the worker health check against a real Celery worker ---------------------------------------------------------


def worker_healthcheck(hostname, timeout_seconds=None):
    script = unescape(load(BASE)["services"]["worker"]["healthcheck"]["test"][1])
    if timeout_seconds:
        script = re.sub(r"--timeout \d+", f"--timeout {timeout_seconds}", script)
    env = {**os.environ, "HOSTNAME": hostname, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["sh", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_worker_health_check_pings_the_worker_of_its_own_container():
    if not os.environ.get("REDIS_URL"):
        pytest.fail("REDIS_URL must point to a running Redis (make test sets it).")
    hostname = f"probe-{uuid.uuid4().hex[:8]}"
    argv = list(load(BASE)["services"]["worker"]["command"])
    # The container's worker, named as in a container (celery@<hostname>), on a queue of its own so it takes
    # no task of the test run.
    argv[argv.index("-Q") + 1] = f"healthcheck-{hostname}"
    argv += ["--hostname", f"celery@{hostname}"]
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    worker = popen(argv, env)
    try:
        deadline = time.monotonic() + 60
        result = None
        while time.monotonic() < deadline:
            assert worker.poll() is None, output(worker)
            result = worker_healthcheck(hostname, timeout_seconds=2)
            if result.returncode == 0:
                break
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"celery@{hostname}" in result.stdout
        other = worker_healthcheck(f"other-{hostname}", timeout_seconds=2)
        assert other.returncode != 0, "the check passes for a worker that does not run"
    finally:
        stop(worker)


# --- the TLS proxy example -----------------------------------------------------------------------------------------


def nginx_blocks(text):
    """nginx.conf as nested [name, args, children] (children None for a simple directive)."""
    text = re.sub(r"#[^\n]*", "", text)
    tokens = re.findall(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|[{};]|[^\s{};]+', text)
    root, stack, words = [], [], []
    current = root
    for token in tokens:
        if token == "{":
            block = [words[0], words[1:], []]
            current.append(block)
            stack.append(current)
            current, words = block[2], []
        elif token == "}":
            current = stack.pop()
        elif token == ";":
            current.append([words[0], words[1:], None])
            words = []
        else:
            words.append(token.strip("\"'"))
    assert not stack and not words, "unbalanced nginx.conf"
    return root


def directives(block, name):
    return [args for directive, args, children in block if directive == name and children is None]


def size_in_bytes(value):
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def proxied_locations(tree):
    """(server, location) of every location that passes requests on to the portal."""
    for name, _args, server in tree:
        if name != "server":
            continue
        for location_name, _location_args, location in server:
            if location_name == "location" and directives(location, "proxy_pass"):
                yield server, location


def effective(levels, name):
    """nginx inheritance: the innermost level that sets a directive at all defines all of its values."""
    for level in levels:
        found = directives(level, name)
        if found:
            return found
    return []


def check_proxy(text):
    tree = nginx_blocks(text)
    locations = list(proxied_locations(tree))
    assert locations, "no location proxies to the portal"
    for server, location in locations:
        levels = [location, server, tree]
        assert any("ssl" in args for args in directives(server, "listen")), "the portal is proxied without TLS"
        body_limit = effective(levels, "client_max_body_size")
        assert body_limit, "no client_max_body_size: nginx's 1m default refuses uploads"
        assert size_in_bytes(body_limit[-1][0]) >= settings.UPLOAD_MAX_BYTES
        headers = {args[0].lower(): args[1] for args in effective(levels, "proxy_set_header")}
        assert headers.get("x-forwarded-proto") == "$scheme"
        assert headers.get("host") == "$host"
        for timeout in ("proxy_read_timeout", "proxy_connect_timeout", "client_body_timeout"):
            assert effective(levels, timeout), f"{timeout} is not set"


def test_proxy_example_accepts_uploads_up_to_the_limit_and_forwards_the_scheme():
    check_proxy(NGINX.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda text: text.replace("client_max_body_size 30m;", "client_max_body_size 10m;"),
        lambda text: text.replace("client_max_body_size 30m;", ""),
        lambda text: text.replace("proxy_set_header X-Forwarded-Proto $scheme;", ""),
        # A proxy_set_header in the location hides every one set on the server level.
        lambda text: text.replace("proxy_set_header X-Forwarded-Proto $scheme;", "").replace(
            "    client_body_timeout", "    proxy_set_header X-Forwarded-Proto $scheme;\n    client_body_timeout"
        ),
    ],
    ids=["limit-too-small", "limit-missing", "scheme-not-forwarded", "scheme-only-on-server-level"],
)
def test_proxy_check_catches_a_broken_example(breakage):
    broken = breakage(NGINX.read_text(encoding="utf-8"))
    with pytest.raises(AssertionError):
        check_proxy(broken)


# --- access logs without personal data ----------------------------------------------------------------------------

# gunicorn's atoms that name no one: time, method, path without query, status, size, duration, protocol, pid.
IMPERSONAL_GUNICORN_ATOMS = {"t", "m", "U", "s", "b", "B", "M", "D", "L", "T", "H", "p"}
IMPERSONAL_NGINX_VARIABLES = {
    "time_local",
    "time_iso8601",
    "request_method",
    "uri",
    "status",
    "body_bytes_sent",
    "bytes_sent",
    "request_time",
    "upstream_response_time",
    "server_protocol",
}


def gunicorn_access_log_formats():
    """{where: access log format} of every gunicorn the image runs (compose services and the Dockerfile's CMD)."""
    formats = {}
    for where, argv in image_commands(production()):
        for executable, arguments in executables(argv):
            if executable == "gunicorn":
                assert "--access-logformat" in arguments, f"{where}: gunicorn's default access log names the client"
                formats[where] = arguments[arguments.index("--access-logformat") + 1]
    return formats


def test_gunicorns_access_log_has_no_client_address_user_agent_or_query_string():
    formats = gunicorn_access_log_formats()
    assert set(formats) == {"web", "Dockerfile CMD"}
    assert len(set(formats.values())) == 1, "compose and the image log differently"
    for where, access_format in formats.items():
        assert "%(h)s" not in access_format, f"{where}: the remote address"
        atoms = re.findall(r"%\((.*?)\)s", access_format)
        assert atoms and set(atoms) <= IMPERSONAL_GUNICORN_ATOMS, f"{where}: {access_format}"


def test_the_proxys_access_log_has_no_client_address_user_agent_or_query_string():
    tree = nginx_blocks(NGINX.read_text(encoding="utf-8"))
    formats = {args[0]: "".join(args[1:]) for args in directives(tree, "log_format")}
    logs = directives(tree, "access_log") + [
        args for name, _args, server in tree if name == "server" for args in directives(server, "access_log")
    ]
    assert logs, "without access_log nginx writes the image's default format, with the client address"
    for args in logs:
        assert args[0] == "off" or (len(args) > 1 and args[1] in formats), f"access_log {args} uses a default format"
    for name, text in formats.items():
        variables = set(re.findall(r"\$\{?(\w+)", text))
        assert variables and variables <= IMPERSONAL_NGINX_VARIABLES, f"log_format {name}: {text}"


def test_production_overlay_puts_the_scaled_web_tier_behind_the_proxy():
    stack = production()
    services = stack["services"]
    assert services["web"].get("ports", []) == [], "a published web port makes --scale web=N collide"
    assert services["proxy"]["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])
    assert services["web"]["environment"]["SECURE_SSL_REDIRECT"] == "1"
    assert services["mailpit"].get("profiles"), "the mail catcher must not start in production"
    assert "http://web:8000" in NGINX.read_text(encoding="utf-8")
    for name in ("beat", "worker", "web"):
        assert "scale" not in services[name] and "deploy" not in services[name]
    # The local stack keeps its documented address.
    assert load(BASE)["services"]["web"]["ports"] == ["127.0.0.1:8000:8000"]


def test_deployment_guide_covers_tls_settings_backups_and_scaling():
    guide = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
    for needle in [
        "deploy/nginx.conf",
        "deploy/compose.production.yml",
        "SECURE_SSL_REDIRECT",
        "CSRF_TRUSTED_ORIGINS",
        "ALLOWED_HOSTS",
        "PORTAL_BASE_URL",
        "POSTGRES_PASSWORD",
        "manage.py backup",
        "manage.py restore",
        "--scale web=3",
        "--scale worker=4",
        "OnCalendar",
        "beat",
    ]:
        assert needle in guide, needle
