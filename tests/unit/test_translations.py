"""Every user-facing string is wrapped for translation: the extraction finds strings in templates,
views and forms (lazy), and the English catalogue is the source."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.no_db


def test_pybabel_extracts_the_strings_of_templates_views_and_forms(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",  # noqa: S603
                    "-k", "_l", "-o", str(pot), "--no-location", "."],
                   cwd=ROOT, check=True, capture_output=True)
    text = pot.read_text()
    for message in ("Sign in to CapStack",  # a template
                    "The email address or password is not right",  # a view
                    "Keep me signed in on this device for 14 days",  # a form label (lazy)
                    "Too many attempts"):  # an error page
        assert f'msgid "{message}"' in text, message
    assert text.count("msgid ") > 500
