"""Every column that references users or may hold personal data is declared in the privacy registry."""

import re

from sqlalchemy import JSON, Text

from app.models import Base
from app.services.privacy import registry
from app.services.privacy.registry import Erasure

_PERSONAL_NAME = re.compile(r"mail|(^|_)name$|_by$|^ip$|comment|reason")


def _needs_declaration(column) -> bool:
    references_users = any(fk.target_fullname == "users.id" for fk in column.foreign_keys)
    free_text = isinstance(column.type, Text | JSON)
    return references_users or free_text or bool(_PERSONAL_NAME.search(column.name))


def undeclared(metadata) -> list[str]:
    missing = []
    for table in metadata.sorted_tables:
        if table.name in registry.NO_PERSONAL_DATA:
            continue
        declared = registry.TABLES.get(table.name)
        for column in table.columns:
            if _needs_declaration(column) and (declared is None or column.name not in declared.columns):
                missing.append(f"{table.name}.{column.name}")
    return missing


def test_every_personal_column_is_declared():
    assert undeclared(Base.metadata) == []


def test_a_new_column_referencing_users_without_a_declaration_fails():
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String
    from sqlalchemy import Table as SATable

    metadata = MetaData()
    SATable("users", metadata, Column("id", Integer, primary_key=True))
    SATable("progress", metadata, Column("id", Integer, primary_key=True),
            Column("reviewer_id", ForeignKey("users.id")), Column("contact_email", String(200)))
    assert sorted(undeclared(metadata)) == ["progress.contact_email", "progress.reviewer_id"]


def test_declarations_name_real_tables_and_columns():
    tables = Base.metadata.tables
    assert not set(registry.TABLES) & set(registry.NO_PERSONAL_DATA)
    assert set(registry.TABLES) | set(registry.NO_PERSONAL_DATA) == set(tables)
    for name, table in registry.TABLES.items():
        assert set(table.columns) <= set(tables[name].columns.keys()), name
        if table.parent:
            assert table.parent[1] in registry.TABLES and table.parent[0] in tables[name].columns


def test_every_reference_to_users_says_what_erasure_does():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.target_fullname == "users.id" for fk in column.foreign_keys):
                erasure = registry.TABLES[table.name].columns[column.name].erasure
                assert erasure in (Erasure.OWNER, Erasure.KEEP, Erasure.CLEAR), f"{table.name}.{column.name}"
