"""The audit hash chain: each event holds the previous event's hash and its own; a row changed or
deleted by hand is found by verify_chain; the migration chains events written before it."""

from __future__ import annotations

import json
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import create_app
from app.extensions import db
from app.models import AuditEvent, Country
from app.services import audit
from config import TestConfig
from tests.factories import CountryFactory, UserFactory


def _three_events() -> list[AuditEvent]:
    country = CountryFactory()
    admin = UserFactory(role="admin")
    actor = audit.Actor(admin, "192.0.2.1")
    return [audit.record(db.session, actor, f"test.step{n}", country, country_id=country.id,
                         details={"n": n, "word": "élan"}) for n in range(3)]


def _events() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_each_event_holds_the_hash_of_the_one_before():
    _three_events()
    db.session.commit()
    chain = _events()
    assert chain[0].prev_hash == audit.GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert all(len(e.hash) == 64 and e.hash == audit.event_hash(e) for e in chain)
    assert len({e.hash for e in chain}) == len(chain)


def test_a_fresh_chain_is_intact():
    _three_events()
    db.session.commit()
    report = audit.verify_chain(db.session)
    assert report.intact and report.events == len(_events()) >= 3


def test_details_edited_by_hand_are_found():
    events = _three_events()
    db.session.commit()
    db.session.execute(text("UPDATE audit_events SET details = :d WHERE id = :id"),
                       {"d": json.dumps({"n": 99, "word": "élan"}), "id": events[1].id})
    report = audit.verify_chain(db.session)
    assert not report.intact
    assert report.broken_id == events[1].id and "content was changed" in report.problem


def test_an_edit_that_also_rewrites_the_hash_is_found_at_the_next_row():
    events = _three_events()
    db.session.commit()
    db.session.execute(text("UPDATE audit_events SET ip = '203.0.113.9', hash = :h WHERE id = :id"),
                       {"h": "f" * 64, "id": events[1].id})
    report = audit.verify_chain(db.session)
    assert report.broken_id == events[1].id  # its own hash no longer matches its content


def test_a_deleted_row_is_found_at_the_row_after_it():
    events = _three_events()
    db.session.commit()
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})
    report = audit.verify_chain(db.session)
    assert report.broken_id == events[2].id
    assert f"event {events[0].id}" in report.problem and "deleted" in report.problem


def test_deleting_the_first_row_is_found():
    events = _three_events()
    db.session.commit()
    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[0].id})
    report = audit.verify_chain(db.session)
    assert report.broken_id == events[1].id and "start of the chain" in report.problem


def test_a_second_event_on_the_same_prev_hash_is_refused():
    """The database itself refuses a fork: prev_hash is unique."""
    events = _three_events()
    db.session.commit()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            text("INSERT INTO audit_events (at, action, object_type, object_id, details, prev_hash, hash) "
                 "VALUES (:at, 'fork', 'Country', '1', '{}', :prev, :h)"),
            {"at": events[2].at, "prev": events[2].prev_hash, "h": "e" * 64})


def test_address_digest_is_keyed_and_hides_the_address():
    one = audit.address_digest(" Someone@Example.org ", b"key-1")
    assert one == audit.address_digest("someone@example.org", b"key-1")
    assert one != audit.address_digest("someone@example.org", b"key-2")
    assert "someone" not in one and len(one) == 32


def test_the_migration_chains_events_written_before_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"

    class Config(TestConfig):
        def __init__(self) -> None:
            super().__init__()
            self.SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config())
    with app.app_context():
        upgrade(revision="7b2c3d4e5f61-1")
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO audit_events (at, action, object_type, object_id, details) VALUES"
                " ('2026-01-04 08:00:00', 'user.create', 'User', '7', :d)"),
                {"d": json.dumps({"email": "person7@example.org", "role": "official"})})
            for n, at in enumerate(("2026-01-02 10:00:00.000000", "2026-01-01 09:00:00.123456",
                                    "2026-01-03 08:00:00.000001")):
                connection.execute(text(
                    "INSERT INTO audit_events (at, actor_id, action, object_type, object_id, country_id, ip,"
                    " details) VALUES (:at, NULL, 'old.event', 'Country', :n, NULL, '192.0.2.7', :d)"),
                    {"at": at, "n": str(n), "d": json.dumps({"n": n})})
        upgrade()
        session = Session(engine)
        chain = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        assert [e.object_id for e in chain] == ["7", "0", "1", "2"]  # id order, not time order
        assert chain[0].details == {"role": "official"}  # the copied address is gone, before chaining
        assert chain[0].prev_hash == audit.GENESIS and chain[1].prev_hash == chain[0].hash
        report = audit.verify_chain(session)
        assert report.intact and report.events == 4
        new = audit.record(session, audit.SYSTEM, "new.event", chain[1])
        assert new.prev_hash == chain[3].hash
        session.commit()
        assert audit.verify_chain(session).events == 5
        session.close()
        engine.dispose()


@pytest.mark.no_db
def test_two_writers_on_postgresql_do_not_fork_the_chain(app):
    """Each thread on its own connection, many short transactions: every event lands, chain intact."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite serialises writers itself")
        engine = db.engine
    with Session(engine) as session:
        session.add(country := CountryFactory.build(code="ZZ", name="Chainland"))
        session.commit()
        country_id, start = country.id, session.scalar(select(func.max(AuditEvent.id))) or 0
    barrier, errors = threading.Barrier(2), []

    def write(name: str) -> None:
        try:
            with Session(engine) as session:
                subject = session.get(Country, country_id)
                barrier.wait()
                for n in range(25):
                    audit.record(session, audit.SYSTEM, f"thread.{name}", subject, details={"n": n})
                    time.sleep(0.002)  # a slow request: the other writer is waiting, not reading
                    session.commit()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(name,)) for name in "ab"]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with Session(engine) as session:
            report = audit.verify_chain(session)
            written = session.scalar(select(func.count()).where(AuditEvent.id > start))
        assert errors == [] and written == 50
        assert report.intact, report
    finally:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_events WHERE id > :start"), {"start": start})
            connection.execute(text("DELETE FROM countries WHERE id = :id"), {"id": country_id})
