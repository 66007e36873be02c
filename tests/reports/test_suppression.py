"""Small-count suppression, on hand-built tables (no database).

Threshold 5 unless said: a count from 1 to 4 is hidden, 0 and 5 are shown; where cells
are the parts of a total, no group may be left with exactly one hidden cell.
"""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reports.document import (
    HIDDEN,
    SUPPRESSED,
    Column,
    Headline,
    ReportDocument,
    Row,
    Section,
    Table,
    is_hidden,
)
from reports.suppression import _groups, suppress, suppress_table

S = SUPPRESSED  # a small count: "< 5"
H = HIDDEN  # a complement or a derived cell, of any size: "hidden"


def one_column(values, *, adds_up=True, protected_rows=None):
    """A table of people in one column; with ``adds_up`` the rows are the parts of the total
    row added below them."""
    protected_rows = protected_rows or [True] * len(values)
    rows = [
        Row(key=f"r{i}", label=f"part {i}", cells=[v], protected=p)
        for i, (v, p) in enumerate(zip(values, protected_rows, strict=True))
    ]
    if adds_up:
        rows.append(Row(key="total", label="Total", cells=[sum(values)], total=True))
    return Table(
        key="t",
        title="A table",
        columns=[Column(key="people", label="People")],
        rows=rows,
        rows_add_up=adds_up,
    )


def two_way(values, *, rows_add_up=True, last_column_is_total=True):
    """A 2-D table (like referrals by partner type x status): each row ends with its total,
    and a total row adds up the rows above it."""
    columns = [Column(key=f"c{c}", label=f"c{c}") for c in range(len(values[0]))]
    rows = [Row(key=f"r{r}", label=f"r{r}", cells=list(vs)) for r, vs in enumerate(values)]
    if last_column_is_total:
        columns.append(Column(key="total", label="All"))
        for row in rows:
            row.cells.append(sum(row.cells))
    if rows_add_up:
        width = len(columns)
        rows.append(
            Row(
                key="total",
                label="All",
                cells=[sum(row.cells[c] for row in rows) for c in range(width)],
                total=True,
            )
        )
    return Table(
        key="two_way",
        title="Two ways",
        columns=columns,
        rows=rows,
        rows_add_up=rows_add_up,
        last_column_is_total=last_column_is_total,
    )


def column_of(table, c=0):
    return [row.cells[c] for row in table.rows]


def grid(table):
    return [list(row.cells) for row in table.rows]


def document_of(*tables, headlines=()):
    return ReportDocument(
        language="en",
        start="2025-01-01",
        end="2025-12-31",
        organisation="Test",
        suppressed=False,
        sections=[Section(key="s", title="S", tables=list(tables))],
        headlines=list(headlines),
    )


# --- primary suppression ---------------------------------------------------------------


def test_a_count_from_1_to_4_is_hidden_and_0_and_5_are_shown():
    table = one_column([0, 1, 2, 4, 5, 12], adds_up=False)
    suppress_table(table, threshold=5)
    assert column_of(table) == [0, S, S, S, 5, 12]


def test_the_threshold_decides_what_is_small():
    table = one_column([1, 5, 9, 10], adds_up=False)
    suppress_table(table, threshold=10)
    assert column_of(table) == [S, S, S, 10]


def test_suppress_table_returns_the_cells_it_hid():
    table = one_column([3, 8], adds_up=False)
    assert suppress_table(table, threshold=5) == {(0, 0)}


def test_decimals_and_empty_cells_are_not_counts_and_stay():
    table = Table(
        key="t",
        title="t",
        columns=[Column(key="value", label="Value")],
        rows=[
            Row(key="hours", label="Hours", cells=[2.5]),
            Row(key="none", label="Nothing yet", cells=[None]),
        ],
    )
    suppress_table(table, threshold=5)
    assert column_of(table) == [2.5, None]


# --- complementary suppression ---------------------------------------------------------


def test_one_hidden_part_hides_the_smallest_other_non_zero_part_and_the_total_stays():
    # 3 alone could be worked out as 40 - 10 - 7 - 20: the 7 goes with it
    table = one_column([3, 10, 7, 0, 20])
    suppress_table(table, threshold=5)
    assert column_of(table) == [S, 10, H, 0, 20, 40]


def test_two_small_parts_protect_each_other():
    table = one_column([3, 2, 10])
    suppress_table(table, threshold=5)
    assert column_of(table) == [S, S, 10, 15]


def test_when_the_other_parts_are_zero_a_zero_part_is_hidden():
    # 3 (r0) is small: its column hides 7 (r1) as a complement; r1 is then left with one
    # hidden part beside a zero part and its total: the zero is hidden, the total stays
    table = two_way([[10, 3], [0, 7], [10, 20]])
    hidden = suppress_table(table, threshold=5)
    assert (1, 0) in hidden
    assert grid(table) == [
        [H, S, 13],
        [H, H, 7],
        [10, 20, 30],
        [20, 30, 50],
    ]


def test_a_table_whose_rows_do_not_add_up_hides_no_complement():
    # one person can receive several services: the rows overlap, nothing to subtract
    table = one_column([3, 10, 7], adds_up=False)
    suppress_table(table, threshold=5)
    assert column_of(table) == [S, 10, 7]


def test_a_column_that_does_not_add_up_hides_no_complement():
    table = Table(
        key="t",
        title="t",
        columns=[
            Column(key="people", label="People"),
            Column(key="overlapping", label="People, one in several rows", adds_up=False),
        ],
        rows=[
            Row(key="a", label="a", cells=[10, 3]),
            Row(key="b", label="b", cells=[10, 20]),
            Row(key="total", label="All", cells=[20, 12], total=True),
        ],
        rows_add_up=True,
    )
    suppress_table(table, threshold=5)
    assert grid(table) == [[10, S], [10, 20], [20, 12]]


def test_a_two_way_table_hides_complements_in_rows_and_columns():
    # referrals by partner type (rows) and status (columns), a row total and a total row
    #   3  0 10 | 13      the 3 is small; worked out by hand, group after group (columns
    #   0  0  6 |  6      first, then rows, until no group holds one hidden cell): its column
    #   8  5 12 | 25      hides the 8, its row the 10; the 8's row hides the 5; the 5's column
    #  11  5 28 | 44      a zero, the 10's column the 6; the 6's row a zero. Totals all stay.
    table = two_way([[3, 0, 10], [0, 0, 6], [8, 5, 12]])
    suppress_table(table, threshold=5)
    assert grid(table) == [
        [S, H, H, 13],
        [H, 0, H, 6],
        [H, H, 12, 25],
        [11, 5, 28, 44],
    ]
    _assert_no_lone_hidden_cell(table)


def _hidden_in(table):
    return {
        (r, c)
        for r, row in enumerate(table.rows)
        for c, cell in enumerate(row.cells)
        if is_hidden(cell)
    }


def _assert_no_lone_hidden_cell(table):
    counted = [
        c
        for c, column in enumerate(table.columns)
        if column.protected and column.derived_from is None
    ]
    hidden = _hidden_in(table)
    for group in _groups(table, counted):
        assert sum(cell in hidden for cell in group) != 1, group


@st.composite
def small_tables(draw):
    n_rows = draw(st.integers(1, 4))
    n_columns = draw(st.integers(1, 4))
    small_or_not = st.one_of(st.integers(0, 6), st.integers(0, 40))
    values = draw(
        st.lists(
            st.lists(small_or_not, min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    rows_add_up, last_column_is_total = draw(
        st.sampled_from([(True, True), (True, False), (False, True)])
    )
    threshold = draw(st.integers(2, 6))
    table = two_way(values, rows_add_up=rows_add_up, last_column_is_total=last_column_is_total)
    return table, threshold


@settings(max_examples=300, deadline=None)
@given(small_tables())
def test_no_group_is_left_with_exactly_one_hidden_cell(table_and_threshold):
    table, threshold = table_and_threshold
    before = grid(table)
    hidden = suppress_table(table, threshold=threshold)
    assert hidden == _hidden_in(table)
    # every small count is hidden, every other cell keeps its exact value or is hidden
    for r, row in enumerate(before):
        for c, value in enumerate(row):
            if 0 < value < threshold:
                assert (r, c) in hidden
            if (r, c) not in hidden:
                assert table.rows[r].cells[c] == value
    _assert_no_lone_hidden_cell(table)


# --- derived cells ---------------------------------------------------------------------


def services_table(rows):
    """Times given, people, and their share of the people supported (derived from people)."""
    return Table(
        key="services",
        title="Services",
        columns=[
            Column(key="times", label="Times"),
            Column(key="people", label="People"),
            Column(key="share", label="Share", format="percent", derived_from=1),
        ],
        rows=[Row(key=key, label=key, cells=list(cells)) for key, cells in rows],
    )


def test_a_share_is_hidden_with_its_base_and_shown_with_it():
    table = services_table([("food", [12, 3, 0.1]), ("hygiene", [30, 8, 0.3]), ("none", [0, 0, 0])])
    suppress_table(table, threshold=5)
    assert grid(table) == [[12, S, H], [30, 8, 0.3], [0, 0, 0]]


def test_a_share_is_hidden_when_its_base_was_hidden_as_a_complement():
    table = Table(
        key="t",
        title="t",
        columns=[
            Column(key="people", label="People"),
            Column(key="share", label="Share", format="percent", derived_from=0, adds_up=False),
        ],
        rows=[
            Row(key="a", label="a", cells=[3, 0.1]),
            Row(key="b", label="b", cells=[6, 0.2]),
            Row(key="c", label="c", cells=[21, 0.7]),
            Row(key="total", label="All", cells=[30, 1.0], total=True),
        ],
        rows_add_up=True,
    )
    suppress_table(table, threshold=5)
    assert grid(table) == [[S, H], [H, H], [21, 0.7], [30, 1.0]]


def test_a_mean_is_hidden_when_its_base_is_small_even_where_the_base_is_shown():
    # the houses' own work (nights) is shown, but a mean of three stays is three women's
    table = Table(
        key="t",
        title="t",
        columns=[
            Column(key="departures", label="Departures", protected=False),
            Column(key="mean", label="Mean", format="decimal", derived_from=0),
        ],
        rows=[
            Row(key="a", label="a", cells=[3, 21.5]),
            Row(key="b", label="b", cells=[5, 12.0]),
        ],
    )
    suppress_table(table, threshold=5)
    assert grid(table) == [[3, H], [5, 12.0]]


# --- what is never hidden --------------------------------------------------------------


def test_a_row_of_the_organisations_own_work_is_never_hidden():
    table = Table(
        key="housing",
        title="Housing",
        columns=[Column(key="value", label="Number")],
        rows=[
            Row(key="stays", label="Stays", cells=[3]),
            Row(key="nights", label="Nights", cells=[2], protected=False),
        ],
    )
    suppress_table(table, threshold=5)
    assert column_of(table) == [S, 2]


def test_a_row_of_the_organisations_own_work_is_not_taken_as_a_complement():
    # 3 needs a complement: the unprotected 1 must stay, so the 10 goes instead
    table = one_column([3, 1, 10], protected_rows=[True, False, True])
    suppress_table(table, threshold=5)
    assert column_of(table) == [S, 1, H, 14]


def test_a_derived_cell_of_the_organisations_own_work_is_never_hidden():
    table = Table(
        key="t",
        title="t",
        columns=[
            Column(key="value", label="Number"),
            Column(key="per_week", label="Per week", format="decimal", derived_from=0),
        ],
        rows=[Row(key="sessions", label="Sessions", cells=[3, 0.1], protected=False)],
    )
    suppress_table(table, threshold=5)
    assert grid(table) == [[3, 0.1]]


def test_a_column_of_the_organisations_own_work_is_never_hidden_nor_a_complement():
    # outreach: rounds are the team's work, contacts are people
    table = Table(
        key="outreach",
        title="Outreach",
        columns=[
            Column(key="rounds", label="Rounds", protected=False),
            Column(key="contacts", label="Contacts"),
        ],
        rows=[
            Row(key="street", label="Street", cells=[2, 3]),
            Row(key="online", label="Online", cells=[1, 20]),
            Row(key="total", label="All", cells=[3, 23], total=True),
        ],
        rows_add_up=True,
    )
    suppress_table(table, threshold=5)
    assert grid(table) == [[2, S], [1, H], [3, 23]]


# --- the document ----------------------------------------------------------------------


def test_the_exact_values_of_hidden_cells_are_gone_from_the_json():
    table = one_column([3, 17, 7, 20])
    document = document_of(table, headlines=[Headline("small", "a small one", "t", "r0", "people")])
    document.fill_headlines()
    assert document.headlines[0].value == 3
    suppress(document, threshold=5)
    data = document.as_json()
    cells = [row["cells"] for row in data["sections"][0]["tables"][0]["rows"]]
    assert cells == [[S], [17], [H], [20], [47]]
    assert data["headlines"][0]["value"] == S
    assert (data["threshold"], data["suppressed"]) == (5, True)
    # nowhere in the frozen document: not in a cell, not in a headline
    frozen = json.loads(json.dumps(data))
    values = [
        cell
        for section in frozen["sections"]
        for table in section["tables"]
        for row in table["rows"]
        for cell in row["cells"]
    ] + [headline["value"] for headline in frozen["headlines"]]
    assert 3 not in values and 7 not in values
    assert ReportDocument.from_json(frozen) == document


def test_headlines_follow_their_cell_after_suppression():
    table = one_column([3, 17, 7, 20])
    document = document_of(
        table,
        headlines=[
            Headline("hidden", "hidden", "t", "r0", "people"),
            Headline("complement", "complement", "t", "r2", "people"),
            Headline("shown", "shown", "t", "r1", "people"),
            Headline("total", "total", "t", "total", "people"),
        ],
    )
    suppress(document, threshold=5)
    assert [h.value for h in document.headlines] == [S, H, 17, 47]


def test_suppress_hides_every_table_of_the_document():
    first, second = one_column([2, 9], adds_up=False), one_column([9, 4], adds_up=False)
    second.key = "second"
    document = suppress(document_of(first, second), threshold=5)
    assert column_of(document.table("t")) == [S, 9]
    assert column_of(document.table("second")) == [9, S]


@pytest.mark.parametrize("threshold", [1, 0, -3])
def test_suppress_refuses_a_threshold_below_2(threshold):
    document = document_of(one_column([1, 3]))
    with pytest.raises(ValueError):
        suppress(document, threshold=threshold)
    assert column_of(document.table("t")) == [1, 3, 4]
    assert document.suppressed is False
