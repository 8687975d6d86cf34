"""A dashboard page's tables by organisation, 25 organisations at a time (?page=2 for the next).

The organisations are those the filter bar lists (the countries in view, by name), so every table by
organisation on a page shows the same ones, and page 2 of the skills page is about the same
organisations as page 2 of the change page. Rows about no organisation in that list (the totals,
"No organisation", a whole country's indicator) are on every page. The CSV and XLSX files and the
charts are never paged: they have every organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import ceil

from flask import abort

from app.dashboard.selection import Selection
from app.ids import page_arg
from app.services.evaluation import Table

PER_PAGE = 25


@dataclass(frozen=True)
class OrganisationPage:
    page: int
    total: int  # organisations in view
    shown: frozenset[int]  # the ids on this page
    paged: frozenset[int]  # every id in view: a row about another (a total) is on every page
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def iter_pages(self) -> list[int | None]:
        """The page numbers to link to, None for a gap: the first, the last and those around this one."""
        near = {1, self.pages, *range(self.page - 1, self.page + 2)}
        numbers: list[int | None] = []
        for number in sorted(n for n in near if 1 <= n <= self.pages):
            if numbers and number - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(number)
        return numbers

    def rows(self, table: Table, by: str = "organisation_id") -> list:
        """The rows of ``table`` on this page: those of its organisations (``by`` names the row's
        organisation id), and those about none in view."""
        if self.pages == 1:
            return table.rows
        return [row for row in table.rows
                if getattr(row, by) not in self.paged or getattr(row, by) in self.shown]

    def table(self, table: Table, by: str = "organisation_id") -> Table:
        """``table`` with the rows on this page only (for a grid built from a table's rows)."""
        return replace(table, rows=self.rows(table, by))


def organisation_page(selection: Selection, number: int) -> OrganisationPage:
    """Page ``number`` of the organisations in view; past the last page is a 404."""
    picked = selection.filters.organisation_id
    ids = [picked] if picked is not None else [option.id for option in selection.organisations]
    start = (number - 1) * PER_PAGE
    if number > 1 and start >= len(ids):
        abort(404)
    return OrganisationPage(number, len(ids), frozenset(ids[start:start + PER_PAGE]), frozenset(ids))


def current_page(selection: Selection) -> OrganisationPage:
    """The page of organisations the query string asks for (?page=, 1 when absent)."""
    return organisation_page(selection, page_arg())
