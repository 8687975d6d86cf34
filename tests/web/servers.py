"""Real servers for the tests that need them: a redis-server of the test's own, a scratch PostgreSQL
database, and gunicorn masters serving the app (started and stopped by the test itself)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psycopg
import redis

from config import BASE_DIR

BIN = Path(sys.executable).parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
POSTGRES = "postgresql://postgres@127.0.0.1:5432"  # the machine's PostgreSQL, as in CI


def free_port() -> int:
    """A port free a moment ago: nothing listens there until someone binds it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own on ``port``, keeping nothing on disk."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log.open("ab")
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, fixed arguments
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=self.log, stderr=subprocess.STDOUT)
        client, deadline = redis.Redis(port=port, socket_connect_timeout=0.5), time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start; see {log}") from None
                time.sleep(0.05)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()


class ScratchDatabase:
    """A PostgreSQL database of the test's own, dropped at the end."""

    def __init__(self) -> None:
        self.name = f"capstack_scratch_{uuid.uuid4().hex[:10]}"
        self.url = f"{POSTGRES}/{self.name}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def flask(args: list[str], environment: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=BASE_DIR,  # noqa: S603
                          env=environment, check=True, capture_output=True, **kwargs)


class Gunicorn:
    """A gunicorn master (sync workers) serving wsgi:app with ``environment``."""

    def __init__(self, environment: dict[str, str], log: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn, fixed arguments
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "wsgi:app"],
            cwd=BASE_DIR, env=environment, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=5):  # noqa: S310
                    return
            except (urllib.error.URLError, OSError):  # refused, reset, or still booting (timed out)
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"gunicorn did not start; see {log}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # quick shutdown: nothing to drain in a test
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def environment(**settings: str) -> dict[str, str]:
    return {**os.environ, "CAPSTACK_CONFIG": "development", "LOG_LEVEL": "WARNING", "FLASK_APP": "wsgi",
            "SECRET_KEY": "two-instances-test-secret-0123456789", **settings}
