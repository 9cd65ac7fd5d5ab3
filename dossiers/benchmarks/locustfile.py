"""Locust users of the page benchmark; run by dossiers.benchmarks.load, never imported by the portal.

The plan (JSON, path in BENCH_LOAD_PLAN) names each person's session cookie, pages and form fields; users take
their person from it in turn. Requests speak as the TLS proxy does (X-Forwarded-Proto: https, Origin on POST).
Closed loop, no think time. A version conflict (409) on a save is a normal outcome: the next round re-reads.
"""

import itertools
import json
import os
import re

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["BENCH_LOAD_PLAN"], encoding="utf-8") as plan_file:  # noqa: PTH123 - runs outside Django
    PLAN = json.load(plan_file)

VERSION = re.compile(r'name="version" value="(\d+)"')
_turns = {kind: itertools.count() for kind in ("managers", "experts", "staff", "dashboard")}


class PortalUser(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = 60.0
    connection_timeout = 10.0
    kind = ""

    def on_start(self):
        people = PLAN[self.kind]
        self.person = people[next(_turns[self.kind]) % len(people)]
        self.origin = self.host.replace("http://", "https://", 1)
        cookie = f"{PLAN['session_cookie']}={self.person['session']}; {PLAN['csrf_cookie']}={PLAN['csrf']}"
        self.headers = {"X-Forwarded-Proto": "https", "Cookie": cookie, "Accept-Language": "de"}
        self.saves = 0

    def page(self, path, name):
        with self.client.get(path, headers=self.headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            return response.text if response.status_code == 200 else ""

    def save(self, path, fields, name):
        headers = self.headers | {"Origin": self.origin, "Referer": self.origin + path}
        data = fields | {"csrfmiddlewaretoken": PLAN["csrf"]}
        # A saved draft answers with a redirect to the page, which the next round reads anyway.
        with self.client.post(
            path, data=data, headers=headers, name=name, catch_response=True, allow_redirects=False
        ) as response:
            if response.status_code in (302, 303, 409):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


class ManagerUser(PortalUser):
    """Opens the strategy page and saves the draft with the version the page showed."""

    weight = 60
    kind = "managers"

    @task
    def edit(self):
        text = self.page(self.person["page"], "Bündnis: Strategieseite")
        match = VERSION.search(text)
        if not match:
            return
        self.saves += 1
        fields = dict(self.person["fields"], version=match.group(1))
        fields["summary"] = f"{fields['summary']} Überarbeitet ({self.saves})."
        if self.saves % 4 == 0:  # now and then a budget cell changes too
            name = self.person["budget_field"]
            fields[name] = f"{int(fields[name].split(',')[0]) + self.saves % 2},00"
        self.save(self.person["save"], fields, "Bündnis: Entwurf speichern")


class ExpertUser(PortalUser):
    """Lists the assignments, opens the review and saves it as a draft."""

    weight = 20
    kind = "experts"

    @task
    def review(self):
        self.page(self.person["list"], "Gutachter/in: Zuweisungen")
        text = self.page(self.person["review"], "Gutachter/in: Gutachten")
        match = VERSION.search(text)
        if not match:
            return
        self.saves += 1
        fields = dict(self.person["fields"], version=match.group(1))
        fields["strengths"] = f"{fields['strengths']} ({self.saves})"
        self.save(self.person["review"], fields, "Gutachter/in: Entwurf speichern")


class StaffUser(PortalUser):
    """Programme office and ministry: dashboard, overview, review progress and the assignment matrix."""

    weight = 20
    kind = "staff"

    @task
    def read(self):
        for name, path in self.person["paths"]:
            self.page(path, name)


class DashboardUser(PortalUser):
    kind = "dashboard"

    @task
    def dashboard(self):
        self.page(self.person["path"], "Ministerium: Dashboard")


class LoginPageUser(FastHttpUser):
    wait_time = constant(0)

    @task
    def login_page(self):
        self.client.get(PLAN["login"], headers={"X-Forwarded-Proto": "https"}, name="Anmeldeseite")
