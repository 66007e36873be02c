"""The tables as CSV and XLSX: numbers a spreadsheet can add up, the report described on the
first lines, and no text that a spreadsheet would run as a formula."""

import csv
import io

import pytest
from openpyxl import load_workbook

from reports.exports import export_csv, export_xlsx, machine_value, neutralise
from tests.reports.documents import sample_document

TRAP = '=HYPERLINK("http://x")'


def read_csv(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_has_a_byte_order_mark_a_header_and_describes_the_report_first():
    data = export_csv(sample_document(site="Maison Rose"))
    assert data.startswith(b"\xef\xbb\xbf")
    lines = read_csv(data)
    assert lines[0] == ["Section", "Table", "Row", "Column", "Value"]
    about = {row: value for section, _t, row, _c, value in lines[1:] if section == "Report"}
    assert about["Organisation"] == "Les Amies du Soir"
    assert about["Period start"] == "2026-01-01" and about["Period end"] == "2026-12-31"
    assert about["Site"] == "Maison Rose"
    assert about["Small numbers hidden"] == "yes" and about["Threshold"] == "5"
    internal = read_csv(export_csv(sample_document(suppressed=False)))
    assert ["Report", "", "Small numbers hidden", "", "no"] in internal


def test_the_csv_writes_one_line_per_cell_with_machine_numbers():
    document = sample_document()
    lines = read_csv(export_csv(document))
    cells = [line for line in lines[1:] if line[0] != "Report"]
    assert len(cells) == sum(len(t.rows) * len(t.columns) for t in document.tables())
    assert ["Our work", "Activity in numbers", "Nights provided", "Number", "12345"] in cells
    assert ["Our work", "Activity in numbers", "Volunteer hours", "Number", "1234.5"] in cells
    assert ["Our work", "Activity in numbers", "Not counted yet", "Number", ""] in cells
    assert ["Our work", "Services given", "Food support", "Share", "90.0"] in cells
    assert ["Our work", "Services given", "Listening", "Share", "43.8"] in cells
    assert ["Our work", "Services given", "Health", "People", "< 5"] in cells
    assert [
        "Our housing",
        "Occupancy and length of stay",
        "All houses",
        "Average stay",
        "97.1",
    ] in (cells)


@pytest.mark.parametrize(
    ("value", "fmt", "number"),
    [
        (1234, "int", 1234),
        (0.9, "percent", 90.0),
        (0.7843, "percent", 78.4),
        (97.14, "decimal", 97.1),
    ]
    + [("suppressed", "int", "< 5"), (None, "percent", "")],
)
def test_cells_are_written_as_numbers(value, fmt, number):
    assert machine_value(value, fmt, threshold=5) == number


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", " ="])
def test_a_text_that_could_start_a_formula_is_neutralised(start):
    assert neutralise(start + "1+1") == "'" + start + "1+1"
    assert neutralise("Food support") == "Food support"


def trapped_document():
    document = sample_document(organisation=TRAP, site="@SUM(A1)")
    document.sections[0].tables[0].rows[0].label = TRAP
    document.sections[0].tables[1].columns[0].label = "+cmd"
    return document


def test_a_label_written_as_a_formula_stays_text_in_the_csv():
    lines = read_csv(export_csv(trapped_document()))
    assert ["Report", "", "Organisation", "", "'" + TRAP] in lines
    assert ["Report", "", "Site", "", "'@SUM(A1)"] in lines
    assert any(line[2] == "'" + TRAP and line[4] == "12345" for line in lines)
    assert any(line[3] == "'+cmd" for line in lines)
    assert not any(cell.startswith(("=", "+", "@")) for line in lines for cell in line)


def test_a_label_written_as_a_formula_stays_text_in_the_workbook():
    book = load_workbook(io.BytesIO(export_xlsx(trapped_document())))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    report = book["Report"]
    assert report["B3"].value == "'" + TRAP and report["B3"].data_type == "s"
    work = book.worksheets[1]
    labels = [row[0].value for row in work.iter_rows()]
    assert "'" + TRAP in labels


def test_the_workbook_has_a_report_sheet_then_one_sheet_per_section():
    book = load_workbook(io.BytesIO(export_xlsx(sample_document())))
    assert book.sheetnames == ["Report", "Our work", "Our housing", "How we count"]
    report = {row[0].value: row[1].value for row in book["Report"].iter_rows() if row[0].value}
    assert report["Organisation"] == "Les Amies du Soir"
    assert report["Period start"].date().isoformat() == "2026-01-01"
    assert report["Small numbers hidden"] == "yes" and report["Threshold"] == 5
    assert report["nights of safe housing"] == 12345


def test_the_workbook_lays_tables_out_as_in_the_report_with_real_numbers():
    sheet = load_workbook(io.BytesIO(export_xlsx(sample_document())))["Our work"]
    grid = [list(row) for row in sheet.iter_rows()]
    firsts = [row[0].value for row in grid]
    top = firsts.index("Services given")
    assert [c.value for c in grid[top + 1][1:4]] == ["Times given", "People", "Share"]
    food = grid[top + 2]
    assert [c.value for c in food[:4]] == ["Food support", 1500, 36, 0.9]
    assert food[3].number_format == "0.0%" and food[1].number_format == "#,##0"
    health = grid[top + 3]
    assert [c.value for c in health[:4]] == ["Health", 3, "< 5", "< 5"]
    hours = grid[firsts.index("Volunteer hours")]
    assert hours[1].value == 1234.5 and hours[1].number_format == "#,##0.0"
    assert grid[firsts.index("Not counted yet")][1].value is None
    everyone = grid[firsts.index("Everyone")]
    assert everyone[0].font.bold and everyone[1].value == 1041


def test_sheet_names_are_shortened_and_made_unique():
    document = sample_document()
    document.sections[0].title = "Referrals: to partners / by type [and outcome] in the year"
    document.sections[1].title = document.sections[0].title
    names = load_workbook(io.BytesIO(export_xlsx(document))).sheetnames
    assert all(len(name) <= 31 for name in names)
    assert len(set(names)) == len(names)
    assert not any(ch in name for name in names for ch in "[]:*?/\\")


def test_a_french_export_is_written_in_the_language_of_the_report():
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("en"):
        lines = read_csv(export_csv(sample_document(language="fr")))
    with translation.override("fr"):
        header = [gettext(word) for word in ("Section", "Table", "Row", "Column", "Value")]
        about = [gettext("Report"), "", gettext("Organisation"), "", "Les Amies du Soir"]
    assert lines[0] == header
    assert lines[1] == about
