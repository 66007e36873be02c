"""How the report reads: numbers in the report's language, accessible tables and charts, the
internal-use band on every page, and a first page worth sending to a funder."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from reports.document import SUPPRESSED
from reports.rendering import cell_text, render_report_html, render_report_pdf, report_view
from tests.reports.documents import demo_document, page_count, pdftotext, sample_document

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "reports"
BAND = "Internal use: small numbers are not hidden"


# --- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "english", "french"),
    [
        (1234, "int", "1,234", "1\xa0234"),
        (1234567, "int", "1,234,567", "1\xa0234\xa0567"),
        (0, "int", "0", "0"),
        (0.9, "percent", "90%", "90\xa0%"),
        (0.4375, "percent", "44%", "44\xa0%"),
        (97.14, "decimal", "97.1", "97,1"),
        (1234.5, "decimal", "1,234.5", "1\xa0234,5"),
        (460.0, "decimal", "460.0", "460,0"),
        (SUPPRESSED, "int", "< 5", "< 5"),
        (SUPPRESSED, "percent", "< 5", "< 5"),
        (None, "int", "–", "–"),
    ],
)
def test_cells_read_in_the_language_of_the_report(value, fmt, english, french):
    with translation.override("en"):
        assert cell_text(value, fmt, threshold=5) == english
    with translation.override("fr"):
        assert cell_text(value, fmt, threshold=5) == french


def test_a_hidden_count_names_the_reports_own_threshold():
    assert cell_text(SUPPRESSED, "int", threshold=10) == "< 10"


def english_view(document):
    with translation.override("en"):
        return report_view(document)


# --- the HTML --------------------------------------------------------------------------


def test_tables_have_a_caption_scoped_headers_and_numbers_on_the_right():
    html = render_report_html(sample_document())
    assert html.count("<table") == html.count("<caption") == 4
    assert '<th scope="col"><span class="visually-hidden">Services given</span></th>' in html
    assert '<th scope="col" class="num">Times given</th>' in html
    assert '<th scope="row">Food support</th><td class="num">1,500</td>' in html
    assert '<td class="num suppressed">&lt; 5</td>' in html
    # no header is left empty
    assert not re.search(r"<th[^>]*>\s*</th>", html)
    assert '<tr class="total"><th scope="row">Everyone</th>' in html


def test_a_chart_is_an_image_with_a_summary_and_draws_no_bar_for_a_hidden_count():
    view = english_view(sample_document())
    age = view.sections[0].tables[2]
    bars = {bar.label: bar for bar in age.chart.bars}
    assert set(bars) == {"Minors", "Adults", "Older women", "Age not recorded"}  # no total
    assert bars["Minors"].width == 0 and bars["Minors"].text == "< 5"
    assert bars["Age not recorded"].width == 0 and bars["Age not recorded"].text == "0"
    assert bars["Adults"].width > 0 and bars["Adults"].text == "1,030"
    assert "Minors: less than 5" in age.chart.summary and "Adults: 1,030" in age.chart.summary

    html = render_report_html(sample_document())
    svg = re.search(
        r'<svg class="report-chart"[^>]*aria-label="Bar chart of Age groups[^>]*>', html
    )
    assert svg and 'role="img"' in svg[0]
    assert "<title>Bar chart of Age groups, People: Minors: less than 5;" in html
    # one drawn bar (plus none for the hidden, zero rows) in the age chart
    age_svg = html[svg.start() : html.index("</svg>", svg.start())]
    assert age_svg.count('fill="#2f5d62"') == 1


def test_the_largest_value_fills_a_chart_and_a_share_is_drawn_out_of_a_hundred():
    view = english_view(sample_document())
    services, age = view.sections[0].tables[1:3]
    area = age.chart.width - age.chart.bar_x - 64
    adults = next(bar for bar in age.chart.bars if bar.label == "Adults")
    assert adults.width == pytest.approx(area)
    food = services.chart.bars[0]
    assert food.text == "90%"
    assert food.width == pytest.approx(0.9 * services.chart.track_width, abs=0.1)


def test_a_long_label_is_shortened_in_the_chart_but_whole_in_the_table():
    document = sample_document()
    long = "Integration through language, education, training and work, one step at a time"
    document.sections[0].tables[2].rows[1].label = long
    view = english_view(document)
    age = view.sections[0].tables[2]
    assert age.rows[1].label == long
    assert age.chart.bars[1].label.endswith("…") and len(age.chart.bars[1].label) < len(long)
    assert long in age.chart.summary


def test_the_preview_names_the_period_the_site_and_how_small_numbers_are_shown():
    html = render_report_html(sample_document(site="Maison Rose"))
    assert "Annual report 2026" in html
    assert "1 January 2026 – 31 December 2026" in html
    assert "Maison Rose" in html
    assert "numbers below 5 are shown as “&lt; 5”" in html
    assert BAND not in html
    assert "Activity report" in render_report_html(sample_document(end="2026-06-30"))
    assert "The whole organisation" in render_report_html(sample_document())


def test_the_appendix_lists_every_counting_rule_and_tables_link_to_theirs():
    document = sample_document()
    html = render_report_html(document)
    appendix = html[html.index('id="report-how-we-count"') :]
    for rule in document.rules:
        assert f"<h4>{rule.title}</h4><p>{rule.text}</p>" in appendix
    assert '<a href="#report-rule-services">Counting services</a>' in html


def test_a_report_with_nothing_to_count_still_renders(tmp_path):
    from reports.document import ReportDocument

    empty = ReportDocument(language="en", start="2026-03-01", end="2026-03-31", organisation="X")
    assert "Activity report" in render_report_html(empty)
    assert "How we count" in pdftotext(render_report_pdf(empty), tmp_path)


# --- the PDF ---------------------------------------------------------------------------


def test_every_page_of_an_internal_report_carries_the_band(tmp_path):
    pdf = render_report_pdf(sample_document(suppressed=False))
    pages = page_count(pdf, tmp_path)
    assert pages >= 3
    for page in range(1, pages + 1):
        text = " ".join(pdftotext(pdf, tmp_path, first=page).split())
        assert BAND in text, f"page {page}"
    first = " ".join(pdftotext(pdf, tmp_path, first=1).split())
    assert "this report must not leave the organisation" in first
    assert "are shown as" not in first


def test_a_report_with_small_numbers_hidden_has_no_band_and_says_how_they_read(tmp_path):
    pdf = render_report_pdf(sample_document())
    text = " ".join(pdftotext(pdf, tmp_path).split())
    assert BAND not in text
    first = " ".join(pdftotext(pdf, tmp_path, first=1).split())
    assert "numbers below 5 are shown as “< 5”" in first


def test_pages_are_a4_and_numbered_after_the_first(tmp_path):
    pdf = render_report_pdf(sample_document())
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    pages = page_count(pdf, tmp_path)
    assert f"1/{pages}" not in pdftotext(pdf, tmp_path, first=1).replace(" ", "")
    for page in range(2, pages + 1):
        text = pdftotext(pdf, tmp_path, first=page).replace(" ", "")
        assert f"{page}/{pages}" in text
        assert "LesAmiesduSoir·Annualreport2026" in text


def test_the_first_page_of_a_realistic_report_is_drawn(tmp_path):
    """Draws var/report-page-1.png to look at: the first page of the demo's report."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    pdf = render_report_pdf(demo_document())
    out = Path(settings.BASE_DIR) / "var"
    out.mkdir(exist_ok=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"]
        + [str(tmp_path / "report.pdf"), str(out / "report-page-1")],
        check=True,
    )
    from PIL import Image

    with Image.open(out / "report-page-1.png") as image:
        width, height = image.size
        assert 495 <= width <= 497 and 701 <= height <= 703  # A4 at 60 dpi
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    # not blank: the teal banner covers a good part of the page, and there is text
    assert len(colours) > 50
    teal = sum(n for n, rgb in colours if rgb == (0x2F, 0x5D, 0x62))
    assert teal > 0.1 * width * height


# --- French ----------------------------------------------------------------------------


def test_a_french_report_prints_french_numbers_and_dates(tmp_path):
    document = sample_document(language="fr")
    html = render_report_html(document)
    assert 'lang="fr"' in html
    assert "12\xa0345" in html and "1\xa0234,5" in html and "90\xa0%" in html
    assert "1 janvier 2026 – 31 décembre 2026" in html
    text = pdftotext(render_report_pdf(document), tmp_path)
    assert "12 345" in text.replace("\xa0", " ") and "janvier" in text


def test_the_report_shows_its_own_language_whatever_the_page_around_it():
    with translation.override("en"):
        html = render_report_html(sample_document(language="fr"))
    assert "12\xa0345" in html and "décembre" in html


def _visible_text(source: str) -> str:
    """What a template prints besides tags, variables and translated strings."""
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(
        r"{%\s*blocktranslate.*?%}.*?{%\s*endblocktranslate\s*%}", "", source, flags=re.S
    )
    source = re.sub(r"{%.*?%}|{{.*?}}", "", source, flags=re.S)
    source = re.sub(r"<style.*?</style>", "", source, flags=re.S)
    source = re.sub(r"<[^>]*>", "", source, flags=re.S)
    return source


@pytest.mark.parametrize("name", ["document.html", "report_pdf.html"])
def test_every_fixed_string_of_the_templates_is_marked_for_translation(name):
    source = (TEMPLATES / name).read_text()
    left = _visible_text(source)
    assert not re.search(r"[A-Za-z]{2,}", left), left
    # attributes people hear are translated or come from the document
    for attribute in re.findall(r'(?:aria-label|alt|title)="([^"]*)"', source):
        assert re.fullmatch(r"(\s*({%.*?%}|{{.*?}})\s*)*", attribute), attribute
    assert "{% translate" in source or name == "report_pdf.html"
