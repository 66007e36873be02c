"""Report documents for the tests, built by hand, and readers that pull the numbers back out
of each output (HTML, PDF, CSV, XLSX) so that they can be compared."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports.document import (
    SUPPRESSED,
    Column,
    Headline,
    ReportDocument,
    Row,
    Rule,
    Section,
    Table,
)

DEMO = Path(__file__).with_name("demo_report.json")


def demo_document() -> ReportDocument:
    """A realistic document: the figures engine's output on the demo organisation, frozen."""
    return ReportDocument.from_json(json.loads(DEMO.read_text()))


def sample_document(**overrides) -> ReportDocument:
    """A small document with every kind of cell: counts above 1,000, shares, means, hidden
    counts, a not-applicable cell, a total row, a row whose format overrides its column's."""
    document = ReportDocument(
        language="en",
        start="2026-01-01",
        end="2026-12-31",
        organisation="Les Amies du Soir",
        site="",
        threshold=5,
        suppressed=True,
        generated_at="2027-01-15T10:00:00+01:00",
        sections=[
            Section(
                key="work",
                title="Our work",
                intro="What the team did this year.",
                tables=[
                    Table(
                        key="work.activity",
                        title="Activity in numbers",
                        columns=[Column(key="count", label="Number", protected=False)],
                        rows=[
                            Row(key="nights", label="Nights provided", cells=[12345]),
                            Row(key="visits", label="Drop-in visits", cells=[1234]),
                            Row(
                                key="hours",
                                label="Volunteer hours",
                                cells=[1234.5],
                                format="decimal",
                            ),
                            Row(key="unknown", label="Not counted yet", cells=[None]),
                        ],
                        rules=["work"],
                    ),
                    Table(
                        key="work.services",
                        title="Services given",
                        columns=[
                            Column(key="times", label="Times given"),
                            Column(key="people", label="People"),
                            Column(key="share", label="Share", format="percent", derived_from=1),
                        ],
                        rows=[
                            Row(key="food", label="Food support", cells=[1500, 36, 0.9]),
                            Row(key="health", label="Health", cells=[3, SUPPRESSED, SUPPRESSED]),
                            Row(key="listening", label="Listening", cells=[2001, 35, 0.4375]),
                        ],
                        rules=["services"],
                        chart_column=2,
                    ),
                    Table(
                        key="work.age",
                        title="Age groups",
                        columns=[Column(key="people", label="People")],
                        rows=[
                            Row(key="minors", label="Minors", cells=[SUPPRESSED]),
                            Row(key="adults", label="Adults", cells=[1030]),
                            Row(key="older", label="Older women", cells=[SUPPRESSED]),
                            Row(key="none", label="Age not recorded", cells=[0]),
                            Row(key="total", label="Everyone", cells=[1041], total=True),
                        ],
                        rules=["age"],
                        chart_column=0,
                        rows_add_up=True,
                    ),
                ],
            ),
            Section(
                key="housing",
                title="Our housing",
                intro="Shelters and flats.",
                tables=[
                    Table(
                        key="housing.rates",
                        title="Occupancy and length of stay",
                        columns=[
                            Column(key="departures", label="Departures"),
                            Column(key="occupancy", label="Occupancy", format="percent"),
                            Column(key="average", label="Average stay", format="decimal"),
                            Column(key="median", label="Median stay", format="decimal"),
                        ],
                        rows=[
                            Row(key="all", label="All houses", cells=[1018, 0.7843, 97.14, 81.5]),
                            Row(key="flats", label="Flats", cells=[SUPPRESSED, 0.25, None, None]),
                        ],
                        rules=["housing"],
                    ),
                ],
            ),
        ],
        headlines=[
            Headline("nights", "nights of safe housing", "work.activity", "nights", "count", 12345),
            Headline("visits", "drop-in visits", "work.activity", "visits", "count", 1234),
            Headline("minors", "minors supported", "work.age", "minors", "people", SUPPRESSED),
            Headline("occupancy", "occupancy", "housing.rates", "all", "occupancy", 0.7843),
        ],
        rules=[
            Rule("work", "Counting our work", "Every night and every visit, once."),
            Rule("services", "Counting services", "Each service given, by type."),
            Rule("age", "Counting ages", "Age reached in the year the period ends."),
            Rule("housing", "Counting stays", "Nights in our beds."),
            Rule("suppression", "Small numbers", "Small numbers are hidden."),
        ],
    )
    for name, value in overrides.items():
        setattr(document, name, value)
    return document


# --- reading the numbers back --------------------------------------------------------------

NUMBER = re.compile(r"<\s?\d+|–|\d[\d,.]*%?")


def shown(text: str):
    """A printed number as a comparable value: ("<", 5), None, ("%", 90), 97.1 or 1234."""
    text = text.replace("\xa0", "").replace("\u202f", "").replace(" ", "").strip()
    if text.startswith("<"):
        return ("<", int(text[1:]))
    if text in ("–", ""):
        return None
    if text.endswith("%"):
        return ("%", int(text[:-1].replace(",", "")))
    if "." in text:
        return float(text.replace(",", ""))
    return int(text.replace(",", ""))


def expected(document: ReportDocument):
    """Each table's rows as the report should show them: {title: [(label, [values])]}."""
    result = {}
    for table in document.tables():
        rows = []
        for row in table.rows:
            values = []
            for c, value in enumerate(row.cells):
                fmt = row.format or table.columns[c].format
                if value == SUPPRESSED:
                    values.append(("<", document.threshold))
                elif value is None:
                    values.append(None)
                elif fmt == "percent":
                    values.append(("%", round(value * 100)))
                elif fmt == "decimal":
                    values.append(round(float(value), 1))
                else:
                    values.append(value)
            rows.append((row.label, values))
        result[table.title] = rows
    return result


class _TableReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = {}
        self._table = self._caption = self._row = self._cell = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = ""
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append((self._row[0], [shown(text) for text in self._row[1:]]))
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "caption":
            self._title = self._caption.strip()
            self._caption = None
        elif tag == "table":
            self.tables[self._title] = self._table
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._caption is not None:
            self._caption += data


def html_tables(html: str):
    reader = _TableReader()
    reader.feed(html)
    return reader.tables


def pdftotext(pdf: bytes, tmp_path: Path, *, first: int | None = None, last: int | None = None):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    pages = []
    if first is not None:
        pages = ["-f", str(first), "-l", str(last or first)]
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def page_count(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])


def pdf_tables(text: str, document: ReportDocument):
    """Each table's rows as read from ``pdftotext -layout``: the lines between a table's
    title and the next, a row being the line that starts with its label and carries one
    number per column (a chart's line carries one). Also returns the chart lines."""
    lines = [line.strip() for line in text.splitlines()]
    titles = [table.title for table in document.tables()]
    starts = [lines.index(title) for title in titles]
    tables, charts = {}, {}
    for i, table in enumerate(document.tables()):
        end = starts[i + 1] if i + 1 < len(starts) else len(lines)
        block = lines[starts[i] + 1 : end]
        rows, chart = [], []
        for row in table.rows:
            found = [
                [shown(n) for n in NUMBER.findall(line[len(row.label) :])]
                for line in block
                if line.startswith(row.label)
            ]
            matching = [values for values in found if len(values) == len(table.columns)]
            rows.append((row.label, matching[0] if matching else found))
            chart.append((row.label, [values for values in found if len(values) == 1]))
        tables[table.title] = rows
        charts[table.title] = chart
    return tables, charts


def csv_tables(data: bytes, document: ReportDocument):
    """Each table's rows as read from the CSV (its formats from the document)."""
    assert data.startswith("\ufeff".encode())
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    next(reader)
    cells = {}
    for _section, table, row, column, value in reader:
        cells[(table, row, column)] = value
    result = {}
    for table in document.tables():
        rows = []
        for row in table.rows:
            values = []
            for column in table.columns:
                value = cells[(table.title, row.label, column.label)]
                fmt = row.format or column.format
                if value.startswith("<"):
                    values.append(shown(value))
                elif value == "":
                    values.append(None)
                elif fmt == "percent":
                    values.append(("%", round(float(value))))
                elif fmt == "decimal":
                    values.append(float(value))
                else:
                    values.append(int(value))
            rows.append((row.label, values))
        result[table.title] = rows
    return result


def xlsx_tables(data: bytes, document: ReportDocument):
    """Each table's rows as read from the workbook: on its section's sheet, the title row,
    the header row, then its rows (numbers as numbers, percents by their number format)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    result = {}
    for sheet, section in zip(book.worksheets[1:], document.sections, strict=False):
        grid = list(sheet.iter_rows())
        firsts = [row[0].value for row in grid]
        for table in section.tables:
            top = firsts.index(table.title)
            rows = []
            for line in grid[top + 2 : top + 2 + len(table.rows)]:
                values = []
                for cell in line[1 : 1 + len(table.columns)]:
                    value = cell.value
                    if isinstance(value, str):
                        values.append(shown(value))
                    elif value is None:
                        values.append(None)
                    elif "%" in cell.number_format:
                        values.append(("%", round(value * 100)))
                    elif isinstance(value, float):
                        values.append(round(value, 1))
                    else:
                        values.append(value)
                rows.append((line[0].value, values))
            result[table.title] = rows
    return result
