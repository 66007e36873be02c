"""Fixtures for the browser journeys: one Chromium per session, one context per page.

Without Chromium, Playwright or npm the journeys skip with the reason; with
SAFESPACE_REQUIRE_BROWSER=1 (set in CI) the same situation fails instead, so a
broken runner cannot turn the browser suite silently green.
"""

import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from safespace.roles import Role

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # reported by the `browser` fixture, as a skip or a failure
    sync_playwright = None

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
NODE_PREFIX = REPO_ROOT / "var" / "node"
AXE_JS = NODE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
NEUTRAL_PAGE = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Weather</title></head>'
    "<body><main><h1>Neutral weather page</h1></main></body></html>"
)


def unavailable(reason):
    """Skip, or fail when the environment promises a browser (CI)."""
    if os.environ.get("SAFESPACE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (SAFESPACE_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


# One browser for all the journeys. Package scope rather than session scope:
# while Playwright runs, the main thread has a running event loop, so any test
# run after this folder would get Django's async behaviour (a fresh connection,
# no serialized rollback); closing it when the folder is done prevents that.
@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, headless, shared by every journey in this folder."""
    if sync_playwright is None:
        unavailable("Playwright is not installed; install the dev extra: pip install -e '.[dev]'")
    if not CHROMIUM.is_file():
        unavailable(f"Chromium not found at {CHROMIUM}; install the Debian package chromium")
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop running in the main thread, and
        # Django refuses ORM calls from such a thread unless told it is safe. Set
        # only while the browser runs: a process-wide setting would leak into the
        # subprocesses of other tests, and `check --deploy` rejects it (async.E001).
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_path():
    """Path of axe.min.js, installed into the git-ignored var/node on first use."""
    if not AXE_JS.is_file():
        npm = shutil.which("npm")
        if npm is None:
            unavailable(
                "npm not found, so axe-core cannot be installed; install the Debian package npm"
            )
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--prefix", str(NODE_PREFIX), "axe-core@4"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if result.returncode != 0 or not AXE_JS.is_file():
            unavailable(
                f"npm could not install axe-core into {NODE_PREFIX}:\n{result.stderr[-2000:]}"
            )
    return AXE_JS


@pytest.fixture(autouse=True)
def _role_groups(transactional_db):
    """The role groups (and the default services), which the flush after each
    transactional test deletes.

    serialized_rollback cannot bring them back: once Playwright has started, its
    event loop makes Django hand the main thread a new connection object, one
    without the serialized copy of the database.
    """
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    # the default services of the drop-in, created by a data migration, go the same way
    from dropin.catalogue import defaults_ensure

    defaults_ensure()


@pytest.fixture
def new_page(browser, live_server):
    """Factory: new_page(phone=False, locale="en-GB") opens a page in a fresh context.

    Only the live server is reachable; the emergency exit's neutral site is served
    locally, so no journey ever touches the network.
    """
    origin = urlsplit(live_server.url)[:2]
    exit_url = settings.SAFESPACE_EXIT_URL
    contexts = []

    def route(route):
        url = route.request.url
        if urlsplit(url)[:2] == origin:
            route.continue_()
        elif url.startswith(exit_url):
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=NEUTRAL_PAGE)
        else:
            route.abort()

    def open_page(phone=False, locale="en-GB"):
        # No is_mobile for the phone: mobile emulation widens the layout viewport
        # to fit overflowing content, which would hide sideways scrolling.
        context = browser.new_context(
            # the site's CSP forbids inline scripts, and axe is injected as one
            bypass_csp=True,
            locale=locale,
            viewport=PHONE if phone else DESKTOP,
        )
        contexts.append(context)
        context.set_default_timeout(10_000)
        context.route("**/*", route)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page in English."""
    return new_page()


@pytest.fixture
def axe_check(axe_path):
    """axe_check(page) fails listing every serious or critical axe violation on the page."""

    def check(page):
        page.add_script_tag(path=str(axe_path))
        violations = page.evaluate(
            """async () => {
                const results = await axe.run(document, {resultTypes: ["violations"]});
                return results.violations
                    .filter((v) => v.impact === "serious" || v.impact === "critical")
                    .map((v) => ({
                        id: v.id,
                        impact: v.impact,
                        help: v.help,
                        targets: v.nodes.map((n) => n.target.join(" ")),
                    }));
            }"""
        )
        if violations:
            lines = [
                f"- {v['id']} ({v['impact']}): {v['help']} -> {', '.join(v['targets'])}"
                for v in violations
            ]
            pytest.fail(f"axe found violations on {page.url}:\n" + "\n".join(lines), pytrace=False)

    return check
