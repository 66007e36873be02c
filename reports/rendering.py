"""The annual report as HTML (the preview) and as PDF, both from one ``ReportDocument``.

Every number goes through ``cell_text``, so the preview, the PDF and the charts read the
same. The PDF is drawn by WeasyPrint with ``StaticOnlyURLFetcher``: it reads files from the
project's static folder and nothing else (no network, no other file on the machine), so a
name typed by someone can never make the server fetch an address.
"""

from __future__ import annotations

import logging
import math
import mimetypes
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from babel.numbers import format_percent
from django.conf import settings
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from weasyprint.urls import URLFetcher, URLFetcherResponse

from reports.document import HIDDEN, SUPPRESSED, ReportDocument, Table, is_hidden

logger = logging.getLogger(__name__)

DATE_FORMAT = "j F Y"
# the chart's drawing, in SVG user units (about one CSS pixel: 640 fills the PDF's width)
CHART_WIDTH = 640
CHART_ROW = 26
CHART_BAR = 16
CHART_FONT = 12
CHART_VALUE_SPACE = 64


# --- numbers ---------------------------------------------------------------------------


def hidden_text(value, *, threshold: int) -> str | None:
    """What a hidden cell reads in every output ("< 5", or "hidden" for a complement or a
    derived cell), or None for a cell that is shown."""
    if value == SUPPRESSED:
        return f"< {threshold}"
    if value == HIDDEN:
        return pgettext("a number in a report", "hidden")
    return None


def cell_text(value, fmt: str = "int", *, threshold: int) -> str:
    """A cell as the report prints it, in the active language: "< 5" for a hidden count,
    "–" for not applicable, counts grouped ("1,234"), shares as whole percents ("90%"),
    means and medians with one decimal."""
    if is_hidden(value):
        return hidden_text(value, threshold=threshold)
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if fmt == "percent":
        return format_percent(value, locale=translation.to_locale(translation.get_language()))
    if fmt == "decimal" or (isinstance(value, float) and not value.is_integer()):
        return formats.number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True)
    return formats.number_format(int(value), use_l10n=True, force_grouping=True)


def cell_format(table: Table, row_index: int, column_index: int) -> str:
    """The format of one cell: its row's, else its column's."""
    return table.rows[row_index].format or table.columns[column_index].format or "int"


def _headline_format(document: ReportDocument, headline) -> str:
    try:
        table = document.table(headline.table)
        column = next(i for i, c in enumerate(table.columns) if c.key == headline.column)
        row = next(i for i, r in enumerate(table.rows) if r.key == headline.row)
    except (KeyError, StopIteration):
        return "int"
    return cell_format(table, row, column)


# --- the view of a document, ready for the template ------------------------------------


@dataclass
class Cell:
    text: str
    suppressed: bool = False


@dataclass
class RowView:
    label: str
    cells: list[Cell]
    total: bool = False


@dataclass
class Bar:
    label: str
    text: str
    y: float  # the top of the bar
    text_y: float  # the baseline of its label and value
    width: float  # 0: not drawn (zero, hidden or not applicable)
    text_x: float
    suppressed: bool = False


@dataclass
class Chart:
    summary: str  # what a screen reader hears instead of the drawing
    width: int
    height: int
    label_x: int  # labels end here, bars start at bar_x
    bar_x: int
    bar_height: int
    font_size: int
    track_width: float  # a percent chart draws the 100% track behind each bar
    bars: list[Bar]


@dataclass
class TableView:
    id: str
    title: str
    columns: list[str]
    narrow: bool  # one or two columns of numbers: the table and its chart need not fill the page
    rows: list[RowView]
    note: str = ""
    rules: list[tuple[str, str]] = field(default_factory=list)  # (anchor, title)
    chart: Chart | None = None


@dataclass
class SectionView:
    id: str
    title: str
    intro: str
    tables: list[TableView]


@dataclass
class HeadlineView:
    text: str
    label: str
    suppressed: bool


@dataclass
class ReportView:
    document: ReportDocument
    title: str
    period: str
    site: str
    generated_on: str
    logo: str
    hidden_text: str  # how a hidden count reads: "< 5"
    headlines: list[HeadlineView]
    sections: list[SectionView]
    rules: list[tuple[str, str, str]]  # (anchor, title, text)


def _anchor(kind: str, key: str) -> str:
    return "report-" + kind + "-" + "".join(c if c.isalnum() else "-" for c in key)


def _date(iso: str) -> date:
    return date.fromisoformat(iso)


def _is_calendar_year(start: date, end: date) -> bool:
    return (start.month, start.day, end.month, end.day) == (1, 1, 12, 31) and (
        start.year == end.year
    )


def report_title(document: ReportDocument) -> str:
    start, end = _date(document.start), _date(document.end)
    if _is_calendar_year(start, end):
        return _("Annual report %(year)s") % {"year": start.year}
    return _("Activity report")


def _chart(table: Table, threshold: int) -> Chart | None:
    column = table.chart_column
    if column is None or not 0 <= column < len(table.columns):
        return None
    rows = [(i, row) for i, row in enumerate(table.rows) if not row.total]
    if not rows:
        return None
    values = []
    for i, row in rows:
        value = row.cells[column]
        fmt = cell_format(table, i, column)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        values.append((row.label, value, number, fmt, cell_text(value, fmt, threshold=threshold)))
    percent = all(fmt == "percent" for *_, fmt, _text in values)
    largest = max((n for _l, _v, n, _f, _t in values if n is not None), default=0)
    # a share is drawn out of 100%, so that 90% never looks like everyone
    scale = max(largest, 1.0) if percent else largest
    longest = max(len(label) for label, *_ in values)
    # DejaVu Sans, the PDF's font, is wide: about 0.6 em a character
    char = CHART_FONT * 0.6
    label_width = min(max(math.ceil(longest * char) + 20, 120), 260)
    max_chars = longest if longest * char + 20 <= label_width else int((label_width - 20) / char)
    # a chart under a narrow table is as wide as the table (70% of the page)
    chart_width = CHART_WIDTH if len(table.columns) > 2 else int(CHART_WIDTH * 0.7)
    area = chart_width - label_width - CHART_VALUE_SPACE
    bars = []
    spoken = []
    for index, (label, value, number, _fmt, text) in enumerate(values):
        width = 0.0
        if number is not None and scale > 0 and number > 0:
            width = max(round(number / scale * area, 1), 1.5)
        shown = label if len(label) <= max_chars else label[: max_chars - 1].rstrip() + "…"
        bars.append(
            Bar(
                label=shown,
                text=text,
                y=index * CHART_ROW + (CHART_ROW - CHART_BAR) / 2,
                text_y=round(index * CHART_ROW + CHART_ROW / 2 + CHART_FONT * 0.36, 1),
                width=width,
                text_x=label_width + width + 6,
                suppressed=is_hidden(value),
            )
        )
        if value == SUPPRESSED:
            text = _("less than %(threshold)s") % {"threshold": threshold}
        elif value == HIDDEN:
            text = pgettext("a number in a report", "hidden")
        elif value is None:
            text = _("not applicable")
        spoken.append(f"{label}: {text}")
    summary = _("Bar chart of %(title)s, %(column)s: %(values)s.") % {
        "title": table.title,
        "column": table.columns[column].label,
        "values": "; ".join(spoken),
    }
    return Chart(
        summary=summary,
        width=chart_width,
        height=len(values) * CHART_ROW,
        label_x=label_width - 8,
        bar_x=label_width,
        bar_height=CHART_BAR,
        font_size=CHART_FONT,
        track_width=area if percent else 0,
        bars=bars,
    )


def _table(table: Table, threshold: int, rule_titles: dict[str, str]) -> TableView:
    rows = []
    for r, row in enumerate(table.rows):
        cells = [
            Cell(
                text=cell_text(value, cell_format(table, r, c), threshold=threshold),
                suppressed=is_hidden(value),
            )
            for c, value in enumerate(row.cells)
        ]
        rows.append(RowView(label=row.label, cells=cells, total=row.total))
    return TableView(
        id=_anchor("table", table.key),
        title=table.title,
        columns=[column.label for column in table.columns],
        narrow=len(table.columns) <= 2,
        rows=rows,
        note=table.note,
        rules=[
            (_anchor("rule", key), rule_titles[key]) for key in table.rules if key in rule_titles
        ],
        chart=_chart(table, threshold),
    )


def report_view(document: ReportDocument, *, for_pdf: bool = False) -> ReportView:
    """Everything the report's templates print, formatted in the active language."""
    threshold = document.threshold
    start, end = _date(document.start), _date(document.end)
    generated_on = ""
    if document.generated_at:
        generated = datetime.fromisoformat(document.generated_at)
        if timezone.is_aware(generated):
            generated = timezone.localtime(generated)
        generated_on = formats.date_format(generated.date(), DATE_FORMAT)
    logo = settings.SAFESPACE_ORGANISATION_LOGO
    rule_titles = {rule.key: rule.title for rule in document.rules}
    headlines = []
    for headline in document.headlines:
        fmt = _headline_format(document, headline)
        headlines.append(
            HeadlineView(
                text=cell_text(headline.value, fmt, threshold=threshold),
                label=headline.label,
                suppressed=is_hidden(headline.value),
            )
        )
    return ReportView(
        document=document,
        title=report_title(document),
        period=_("%(start)s – %(end)s")
        % {
            "start": formats.date_format(start, DATE_FORMAT),
            "end": formats.date_format(end, DATE_FORMAT),
        },
        site=document.site or _("The whole organisation"),
        generated_on=generated_on,
        # the PDF reads it from the static folder (its base); the page from STATIC_URL
        logo=logo if for_pdf else static(logo),
        hidden_text=cell_text(SUPPRESSED, threshold=threshold),
        headlines=headlines,
        sections=[
            SectionView(
                id=_anchor("section", section.key),
                title=section.title,
                intro=section.intro,
                tables=[_table(table, threshold, rule_titles) for table in section.tables],
            )
            for section in document.sections
        ],
        rules=[(_anchor("rule", rule.key), rule.title, rule.text) for rule in document.rules],
    )


# --- HTML ------------------------------------------------------------------------------


def render_report_html(document: ReportDocument) -> str:
    """The report's body (no <html>), in the report's language, for the preview page."""
    with translation.override(document.language):
        return render_to_string("reports/document.html", {"document": document})


# --- PDF -------------------------------------------------------------------------------


class URLRefused(ValueError):
    """A PDF asked for something outside the static folder."""


def static_root() -> Path:
    return Path(settings.STATICFILES_DIRS[0]).resolve()


class StaticOnlyURLFetcher(URLFetcher):
    """WeasyPrint's fetcher, allowed one thing: reading a file inside the static folder.

    Anything else (http, https, ftp, data, a file elsewhere, a way out through ``..`` or a
    symbolic link) is refused before any request is made or any file is opened.
    """

    def __init__(self, *, root: Path | str | None = None, fail_on_errors: bool = False):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self._fail_on_errors = fail_on_errors
        self.root = Path(root).resolve() if root is not None else static_root()

    def static_path(self, url: str) -> Path:
        """The file inside the static folder that ``url`` names, or ``URLRefused``."""
        try:
            parts = urlsplit(url)
        except ValueError as error:
            raise URLRefused("not a URL") from error
        if parts.scheme.lower() != "file":
            raise URLRefused(f"only files of the static folder, not {parts.scheme or '?'}:")
        if parts.netloc not in ("", "localhost"):
            raise URLRefused("only local files")
        try:
            # resolve() follows every symbolic link and "..", so nothing can step outside
            path = Path(url2pathname(unquote(parts.path))).resolve()
        except (OSError, ValueError) as error:
            raise URLRefused("not a usable path") from error
        if not path.is_relative_to(self.root) or path == self.root:
            raise URLRefused("outside the static folder")
        return path

    def fetch(self, url, headers=None):
        try:
            path = self.static_path(url)
        except URLRefused as refusal:
            logger.warning("PDF resource refused (%s): %.120s", refusal, url)
            raise
        if not path.is_file():
            raise URLRefused("no such file in the static folder")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            url=path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def html_to_pdf(html: str, *, url_fetcher: URLFetcher | None = None) -> bytes:
    """A PDF of ``html`` whose relative addresses are files of the static folder (and only
    those: see ``StaticOnlyURLFetcher``)."""
    from weasyprint import HTML

    fetcher = url_fetcher or StaticOnlyURLFetcher()
    base = static_root().as_uri() + "/"
    return HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf()


def render_report_pdf(document: ReportDocument) -> bytes:
    """The report as an A4 PDF, in the report's language."""
    with translation.override(document.language):
        html = render_to_string("reports/report_pdf.html", {"document": document, "for_pdf": True})
    return html_to_pdf(html)
