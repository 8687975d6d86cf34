"""Exporting a person's data: a zip of one JSON file per table (only their rows) and their evidence files."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User
from app.services import audit
from app.services.audit import Actor
from app.services.privacy import registry
from app.services.privacy.registry import Erasure
from app.services.privacy.rows import referencing, table

# Never handed out, even to the person: they would let anyone holding the file sign in as them.
SECRET_COLUMNS = {("users", "password_hash"), ("users", "session_token"), ("account_tokens", "token_hash")}


@dataclass
class Export:
    user_id: int
    data: bytes
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows exported
    files: int = 0


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def person_rows(session: Session, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """Table name -> the person's rows there (as plain dicts), for every table the registry declares."""
    found = {}
    for name, declared in registry.TABLES.items():
        sql = table(name)
        leave_out = {column for table_name, column in SECRET_COLUMNS if table_name == name}
        if declared.owner is None and declared.parent is None:
            # Rows the person made, not theirs: what may name others (an uploaded file's invitees) stays out.
            leave_out |= set(declared.of(Erasure.SCRUB))
        statement = select(sql).where(referencing(name, user_id)).order_by(*sql.primary_key.columns)
        rows = [{column: _plain(value) for column, value in row._mapping.items() if column not in leave_out}
                for row in session.execute(statement)]
        if rows:
            found[name] = rows
    return found


def export(session: Session, actor: Actor, user: User, *, evidence_dir: Path | None) -> Export:
    """Build ``user``'s export and add an audit event for it to the session (the caller commits)."""
    session.flush()
    rows = person_rows(session, user.id)
    buffer = io.BytesIO()
    files = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table_rows in rows.items():
            archive.writestr(f"tables/{name}.json", json.dumps(table_rows, indent=2, ensure_ascii=False,
                                                               default=str))
        folder = evidence_dir / str(user.id) if evidence_dir is not None else None
        if folder is not None and folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file():
                    archive.write(path, f"evidence/{path.name}")
                    files += 1
        archive.writestr("README.txt", _readme(rows))
    result = Export(user.id, buffer.getvalue(), {name: len(r) for name, r in rows.items()}, files)
    audit.record(session, actor, "privacy.export", user,
                 details={"rows": dict(sorted(result.rows.items())), "files": files})
    return result


def _readme(rows: dict[str, list[dict[str, Any]]]) -> str:
    lines = ["Personal data held by CapStack about one person.", "",
             "tables/<table>.json: that person's rows in each table, and what each table is:", ""]
    for name in rows:
        lines.append(f"- {name}: {registry.TABLES[name].purpose}")
    lines += ["", "evidence/: the evidence files they uploaded.", ""]
    return "\n".join(lines)
