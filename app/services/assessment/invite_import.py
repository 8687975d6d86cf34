"""Writing the good rows of a checked invitations file: set-based, whatever the number of rows.

The rows go into a temporary staging table first (COPY on PostgreSQL, ``executemany`` in batches
elsewhere); accounts and invitations are then written by a few INSERT ... SELECT statements that
join it, so no statement binds a parameter per row and no ORM object is built per row. Everything
happens in the caller's transaction: a failure leaves nothing written, the staging table included
(PostgreSQL and SQLite both roll DDL back). The staging table is dropped before returning.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from app.models import Invitation, Role, User
from app.models.base import UTCDateTime

BATCH = 1000  # rows per executemany batch where there is no COPY
COUNTED = {"preserve_rowcount": True}  # an INSERT ... SELECT's rowcount is kept only when asked for

staging = Table(
    "invite_import_rows", MetaData(),
    Column("row_number", Integer, nullable=False),
    Column("email", String(254), nullable=False),
    Column("name", String(200), nullable=False),
    Column("organisation_id", Integer, nullable=False),
    Column("role_profile_id", Integer),
    Column("manager_email", String(254)),
    Column("seen_organisation_id", Integer),  # the account's organisation when the file was checked
    Column("move", Boolean),  # the focal point chose to move the account to the row's organisation
    Column("session_token", String(43)),  # a new account's, when the database cannot make one
    prefixes=["TEMPORARY"],
)
COLUMNS = tuple(column.name for column in staging.columns)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tuples(rows: Sequence[dict[str, Any]], tokens: bool) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield (row["row"], row["email"], row["name"], row["organisation_id"], row["role_profile_id"],
               row.get("manager_email"), row.get("seen_organisation_id"), bool(row.get("move")),
               secrets.token_urlsafe(32) if tokens else None)


def load(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Create the staging table and fill it with ``rows`` (the checked rows of an InviteFile)."""
    drop(session)  # left by an import refused earlier in this transaction
    connection = session.connection()
    staging.create(connection)
    if _postgresql(session):
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {staging.name} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for values in _tuples(rows, tokens=False):
                copy.write_row(values)
        return
    values = _tuples(rows, tokens=True)
    while batch := [dict(zip(COLUMNS, row, strict=True)) for row in islice(values, BATCH)]:
        session.execute(insert(staging), batch)


def drop(session: Session) -> None:
    schema = "pg_temp" if _postgresql(session) else "temp"  # never a real table of the same name
    session.execute(text(f"DROP TABLE IF EXISTS {schema}.{staging.name}"))


def accounts_in_question(session: Session, country_id: int) -> list[tuple[Any, ...]]:
    """(row, email, id, role, country id, active) of each staged row whose address belongs to an
    account that is not an active official of ``country_id``, in row order: one joined statement
    (the caller says what is wrong with each)."""
    users = User.__table__
    return [tuple(found) for found in session.execute(
        select(staging.c.row_number, staging.c.email, users.c.id, users.c.role, users.c.country_id,
               users.c.active)
        .join(users, users.c.email == staging.c.email)
        .where(or_(users.c.role != Role.OFFICIAL.value, users.c.country_id.is_distinct_from(country_id),
                   users.c.active.is_not(True)))
        .order_by(staging.c.row_number))]


def accounts_moved_since(session: Session) -> list[tuple[int, str]]:
    """(row, email) of each staged row whose account is now in another organisation than the one the
    check saw (or, for an address without an account then, than the row's): one joined statement."""
    users = User.__table__
    seen = func.coalesce(staging.c.seen_organisation_id, staging.c.organisation_id)
    return [(number, email) for number, email in session.execute(
        select(staging.c.row_number, staging.c.email)
        .join(users, users.c.email == staging.c.email)
        .where(users.c.organisation_id.is_not(None), users.c.organisation_id.is_distinct_from(seen))
        .order_by(staging.c.row_number))]


def _email_index(session: Session) -> None:
    # Without it SQLite would scan the staging table once per account it updates.
    session.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{staging.name}_email ON {staging.name} (email)"))


def move_accounts(session: Session) -> None:
    """Move each account the focal point chose to move to its row's organisation, in one UPDATE; its
    line manager, who must be in the same organisation, is cleared (set_managers sets the file's)."""
    users = User.__table__
    _email_index(session)
    moving = select(staging.c.email).where(staging.c.move.is_(True))
    organisation = (select(staging.c.organisation_id).where(staging.c.email == users.c.email)
                    .scalar_subquery())
    session.execute(update(users).where(users.c.email.in_(moving))
                    .values(organisation_id=organisation, manager_id=None),
                    execution_options={"synchronize_session": False})
    for obj in list(session.identity_map.values()):  # Core statements leave loaded objects as they were
        if isinstance(obj, User):
            session.expire(obj, ["organisation_id", "organisation", "manager_id", "manager"])


def _session_token(session: Session):
    """A new account's session id: token_urlsafe(32)'s alphabet and length, from 244 bits of the
    server's strong random generator on PostgreSQL (made per row there, not in Python)."""
    if not _postgresql(session):
        return staging.c.session_token
    uuid = func.uuid_send(func.gen_random_uuid())
    encoded = func.encode(uuid.op("||")(func.uuid_send(func.gen_random_uuid())), "base64")
    return func.translate(func.rtrim(encoded, "="), "+/", "-_")


def create_accounts(session: Session, country_id: int, now: datetime) -> int:
    """Create an official account for each staged address that has none; how many were created.

    The rules create_user applies, in bulk: e-mail normalised and name present (checked before),
    role official, the campaign's country, no password until the invitation link is used."""
    users = User.__table__
    known = exists().where(users.c.email == staging.c.email)
    source = select(
        staging.c.email, staging.c.name, literal(Role.OFFICIAL.value, String()),
        staging.c.organisation_id, literal(country_id, Integer()), literal(True, Boolean()),
        literal(now, UTCDateTime()), _session_token(session),
    ).where(~known).order_by(staging.c.row_number)
    result = session.execute(insert(users).from_select(
        ["email", "name", "role", "organisation_id", "country_id", "active", "created_at",
         "session_token"], source), execution_options=COUNTED)
    return result.rowcount


def set_managers(session: Session) -> None:
    """Set the manager of every staged row that names one (an account by now: checked before)."""
    users = User.__table__
    _email_index(session)
    managers = users.alias("managers")
    manager_id = (select(managers.c.id)
                  .join(staging, staging.c.manager_email == managers.c.email)
                  .where(staging.c.email == users.c.email)
                  .scalar_subquery())
    named = select(staging.c.email).where(staging.c.manager_email.is_not(None))
    session.execute(update(users).where(users.c.email.in_(named)).values(manager_id=manager_id),
                    execution_options={"synchronize_session": False})
    for obj in list(session.identity_map.values()):  # Core statements leave loaded objects as they were
        if isinstance(obj, User):
            session.expire(obj, ["manager_id", "manager"])


def invite(session: Session, campaign_id: int, now: datetime) -> int:
    """Invite every staged person not invited to the campaign already; how many were invited."""
    users, invitations = User.__table__, Invitation.__table__
    invited = exists().where(and_(invitations.c.campaign_id == campaign_id,
                                  invitations.c.user_id == users.c.id))
    source = select(
        literal(campaign_id, Integer()), users.c.id, staging.c.organisation_id,
        staging.c.role_profile_id, literal(now, UTCDateTime()), literal(0, Integer()),
    ).join(users, users.c.email == staging.c.email).where(~invited).order_by(staging.c.row_number)
    result = session.execute(insert(invitations).from_select(
        ["campaign_id", "user_id", "organisation_id", "role_profile_id", "invited_at", "reminders"],
        source), execution_options=COUNTED)
    return result.rowcount
