"""The annual report's tables as CSV and XLSX, from the same ``ReportDocument`` as the PDF.

Numbers are written as numbers a spreadsheet can add up: counts as whole numbers, shares
as a percent with one decimal (CSV: 90.0; XLSX: 0.9 shown as 90.0%), means and medians
with one decimal. A hidden count is the text "< 5". Every text (a label, the organisation's
or a site's name) is neutralised so that a spreadsheet never reads it as a formula.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.utils import translation
from django.utils.translation import gettext as _

from reports.document import ReportDocument, Table, is_hidden
from reports.rendering import cell_format, hidden_text, report_title

# a text starting with one of these could be read as a formula (CSV/formula injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
SHEET_TITLE_FORBIDDEN = set("[]:*?/\\")


def neutralise(text: str) -> str:
    """``text`` made safe for a spreadsheet cell: a leading quote when it could start a
    formula (also after leading spaces, which some spreadsheets skip)."""
    text = str(text)
    if text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def machine_value(value, fmt: str, *, threshold: int):
    """A cell as a number for a spreadsheet: ints as ints, a share as a percent with one
    decimal (0.9 -> 90.0), a mean with one decimal; "< 5" when hidden; "" when not
    applicable."""
    if is_hidden(value):
        return hidden_text(value, threshold=threshold)
    if value is None:
        return ""
    if fmt == "percent":
        return round(float(value) * 100, 1)
    if fmt == "decimal" or (isinstance(value, float) and not value.is_integer()):
        return round(float(value), 1)
    return int(value)


def _suppression_text(document: ReportDocument) -> str:
    if document.suppressed:
        return _("Numbers below %(threshold)s are shown as “< %(threshold)s”.") % {
            "threshold": document.threshold
        }
    return _("Internal use: small numbers are not hidden")


def _cells(table: Table):
    """(row index, row, column index, column, value, format) for every cell of ``table``."""
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            yield r, row, c, column, row.cells[c], cell_format(table, r, c)


# --- CSV -------------------------------------------------------------------------------


def export_csv(document: ReportDocument) -> bytes:
    """One line per cell (section, table, row, column, value), UTF-8 with a byte order mark
    so that spreadsheets open the accents right. The first lines describe the report."""
    with translation.override(document.language):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_("Section"), _("Table"), _("Row"), _("Column"), _("Value")])
        report = _("Report")

        def about(label, value):
            writer.writerow([report, "", label, "", value])

        about(_("Organisation"), neutralise(document.organisation))
        about(_("Title"), neutralise(report_title(document)))
        about(_("Period start"), document.start)
        about(_("Period end"), document.end)
        about(_("Site"), neutralise(document.site or _("The whole organisation")))
        about(_("Small numbers hidden"), _("yes") if document.suppressed else _("no"))
        about(_("Threshold"), document.threshold)
        about(_("Note"), _suppression_text(document))
        for section in document.sections:
            for table in section.tables:
                for _r, row, _c, column, value, fmt in _cells(table):
                    writer.writerow(
                        [
                            neutralise(section.title),
                            neutralise(table.title),
                            neutralise(row.label),
                            neutralise(column.label),
                            machine_value(value, fmt, threshold=document.threshold),
                        ]
                    )
        return out.getvalue().encode("utf-8-sig")


# --- XLSX ------------------------------------------------------------------------------

NUMBER_FORMATS = {"int": "#,##0", "percent": "0.0%", "decimal": "#,##0.0"}


def _sheet_title(title: str, taken: set[str]) -> str:
    cleaned = "".join(" " if ch in SHEET_TITLE_FORBIDDEN else ch for ch in title).strip()
    cleaned = cleaned.strip("'")[:31] or "Sheet"
    candidate, n = cleaned, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = cleaned[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def export_xlsx(document: ReportDocument) -> bytes:
    """A workbook: a first sheet about the report, one sheet per section with its tables laid
    out as in the report, and the counting rules."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    bold = Font(bold=True)
    title_font = Font(bold=True, size=13, color="2F5D62")
    header_fill = PatternFill("solid", fgColor="E6F2EC")
    right = Alignment(horizontal="right")
    wrap = Alignment(wrap_text=True, vertical="top")

    def text(sheet, row, column, value, font=None):
        # a name typed by someone must never run as a formula
        cell = sheet.cell(row=row, column=column)
        cell.value = neutralise(value)
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def number(sheet, row, column, value, fmt, font=None):
        cell = sheet.cell(row=row, column=column)
        if is_hidden(value):
            shown = machine_value(value, fmt, threshold=document.threshold)
            text(sheet, row, column, shown, font).alignment = right
            return cell
        if value is None:
            return cell
        if fmt == "percent":
            cell.value = round(float(value), 3)
        elif fmt == "decimal" or (isinstance(value, float) and not value.is_integer()):
            cell.value = round(float(value), 1)
            fmt = "decimal"
        else:
            cell.value = int(value)
        cell.number_format = NUMBER_FORMATS.get(fmt, NUMBER_FORMATS["int"])
        if font is not None:
            cell.font = font
        return cell

    with translation.override(document.language):
        book = Workbook()
        taken: set[str] = set()
        sheet = book.active
        sheet.title = _sheet_title(_("Report"), taken)
        text(sheet, 1, 1, report_title(document), title_font)
        lines = [
            (_("Organisation"), document.organisation),
            (_("Period start"), date.fromisoformat(document.start)),
            (_("Period end"), date.fromisoformat(document.end)),
            (_("Site"), document.site or _("The whole organisation")),
            (_("Small numbers hidden"), _("yes") if document.suppressed else _("no")),
            (_("Threshold"), document.threshold),
            (_("Note"), _suppression_text(document)),
        ]
        for i, (label, value) in enumerate(lines, start=3):
            text(sheet, i, 1, label, bold)
            if isinstance(value, date):
                cell = sheet.cell(row=i, column=2, value=value)
                cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(horizontal="left")
            elif isinstance(value, int):
                sheet.cell(row=i, column=2, value=value).alignment = Alignment(horizontal="left")
            else:
                text(sheet, i, 2, value)
        row = len(lines) + 4
        if document.headlines:
            text(sheet, row, 1, _("Key figures"), title_font)
            for headline in document.headlines:
                row += 1
                text(sheet, row, 1, headline.label)
                fmt = "int"
                try:
                    table = document.table(headline.table)
                    r = next(i for i, x in enumerate(table.rows) if x.key == headline.row)
                    c = next(i for i, x in enumerate(table.columns) if x.key == headline.column)
                    fmt = cell_format(table, r, c)
                except StopIteration:
                    pass
                number(sheet, row, 2, headline.value, fmt)
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 48

        for section in document.sections:
            sheet = book.create_sheet(_sheet_title(section.title, taken))
            text(sheet, 1, 1, section.title, Font(bold=True, size=15, color="2F5D62"))
            row = 2
            if section.intro:
                text(sheet, row, 1, section.intro)
                row += 1
            widest = 1
            for table in section.tables:
                row += 1
                text(sheet, row, 1, table.title, title_font)
                row += 1
                for c, column in enumerate(table.columns, start=2):
                    header = text(sheet, row, c, column.label, bold)
                    header.fill = header_fill
                    header.alignment = Alignment(horizontal="right", wrap_text=True)
                sheet.cell(row=row, column=1).fill = header_fill
                widest = max(widest, len(table.columns))
                for r, table_row in enumerate(table.rows):
                    row += 1
                    font = bold if table_row.total else None
                    text(sheet, row, 1, table_row.label, font)
                    for c, value in enumerate(table_row.cells):
                        number(sheet, row, c + 2, value, cell_format(table, r, c), font)
                if table.note:
                    row += 1
                    text(sheet, row, 1, table.note).font = Font(italic=True)
                row += 1
            sheet.column_dimensions["A"].width = 44
            for c in range(2, widest + 2):
                sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = 16

        sheet = book.create_sheet(_sheet_title(_("How we count"), taken))
        text(sheet, 1, 1, _("How we count"), Font(bold=True, size=15, color="2F5D62"))
        for i, rule in enumerate(document.rules, start=3):
            text(sheet, i, 1, rule.title, bold).alignment = wrap
            text(sheet, i, 2, rule.text).alignment = wrap
        sheet.column_dimensions["A"].width = 30
        sheet.column_dimensions["B"].width = 100

        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
