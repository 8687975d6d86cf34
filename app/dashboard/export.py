"""CSV downloads, safe to open in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from flask import Response

from app.services.spreadsheet import csv_text


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Response:
    return Response(csv_text(header, rows), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
