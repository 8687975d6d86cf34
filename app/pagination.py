"""Pagination over a list already in memory, for the pagination macros (macros/pagination.html):
Flask-SQLAlchemy's Pagination with the list as its query."""

from __future__ import annotations

from flask_sqlalchemy.pagination import Pagination


class ListPagination(Pagination):
    """``ListPagination(page=, per_page=, items=[...])``: page ``page`` of ``items`` (past the last
    page is a 404, as with ``paginate()``)."""

    def _query_items(self) -> list:
        return self._query_args["items"][self._query_offset:self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])
