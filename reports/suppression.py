"""Small-count suppression: no figure of the report lets anyone pick out a person.

- Primary: a protected count from 1 to threshold - 1 is hidden (shown "< threshold").
  Zero is shown: "nobody" reveals no one.
- Complementary: where cells are the parts of a total (the rows of a table that add up,
  or the columns of a row whose last column is their total), a part hidden alone could be
  recomputed by subtraction; so a second cell of that group is hidden too: the smallest
  other non-zero part, else a zero part, else the total. Repeated until no group holds
  exactly one hidden cell (a cell hidden for a column can open a row group, and so on).
- Derived: a share, mean or median is hidden with the count it comes from, and whenever
  that count is below the threshold (a median of three stays is three women's stays).

Hidden cells are replaced in the document itself, so the exact value is never frozen,
rendered or exported: a small count by ``SUPPRESSED`` ("< 5"), any other hidden cell (a
complement, which may be zero or large, or a derived cell) by ``HIDDEN`` ("hidden").
"""

from __future__ import annotations

from reports.document import HIDDEN, SUPPRESSED, ReportDocument, Table


def suppress(document: ReportDocument, *, threshold: int) -> ReportDocument:
    """Hide small counts in every table of ``document`` (in place) and return it."""
    if threshold < 2:
        raise ValueError("a suppression threshold below 2 hides nothing")
    for table in document.tables():
        suppress_table(table, threshold=threshold)
    document.threshold = threshold
    document.suppressed = True
    document.fill_headlines()
    return document


def _is_small(value, threshold: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < threshold


def _groups(table: Table, counted: list[int]) -> list[list[tuple[int, int]]]:
    """The sets of cells that add up to a total in ``table`` (row, column) coordinates."""
    groups = []
    if table.rows_add_up:
        totals = [r for r, row in enumerate(table.rows) if row.total]
        parts = [r for r, row in enumerate(table.rows) if not row.total]
        for c in counted:
            if table.columns[c].adds_up:
                groups.append([(r, c) for r in parts] + [(r, c) for r in totals])
    if table.last_column_is_total and counted:
        last = len(table.columns) - 1
        parts = [c for c in counted if c != last and table.columns[c].adds_up]
        if last in counted:
            for r in range(len(table.rows)):
                groups.append([(r, c) for c in parts] + [(r, last)])
    return groups


def suppress_table(table: Table, *, threshold: int) -> set[tuple[int, int]]:
    """Hide the small counts of one table, their complements and derived cells; returns the
    coordinates hidden."""
    value = {(r, c): cell for r, row in enumerate(table.rows) for c, cell in enumerate(row.cells)}
    counted = [
        c
        for c, column in enumerate(table.columns)
        if column.protected and column.derived_from is None
    ]
    hidden = {
        (r, c)
        for r, row in enumerate(table.rows)
        for c in counted
        if row.protected and _is_small(value[(r, c)], threshold)
    }
    groups = _groups(table, counted)
    changed = True
    while changed:
        changed = False
        for group in groups:
            if sum(cell in hidden for cell in group) != 1:
                continue
            # a row of the organisation's own work is never hidden, so never a complement
            shown = [
                cell
                for cell in group
                if cell not in hidden
                and table.rows[cell[0]].protected
                and isinstance(value[cell], int)
            ]
            if not shown:
                continue
            total_cells = {group[-1]} if _ends_with_total(table, group) else set()

            def preference(cell, total_cells=total_cells):
                # the smallest non-zero part, then a zero part, the total last
                return (cell in total_cells, value[cell] == 0, value[cell])

            hidden.add(min(shown, key=preference))
            changed = True
    for r, row in enumerate(table.rows):
        for c, column in enumerate(table.columns):
            base = column.derived_from
            if base is None or not row.protected:
                continue
            if (r, base) in hidden or _is_small(value[(r, base)], threshold):
                hidden.add((r, c))
    for r, c in hidden:
        small = _is_small(value[(r, c)], threshold) and table.columns[c].derived_from is None
        table.rows[r].cells[c] = SUPPRESSED if small else HIDDEN
    return hidden


def _ends_with_total(table: Table, group: list[tuple[int, int]]) -> bool:
    r, c = group[-1]
    return table.rows[r].total or (table.last_column_is_total and c == len(table.columns) - 1)
