"""The preview, the PDF, the CSV and the XLSX of one frozen document carry the same numbers."""

import pytest

from reports.document import ReportDocument
from reports.exports import export_csv, export_xlsx
from reports.rendering import render_report_html, render_report_pdf
from tests.reports.documents import (
    csv_tables,
    expected,
    html_tables,
    pdf_tables,
    pdftotext,
    sample_document,
    xlsx_tables,
)


@pytest.fixture(scope="module")
def frozen():
    # every output is drawn from the frozen JSON, as the app does
    return ReportDocument.from_json(sample_document().as_json())


@pytest.fixture(scope="module")
def pdf(frozen):
    return render_report_pdf(frozen)


def test_html_pdf_csv_and_xlsx_show_the_same_numbers_table_by_table(frozen, pdf, tmp_path):
    want = expected(frozen)
    html = html_tables(render_report_html(frozen))
    from_pdf, _charts = pdf_tables(pdftotext(pdf, tmp_path), frozen)
    csv = csv_tables(export_csv(frozen), frozen)
    xlsx = xlsx_tables(export_xlsx(frozen), frozen)
    for table in frozen.tables():
        title = table.title
        assert html[title] == want[title], f"HTML, {title}"
        assert from_pdf[title] == want[title], f"PDF, {title}"
        assert csv[title] == want[title], f"CSV, {title}"
        assert xlsx[title] == want[title], f"XLSX, {title}"
    # the document has what the comparison is meant to catch
    flat = [value for rows in want.values() for _label, values in rows for value in values]
    assert 12345 in flat and 1234.5 in flat and ("%", 44) in flat and ("<", 5) in flat
    assert None in flat


def test_each_bar_of_a_chart_reads_as_its_table_cell(frozen, pdf, tmp_path):
    _tables, charts = pdf_tables(pdftotext(pdf, tmp_path), frozen)
    want = expected(frozen)
    for table in frozen.tables():
        if table.chart_column is None:
            continue
        for (label, values), (_label, chart_lines) in zip(
            want[table.title], charts[table.title], strict=True
        ):
            row = next(r for r in table.rows if r.label == label)
            if row.total:
                continue
            assert [values[table.chart_column]] in chart_lines, f"{table.title}, {label}"


def test_the_first_page_shows_the_headline_figures_as_the_tables_do(frozen, pdf, tmp_path):
    page_1 = pdftotext(pdf, tmp_path, first=1)
    html = render_report_html(frozen)
    for text in ("12,345", "1,234", "&lt; 5", "78%"):
        assert f'<span class="report-headline__value">{text}</span>' in html
    for text in ("12,345", "1,234", "< 5", "78%", "nights of safe housing", "minors supported"):
        assert text in page_1
