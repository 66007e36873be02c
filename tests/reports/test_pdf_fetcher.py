"""The PDF reads files of the static folder and nothing else: no address on the network,
no other file on the machine, whatever the HTML or a name typed by someone asks for."""

import builtins
import io
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from reports import rendering
from reports.rendering import (
    StaticOnlyURLFetcher,
    URLRefused,
    html_to_pdf,
    render_report_html,
    render_report_pdf,
)
from tests.reports.documents import pdftotext, sample_document

STATIC = Path(settings.STATICFILES_DIRS[0]).resolve()


@pytest.fixture
def listener():
    """A tiny HTTP server on 127.0.0.1 that counts the requests it receives."""
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"body { color: red }")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.hits = hits
    server.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # the server does answer: a request that reached it would be counted
    urllib.request.urlopen(server.base + "/ping", timeout=5).read()  # noqa: S310
    assert hits == ["/ping"]
    hits.clear()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def passwd_reads(monkeypatch):
    """Every attempt to open /etc/passwd, from anywhere (builtins.open, io.open, Path.open)."""
    attempts = []
    real_open = builtins.open

    def spying_open(file, *args, **kwargs):
        if "passwd" in str(file):
            attempts.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", spying_open)
    monkeypatch.setattr(io, "open", spying_open)
    return attempts


class SpyFetcher(StaticOnlyURLFetcher):
    """The real fetcher, noting what it was asked, what it served and what it refused."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.asked, self.served, self.refused = [], [], []

    def fetch(self, url, headers=None):
        self.asked.append(url)
        try:
            response = super().fetch(url, headers)
        except URLRefused:
            self.refused.append(url)
            raise
        self.served.append(url)
        return response


@pytest.fixture
def spy(monkeypatch):
    """Every StaticOnlyURLFetcher made during the test, spied on."""
    made = []

    class Recording(SpyFetcher):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            made.append(self)

    monkeypatch.setattr(rendering, "StaticOnlyURLFetcher", Recording)

    class Seen:
        @property
        def served(self):
            return [url for fetcher in made for url in fetcher.served]

        @property
        def refused(self):
            return [url for fetcher in made for url in fetcher.refused]

        @property
        def asked(self):
            return [url for fetcher in made for url in fetcher.asked]

    return Seen()


def test_pdf_fetches_nothing_outside_the_static_folder(listener, passwd_reads):
    base = listener.base
    html = f"""<!DOCTYPE html><html><head>
    <link rel="stylesheet" href="{base}/x.css">
    <style>
      @import url("file:///etc/passwd?import");
      @font-face {{ font-family: Far; src: url("{base}/font.woff"); }}
      body {{ background: url("{base}/background.png"); font-family: Far, sans-serif; }}
    </style></head><body>
    <p>Hello</p>
    <img src="{base}/x.png" alt="">
    <img src="https://127.0.0.1:{base.rsplit(":", 1)[1]}/secure.png" alt="">
    <img src="ftp://127.0.0.1/file.png" alt="">
    <img src="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E" alt="">
    <img src="file:///etc/passwd?img" alt="">
    <img src="../../../../etc/passwd?relative" alt="">
    <img src="%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd?encoded" alt="">
    </body></html>"""
    fetcher = SpyFetcher()
    pdf = html_to_pdf(html, url_fetcher=fetcher)

    assert pdf.startswith(b"%PDF")
    assert listener.hits == []
    assert passwd_reads == []
    asked = " ".join(fetcher.asked)
    for reference in (
        "/x.css",
        "/font.woff",
        "/background.png",
        "/x.png",
        "https://",
        "ftp://",
        "data:",
        "passwd?import",
        "passwd?img",
        "passwd?relative",
        "passwd?encoded",
    ):
        assert reference in asked, reference
    assert fetcher.refused == fetcher.asked
    assert fetcher.served == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "ftp://example.org/x",
        "data:text/css,body{color:red}",
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/etc/passwd",
        "file://" + STATIC.as_posix() + "/../../../../etc/passwd",
        "file://" + STATIC.as_posix() + "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "file://" + STATIC.as_posix() + "/img/../../pyproject.toml",
        "file://" + STATIC.as_posix(),
        "/etc/passwd",
        "css/report-print.css",
    ],
)
def test_the_fetcher_refuses_before_opening_anything(url, passwd_reads, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the fetcher reached for the network")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with pytest.raises(URLRefused):
        StaticOnlyURLFetcher().fetch(url)
    assert passwd_reads == []


def test_a_symbolic_link_cannot_lead_out_of_the_static_folder(tmp_path):
    root = tmp_path.resolve() / "static"
    root.mkdir()
    (root / "inside.css").write_text("p { color: teal }")
    (root / "way-out.css").symlink_to("/etc/passwd")
    (root / "folder").symlink_to("/etc", target_is_directory=True)
    fetcher = StaticOnlyURLFetcher(root=root)
    assert fetcher.fetch((root / "inside.css").as_uri()).read() == b"p { color: teal }"
    for name in ("way-out.css", "folder/passwd"):
        with pytest.raises(URLRefused):
            fetcher.fetch((root / name).as_uri())


def test_a_name_written_as_html_is_printed_as_text_and_fetches_nothing(listener, tmp_path, spy):
    trap = f'<img src="{listener.base}/y">'
    document = sample_document(organisation=trap, site=trap)
    document.sections[0].tables[0].rows[0].label = trap
    document.sections[0].tables[1].rows[0].label = trap  # also drawn in a chart

    html = render_report_html(document)
    assert trap not in html
    assert html.count("&lt;img src=&quot;http://127.0.0.1:") >= 4
    pdf = render_report_pdf(document)
    assert listener.hits == []
    assert spy.refused == []  # nothing even asked for it
    assert all(url.startswith(STATIC.as_uri() + "/") for url in spy.asked)
    assert trap in pdftotext(pdf, tmp_path)


def test_the_logo_and_the_stylesheet_are_read_from_the_static_folder(spy, settings):
    render_report_pdf(sample_document())
    assert spy.served == [
        (STATIC / "css/report-print.css").as_uri(),
        (STATIC / "img/icon.svg").as_uri(),
    ]
    assert spy.refused == []


def test_the_organisation_can_set_its_own_logo(spy, settings):
    settings.SAFESPACE_ORGANISATION_LOGO = "img/portal/leaf.svg"
    render_report_pdf(sample_document())
    assert (STATIC / "img/portal/leaf.svg").as_uri() in spy.served
    assert '/static/img/portal/leaf.svg"' in render_report_html(sample_document())


@pytest.mark.django_db
def test_her_plan_as_a_pdf_uses_the_same_fetcher(eve_file, eve_participant, spy, client):
    client.force_login(eve_participant)
    response = client.get(reverse("portal_plan_pdf"))
    assert response.content.startswith(b"%PDF")
    assert spy.served == [(STATIC / "css/my-plan-print.css").as_uri()]


def test_a_logo_drawn_in_svg_cannot_fetch_what_it_points_to(tmp_path, listener, passwd_reads):
    from weasyprint import HTML

    (tmp_path / "logo.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        ' width="10" height="10">'
        f'<image href="{listener.base}/tracker.png" width="10" height="10"/>'
        '<image xlink:href="file:///etc/passwd" width="10" height="10"/></svg>'
    )
    fetcher = SpyFetcher(root=tmp_path)
    html = '<img src="logo.svg" alt="">'
    HTML(string=html, base_url=tmp_path.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    assert fetcher.served == [(tmp_path.resolve() / "logo.svg").as_uri()]
    assert len(fetcher.refused) == 2
    assert listener.hits == [] and passwd_reads == []


def test_a_logo_outside_the_static_folder_stops_start_up(tmp_path):
    from tests.test_settings import manage, production_env

    env = production_env(tmp_path, SAFESPACE_ORGANISATION_LOGO="../../etc/passwd")
    result = manage(env, "check")
    assert result.returncode != 0
    assert "SAFESPACE_ORGANISATION_LOGO must be a file inside the static folder" in result.stderr
