"""The annual report as a document: sections of tables of counts, each with its counting rule.

The figures engine (``reports.figures``) builds a ``ReportDocument`` of exact numbers;
``reports.suppression`` then replaces small counts by a marker; the result is frozen as
JSON on a ``Report`` row (``as_json``), and the HTML preview, the PDF and the CSV/XLSX
are all rendered from that JSON (``from_json``), so the three always carry the same numbers.

Labels, titles and rule texts are stored as text in the report's language when it is
generated: a frozen report keeps its words too (a service renamed later keeps its old
name in last year's report).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA = 1
# a count the suppression hid because it is small; rendered as "< threshold"
SUPPRESSED = "suppressed"
# a cell hidden so that a small one cannot be worked out (a complement of any size, or a
# share or mean of a hidden count); rendered as "hidden", never as "< threshold", which
# could be false
HIDDEN = "hidden"


def is_hidden(value) -> bool:
    return value in (SUPPRESSED, HIDDEN)


# int: a count; percent: a share between 0 and 1; decimal: a mean, a median, hours
Format = Literal["int", "percent", "decimal"]
Value = int | float | str | None


@dataclass
class Column:
    key: str
    label: str
    format: Format = "int"
    # a count of people, or of what was done with them (visits, stays, goals): small values
    # are suppressed. Counts of the organisation's own work (sessions, nights, hours) are not.
    protected: bool = True
    # a share, mean or median computed from another column (its index): hidden when that
    # column's cell is hidden, or when that cell is below the threshold
    derived_from: int | None = None
    # in a table whose rows are the parts of a total, this column adds up down the rows
    adds_up: bool = True


@dataclass
class Row:
    key: str
    label: str
    cells: list[Value]
    # the total of the rows above it (for the columns that add up)
    total: bool = False
    # False: this row counts the organisation's own work (sessions, nights, hours), never
    # hidden whatever its column says
    protected: bool = True
    # overrides the column's format for this row ("" keeps it)
    format: str = ""


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[Row]
    # the counting rule(s) behind the table (keys into ReportDocument.rules)
    rules: list[str] = field(default_factory=list)
    note: str = ""
    # draw a bar chart of this column (index) of the non-total rows, or none
    chart_column: int | None = None
    # the rows are the parts of the total row: complementary suppression applies down
    # each column that adds up; False for rows that overlap (one person, several services)
    rows_add_up: bool = False
    # the last column is the total of the columns before it that add up (a 2-D table)
    last_column_is_total: bool = False

    def cell(self, row_key: str, column_key: str) -> Value:
        columns = [i for i, c in enumerate(self.columns) if c.key == column_key]
        rows = [r for r in self.rows if r.key == row_key]
        if not columns or not rows:
            raise KeyError(f"table {self.key} has no cell {row_key!r}, {column_key!r}")
        return rows[0].cells[columns[0]]


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)


@dataclass
class Headline:
    """A key figure for the report's first page (a copy of one table cell)."""

    key: str
    label: str
    table: str
    row: str
    column: str
    value: Value = None


@dataclass
class Rule:
    key: str
    title: str
    text: str


@dataclass
class ReportDocument:
    language: str
    start: str  # ISO dates, both included
    end: str
    organisation: str
    site: str = ""  # the site's name, or "" for the whole organisation
    threshold: int = 5
    suppressed: bool = False  # small counts hidden (False: exact, for internal use only)
    generated_at: str = ""
    sections: list[Section] = field(default_factory=list)
    headlines: list[Headline] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    schema: int = SCHEMA

    def tables(self):
        for section in self.sections:
            yield from section.tables

    def table(self, key: str) -> Table:
        for table in self.tables():
            if table.key == key:
                return table
        raise KeyError(f"no table {key!r} in the report")

    def fill_headlines(self) -> None:
        """Copy each headline's value from its table cell (after suppression)."""
        for headline in self.headlines:
            headline.value = self.table(headline.table).cell(headline.row, headline.column)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportDocument:
        data = dict(data)
        sections = [
            Section(
                **{
                    **section,
                    "tables": [
                        Table(
                            **{
                                **table,
                                "columns": [Column(**c) for c in table["columns"]],
                                "rows": [Row(**r) for r in table["rows"]],
                            }
                        )
                        for table in section["tables"]
                    ],
                }
            )
            for section in data.pop("sections")
        ]
        headlines = [Headline(**h) for h in data.pop("headlines")]
        rules = [Rule(**r) for r in data.pop("rules")]
        return cls(**data, sections=sections, headlines=headlines, rules=rules)
