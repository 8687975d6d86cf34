"""Fixtures the content tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.loader import DEFAULT_PATH, load_content


@pytest.fixture
def content_copy(tmp_path) -> Path:
    """A copy of the bundled assessments/ folder to change."""
    target = tmp_path / "assessments"
    shutil.copytree(DEFAULT_PATH, target, ignore=shutil.ignore_patterns("schema", "examples", "*.md"))
    return target


@pytest.fixture(scope="module")
def bundled():
    """The bundled content, loaded once per module (it must load without errors)."""
    result = load_content(DEFAULT_PATH)
    assert result.errors == []
    return result.content
