"""A dashboard page's tables by organisation, 25 organisations at a time (?page=2 for the next).

The organisations are those the filter bar lists (the countries in view, by name), so every table by
organisation on a page shows the same ones, and page 2 of the skills page is about the same
organisations as page 2 of the change page. Rows about no organisation in that list (the totals,
"No organisation", a whole country's indicator) are on every page. The CSV and XLSX files and the
charts are never paged: they have every organisation.
"""

from __future__ import annotations

from dataclasses import replace

from app.dashboard.selection import Selection
from app.ids import page_arg
from app.pagination import ListPagination
from app.services.evaluation import Table

PER_PAGE = 25


class OrganisationPage(ListPagination):
    """A page of the organisations in view (their ids), for the pagination macros."""

    @property
    def shown(self) -> frozenset[int]:
        """The ids on this page."""
        return frozenset(self.items)

    @property
    def paged(self) -> frozenset[int]:
        """Every id in view: a row about another (a total) is on every page."""
        return frozenset(self._query_args["items"])

    def iter_pages(self, **_ignored) -> list[int | None]:
        """The page numbers to link to, None for a gap: the first, the last and those next to this one."""
        return list(super().iter_pages(left_edge=1, left_current=1, right_current=1, right_edge=1))

    def rows(self, table: Table, by: str = "organisation_id") -> list:
        """The rows of ``table`` on this page: those of its organisations (``by`` names the row's
        organisation id), and those about none in view."""
        if self.pages <= 1:
            return table.rows
        shown, paged = self.shown, self.paged
        return [row for row in table.rows if getattr(row, by) not in paged or getattr(row, by) in shown]

    def table(self, table: Table, by: str = "organisation_id") -> Table:
        """``table`` with the rows on this page only (for a grid built from a table's rows)."""
        return replace(table, rows=self.rows(table, by))


def organisation_page(selection: Selection, number: int) -> OrganisationPage:
    """Page ``number`` of the organisations in view; past the last page is a 404."""
    picked = selection.filters.organisation_id
    ids = [picked] if picked is not None else [option.id for option in selection.organisations]
    return OrganisationPage(page=number, per_page=PER_PAGE, items=ids)


def current_page(selection: Selection) -> OrganisationPage:
    """The page of organisations the query string asks for (?page=, 1 when absent)."""
    return organisation_page(selection, page_arg())
