"""KR-20 per competency on the demo (bench/measurement.py --demo): builds the demo in a throwaway SQLite
file with the real commands (flask db upgrade, content sync, demo), then reads the item statistics the
admin page shows."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def print_demo_reliability() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/demo.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
        flask = str(Path(sys.executable).with_name("flask"))
        for command in (["db", "upgrade"], ["content", "sync"], ["demo"]):
            subprocess.run([flask, *command], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
        os.environ["DATABASE_URL"] = url
        from app import create_app
        from app.extensions import db
        from app.services.assessment import item_stats
        from config import Config

        app = create_app(Config())
        with app.app_context():
            stats = item_stats.item_statistics(db.session, None, k=1)
            print("\nKR-20 per competency on the demo (every submitted attempt, both cycles):")
            print(f"  {'instrument':<18} {'competency':<16} {'KR-20':>6} {'officials':>9} {'checks':>6}")
            for group in stats.competencies:
                value = group.kr20 if isinstance(group.kr20, float) else "n/a"
                shown = f"{value:.2f}" if isinstance(value, float) else value
                print(f"  {group.instrument + ' v' + str(group.version):<18} {group.competency:<16} "
                      f"{shown:>6} {group.kr20_respondents!s:>9} {group.kr20_checks:>6}")
            db.engine.dispose()
