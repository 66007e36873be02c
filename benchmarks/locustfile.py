"""Simulated staff for the load run (issue 9): social workers browsing, searching and
logging visits at the drop-in desk, as fast as a busy afternoon.

Run only by ``benchmarks.load.load_run``, as its own process (``locust -f``): locust
monkey-patches the standard library with gevent when imported, so nothing in the Django
process or the test suite may import this file, and this file imports nothing of Django.

Each simulated user takes one identity prepared by the load run, from the JSON file named by
``SAFESPACE_BENCH_IDENTITIES``: her session and CSRF cookies (signed in beforehand, so no
sign-in is timed), what she types in the search box, the files of her caseload, the drop-in
session opened for the run, and her own pool of participants to log (no two users share a
person: a person is logged once per drop-in session). Every request names its stats row,
so ids do not split the table, and anything but a 200 with the expected text is a failure.
"""

import itertools
import json
import os
import random
from urllib.parse import urlsplit

from locust import HttpUser, between, task

IDENTITIES_ENV = "SAFESPACE_BENCH_IDENTITIES"


def _prepared() -> dict:
    path = os.environ.get(IDENTITIES_ENV, "")
    if not path:
        raise RuntimeError(f"{IDENTITIES_ENV} names no identities file: run it through load_run")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


PREPARED = _prepared()
IDENTITIES = PREPARED["identities"]
# the stats rows' names, from benchmarks.load.TASKS (the report's table reads them back)
NAMES = PREPARED["names"]
_next_identity = itertools.count()


class StaffUser(HttpUser):
    """A social worker at her desk: a click every half a second to a second and a half."""

    wait_time = between(*PREPARED["wait"])  # 0.5 to 1.5 s (benchmarks.load.WAIT_SECONDS)

    def on_start(self):
        number = next(_next_identity)
        if number >= len(IDENTITIES):
            raise RuntimeError("more simulated users than prepared identities")
        self.me = IDENTITIES[number]
        self.pool = list(self.me["pool"])
        cookies = self.me["cookies"]
        host = urlsplit(self.host).hostname
        for name, value in cookies.items():
            self.client.cookies.set(name, value, domain=host, path="/")
        self.client.headers.update({"Accept-Language": "en"})
        self.post_headers = {self.me["csrf_header"]: self.me["csrf_token"]}
        self.htmx_post_headers = {**self.post_headers, "HX-Request": "true"}

    def _check(self, response, expect: str) -> None:
        if response.status_code != 200:
            response.failure(f"answered {response.status_code}, not 200")
        elif expect not in response.text:
            response.failure("the answer lacks what it should show")
        else:
            response.success()

    def _get(self, url: str, name: str, expect: str) -> None:
        with self.client.get(
            url, name=name, catch_response=True, allow_redirects=False
        ) as response:
            self._check(response, expect)

    def _post(self, url: str, data: dict, name: str, expect: str) -> None:
        with self.client.post(
            url,
            data=data,
            headers=self.htmx_post_headers,
            name=name,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            self._check(response, expect)

    @task(2)
    def floor(self):
        self._get("/bench/floor/", NAMES["floor"], "Floor.")

    @task(2)
    def home(self):
        self._get("/", NAMES["home"], "caseload-heading")

    @task(4)
    def search(self):
        search = random.choice(self.me["searches"])  # noqa: S311 - not a secret
        self._post("/people/search/", {"q": search["q"]}, NAMES["search"], search["expect"])

    @task(3)
    def case_page(self):
        file = random.choice(self.me["files"])  # noqa: S311 - not a secret
        self._get(f"/people/{file['pk']}/", NAMES["case_page"], file["reference"])

    @task(1)
    def session_page(self):
        url = f"/dropin/sessions/{self.me['session']}/"
        self._get(url, NAMES["session_page"], 'id="desk"')

    @task(2)
    def log_visit(self):
        data = {"v-services": self.me["services"], "v-children_count": "0"}
        if self.pool:
            pk, typed = self.pool.pop()
            data |= {"v-q": typed, "v-who": str(pk)}
            name = NAMES["log_visit"]
        else:
            data |= {"v-q": "", "v-who": self.me["anonymous"]}
            name = NAMES["log_anonymous"]
        url = f"/dropin/sessions/{self.me['session']}/visits/"
        self._post(url, data, name, "logged.")
