"""Health probe of the web container: exit 0 only when gunicorn answers GET /health/ with 200 and status "ok".

The slim Python image has no curl, so docker-compose.yml runs this file with the image's Python. It asks the way the
TLS proxy does: with the Host of the first ALLOWED_HOSTS entry (Django refuses other hosts) and with
`X-Forwarded-Proto: https` (otherwise SECURE_SSL_REDIRECT answers 301). It never follows a redirect.
Standard library only; it must not import Django, so a broken settings module cannot make it pass.
"""

import http.client
import json
import os
import sys
from urllib.parse import urlsplit

DEFAULT_URL = "http://127.0.0.1:8000/health/"


def probe_host(allowed_hosts):
    """The first concrete host in ALLOWED_HOSTS ('.example.org' stands for example.org; '*' for anything)."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def check(url=DEFAULT_URL, allowed_hosts="", timeout=5.0):
    """Returns (healthy, reason)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        connection.request(
            "GET",
            parts.path or "/",
            headers={"Host": probe_host(allowed_hosts), "X-Forwarded-Proto": "https", "Accept": "application/json"},
        )
        response = connection.getresponse()
        body = response.read(4096)
    except OSError as exc:
        return False, f"no answer from {url}: {exc}"
    finally:
        connection.close()
    if response.status != 200:
        return False, f"{url} answered {response.status}"
    try:
        status = json.loads(body).get("status")
    except (ValueError, AttributeError):
        return False, f"{url} answered 200 without the health JSON"
    if status != "ok":
        return False, f"{url} reports status {status!r}"
    return True, "ok"


def main():
    healthy, reason = check(os.environ.get("HEALTHCHECK_URL", DEFAULT_URL), os.environ.get("ALLOWED_HOSTS", ""))
    print(reason, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
